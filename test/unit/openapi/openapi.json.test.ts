// openapi/openapi.json is a committed rendering of openapi/openapi.yaml;
// it must never say anything else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOpenApiDocument, openApiDocumentPath } from '../../../src/http/openapi.js';

test('openapi.json is the YAML document, unchanged (regenerate with npm run openapi:json)', () => {
  const json = JSON.parse(readFileSync(join(openApiDocumentPath(), '..', 'openapi.json'), 'utf8')) as unknown;
  assert.deepEqual(json, JSON.parse(JSON.stringify(loadOpenApiDocument())));
});
