// Writes openapi/openapi.json from openapi/openapi.yaml (the source), for
// tools that read only JSON. test/unit/openapi/openapi.json.test.ts fails when the
// two differ: run `npm run openapi:json` after editing the YAML.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOpenApiDocument, openApiDocumentPath } from '../src/http/openapi.js';

const target = join(openApiDocumentPath(), '..', 'openapi.json');
writeFileSync(target, `${JSON.stringify(loadOpenApiDocument(), null, 2)}\n`);
console.log(`wrote ${target}`);
