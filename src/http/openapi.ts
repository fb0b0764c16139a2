import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * The hand-written OpenAPI document lives at `openapi/openapi.yaml` in the
 * project root. This module sits at `src/http/openapi.ts` under tsx and at
 * `dist/http/openapi.js` once compiled: both are two levels below the root, so
 * one relative URL serves both.
 */
const documentUrl = new URL('../../openapi/openapi.yaml', import.meta.url);

let cached: Record<string, unknown> | undefined;

/** The parsed document, read once per process. Throws when the file is missing or not a YAML mapping. */
export function loadOpenApiDocument(): Record<string, unknown> {
  if (cached === undefined) {
    const parsed: unknown = parse(readFileSync(documentUrl, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new TypeError(`${fileURLToPath(documentUrl)} is not an OpenAPI document`);
    }
    cached = Object.freeze(parsed as Record<string, unknown>);
  }
  return cached;
}

/** Where the document is read from (for error messages and tests). */
export function openApiDocumentPath(): string {
  return fileURLToPath(documentUrl);
}
