/**
 * One source for request shapes: the zod schemas in src/http/input/schemas.ts
 * validate requests, and the document's query parameters and JSON bodies must
 * accept exactly what they accept. The document keeps what zod does not say:
 * descriptions, examples, and the defaults (which come from each server's
 * configuration at run time, not from the schema). So the comparison is of
 * the validating keywords of each JSON Schema, from `z.toJSONSchema`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { loadOpenApiDocument } from '../../../src/http/openapi.js';
import {
  ackBodySchema,
  claimBodySchema,
  eventsQuerySchema,
  extendBodySchema,
  moveBodySchema,
  releaseBodySchema,
  transferQuerySchema,
} from '../../../src/http/input/schemas.js';
import { deref, HTTP_METHODS, operationParameters } from '../../helpers/openapiValidator.js';

type Json = Record<string, unknown>;
const doc = loadOpenApiDocument() as Json;
const components = doc.components as Record<string, Record<string, Json>>;

const ANNOTATIONS = new Set(['$schema', 'title', 'description', 'default', 'examples', 'example', 'deprecated', 'readOnly', 'writeOnly']);

/** The validating part of a schema, in a canonical form: annotations dropped, `enum` and `required` sorted (their order means nothing). */
function validation(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(validation);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema).sort(([a], [b]) => a.localeCompare(b))) {
    if (ANNOTATIONS.has(key)) continue;
    out[key] =
      (key === 'enum' || key === 'required') && Array.isArray(value)
        ? [...value].sort()
        : key === 'properties'
          ? mapValues(value as Json, validation)
          : validation(value);
  }
  return out;
}

function mapValues(object: Json, fn: (v: unknown) => unknown): Json {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, fn(v)]));
}

/**
 * What a query parameter's schema means for the text in the URL: OpenAPI's
 * form style writes a boolean as `true` or `false` (OAS 3.1 §4.8.12.4), which is
 * what the zod schema's input side checks.
 */
function asQueryText(schema: Json): Json {
  return schema.type === 'boolean' ? { ...schema, type: 'string', enum: ['true', 'false'] } : schema;
}

type QuerySchema = { properties: Record<string, Json> };
// The transfer options and (v1.1) the event stream's options: one query vocabulary, no key in both.
const transferQuery = z.toJSONSchema(transferQuerySchema, { io: 'input' }) as QuerySchema;
const eventsQuery = z.toJSONSchema(eventsQuerySchema, { io: 'input' }) as QuerySchema;
const zodQuery: QuerySchema = { properties: { ...transferQuery.properties, ...eventsQuery.properties } };

function* documentedQueryParameters(): Generator<{ where: string; name: string; schema: Json }> {
  for (const [name, raw] of Object.entries(components.parameters ?? {})) {
    const p = deref(doc, raw);
    if (p.in === 'query') yield { where: `#/components/parameters/${name}`, name: p.name as string, schema: p.schema as Json };
  }
  for (const [template, pathItem] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method] as Json | undefined;
      if (operation === undefined) continue;
      for (const p of operationParameters(doc, pathItem, operation)) {
        if (p.in === 'query') yield { where: `${method.toUpperCase()} ${template}`, name: p.name, schema: p.schema as Json };
      }
    }
  }
}

describe('OpenAPI request shapes come from the zod schemas', () => {
  it('every documented query parameter is one the app reads, with the same accepted values', () => {
    let count = 0;
    for (const { where, name, schema } of documentedQueryParameters()) {
      const source = zodQuery.properties[name];
      assert.ok(source !== undefined, `${where}: ?${name} is documented but transferQuerySchema has no such key`);
      assert.deepEqual(
        validation(asQueryText(schema)),
        validation(source),
        `${where}: ?${name} drifted from transferQuerySchema; it accepts ${JSON.stringify(source)}`,
      );
      count++;
    }
    assert.ok(count > 20, `${count} query parameters checked`);
  });

  it('the transfer and event query schemas share no key (each name means one thing)', () => {
    assert.deepEqual(
      Object.keys(eventsQuery.properties).filter((key) => key in transferQuery.properties),
      [],
    );
  });

  it('every query key the app reads is documented as a component parameter', () => {
    const documented = new Set(
      Object.values(components.parameters ?? {})
        .map((raw) => deref(doc, raw))
        .filter((p) => p.in === 'query')
        .map((p) => p.name),
    );
    assert.deepEqual(
      Object.keys(zodQuery.properties).filter((key) => !documented.has(key)),
      [],
    );
  });

  it('the move body is MoveRequest, and MoveRequest is moveBodySchema', () => {
    const move = (doc.paths as Record<string, Json>)['/api/v1/servers/{server}/move']?.post as Json;
    const body = deref(doc, move.requestBody);
    assert.equal(body.required, true);
    assert.deepEqual(((body.content as Json)['application/json'] as Json).schema, { $ref: '#/components/schemas/MoveRequest' });
    const source = z.toJSONSchema(moveBodySchema, { io: 'input' });
    assert.deepEqual(
      validation(components.schemas?.MoveRequest),
      validation(source),
      `MoveRequest drifted from moveBodySchema: ${JSON.stringify(source)}`,
    );
  });

  it('the claims bodies are the zod schemas that validate them (v1.1 "Claims")', () => {
    const paths = doc.paths as Record<string, Json>;
    const cases: Array<[string, string, z.ZodType]> = [
      ['/api/v1/servers/{server}/claims', 'ClaimRequest', claimBodySchema],
      ['/api/v1/servers/{server}/claims/{id}/ack', 'AckRequest', ackBodySchema],
      ['/api/v1/servers/{server}/claims/{id}/release', 'ReleaseRequest', releaseBodySchema],
      ['/api/v1/servers/{server}/claims/{id}/extend', 'ExtendRequest', extendBodySchema],
    ];
    for (const [path, name, schema] of cases) {
      const operation = paths[path]?.post as Json | undefined;
      assert.ok(operation !== undefined, `${path} is documented`);
      const body = deref(doc, operation.requestBody);
      assert.deepEqual(((body.content as Json)['application/json'] as Json).schema, { $ref: `#/components/schemas/${name}` }, path);
      const source = z.toJSONSchema(schema, { io: 'input' });
      assert.deepEqual(validation(components.schemas?.[name]), validation(source), `${name} drifted: ${JSON.stringify(source)}`);
    }
  });

  it('the comparison sees a drift (a value the document would allow and the app refuses)', () => {
    const mode = deref(doc, components.parameters?.mode).schema as { enum: string[] };
    const widened = { ...mode, enum: [...mode.enum, 'fast'] };
    assert.notDeepEqual(validation(asQueryText(widened)), validation(zodQuery.properties.mode));
    assert.notDeepEqual(
      validation({ ...components.schemas?.MoveRequest, additionalProperties: true }),
      validation(z.toJSONSchema(moveBodySchema, { io: 'input' })),
    );
  });
});
