/**
 * The hand-written OpenAPI document is structurally valid OpenAPI 3.1 and
 * describes the HTTP contract callers rely on (restated below as data).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadOpenApiDocument } from '../../../src/http/openapi.js';
import { ajvFor, deref, documentOperations, operationParameters, resolvePointer, HTTP_METHODS } from '../../helpers/openapiValidator.js';

type Json = Record<string, unknown>;
const doc = loadOpenApiDocument() as Json;
const paths = doc.paths as Record<string, Json>;
const components = doc.components as Json;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function* operations(): Generator<{ template: string; method: string; pathItem: Json; operation: Json }> {
  for (const [template, pathItem] of Object.entries(paths)) {
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (isObject(operation)) yield { template, method, pathItem, operation };
    }
  }
}

function* walk(node: unknown, at: string): Generator<{ node: Json; at: string }> {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) yield* walk(item, `${at}/${i}`);
  } else if (isObject(node)) {
    yield { node, at };
    for (const [k, v] of Object.entries(node)) yield* walk(v, `${at}/${k}`);
  }
}

const PROBLEM = '#/components/schemas/Problem';

/**
 * Additions to the contract: the app routes `files{/*path}` and
 * `dirs{/*path}`, so the empty-path forms exist for every method. A multipart
 * POST uploads into the root; the others can only refuse (409 / 400).
 */
const ADDITIONS = ['POST /api/v1/servers/{server}/files'];
const ALWAYS_REFUSED = [
  'GET /api/v1/servers/{server}/files',
  'HEAD /api/v1/servers/{server}/files',
  'PUT /api/v1/servers/{server}/files',
  'DELETE /api/v1/servers/{server}/files',
  'POST /api/v1/servers/{server}/dirs',
  'DELETE /api/v1/servers/{server}/dirs',
];

describe('OpenAPI document: structure', () => {
  it('is OpenAPI 3.1 with info, paths and components', () => {
    assert.match(String(doc.openapi), /^3\.1\.\d+$/);
    assert.ok(isObject(doc.info) && typeof doc.info.title === 'string' && typeof doc.info.version === 'string');
    assert.ok(Object.keys(paths).length > 0);
    assert.ok(isObject(components.schemas) && isObject(components.securitySchemes));
    for (const template of Object.keys(paths)) assert.ok(template.startsWith('/'), template);
  });

  it('resolves every $ref', () => {
    let count = 0;
    for (const { node, at } of walk(doc, '#')) {
      if (typeof node.$ref !== 'string') continue;
      count++;
      assert.notEqual(resolvePointer(doc, node.$ref), undefined, `${at}: ${node.$ref}`);
    }
    assert.ok(count > 50, `expected many $refs, saw ${count}`);
  });

  it('gives every operation a unique operationId and at least one success response', () => {
    const ids = new Set<string>();
    for (const { template, method, operation } of operations()) {
      assert.equal(typeof operation.operationId, 'string', `${method} ${template}`);
      assert.ok(!ids.has(operation.operationId as string), `duplicate operationId ${String(operation.operationId)}`);
      ids.add(operation.operationId as string);
      assert.ok(isObject(operation.responses), `${method} ${template} has responses`);
      const codes = Object.keys(operation.responses);
      const refusal = ALWAYS_REFUSED.includes(`${method.toUpperCase()} ${template}`);
      assert.equal(
        codes.some((c) => /^[23]\d\d$/.test(c)),
        !refusal,
        `${method} ${template} has a 2xx/3xx response`,
      );
      for (const code of codes) assert.match(code, /^[1-5](\d\d|XX)$|^default$/, `${method} ${template} ${code}`);
    }
  });

  it('describes every error response as application/problem+json with the Problem schema, and nothing else', () => {
    for (const { template, method, operation } of operations()) {
      for (const [code, raw] of Object.entries(operation.responses as Json)) {
        if (Number(code) < 400) continue;
        if (template === '/readyz' && code === '503') continue; // the contract gives /readyz's 503 the readiness body
        const response = deref(doc, raw);
        assert.ok(isObject(response.content), `${method} ${template} ${code} has content`);
        assert.deepEqual(Object.keys(response.content), ['application/problem+json'], `${method} ${template} ${code}`);
        const media = (response.content as Json)['application/problem+json'] as Json;
        assert.deepEqual(media.schema, { $ref: PROBLEM }, `${method} ${template} ${code}`);
      }
    }
  });

  it('declares every {param} of a template as a required path parameter, and no others', () => {
    for (const { template, method, pathItem, operation } of operations()) {
      const inTemplate = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = operationParameters(doc, pathItem, operation).filter((p) => p.in === 'path');
      assert.deepEqual(declared.map((p) => p.name).sort(), inTemplate, `${method} ${template}`);
      for (const p of declared) assert.equal(p.required, true, `${method} ${template} {${p.name}} required`);
      for (const p of operationParameters(doc, pathItem, operation)) {
        assert.ok(['path', 'query', 'header', 'cookie'].includes(p.in), `${p.name} in ${p.in}`);
        assert.ok(isObject(p.schema), `${method} ${template} ${p.name} has a schema`);
      }
    }
  });

  it('marks {path} multi-segment (allowReserved) wherever it appears', () => {
    const param = deref(doc, (components.parameters as Json).path);
    assert.equal(param.allowReserved, true);
    assert.match(String(param.description), /wildcard|several segments/i);
  });

  it('references only defined security schemes', () => {
    const schemes = Object.keys(components.securitySchemes as Json);
    const lists = [doc.security, ...[...operations()].map((o) => o.operation.security)].filter(Array.isArray) as Json[][];
    for (const list of lists)
      for (const requirement of list) for (const name of Object.keys(requirement)) assert.ok(schemes.includes(name), name);
    const s = components.securitySchemes as Record<string, Json>;
    assert.deepEqual(s.bearerAuth, { ...s.bearerAuth, type: 'http', scheme: 'bearer' });
    assert.deepEqual(s.apiKeyHeader, { ...s.apiKeyHeader, type: 'apiKey', in: 'header', name: 'X-API-Key' });
    assert.deepEqual(s.basicAuth, { ...s.basicAuth, type: 'http', scheme: 'basic' });
  });

  it('compiles every schema under strict JSON Schema 2020-12 (ajv)', () => {
    const { compile } = ajvFor(doc);
    let count = 0;
    for (const { node, at } of walk(doc, '#')) {
      if (!isObject(node.schema) || at.includes('/schemas/')) continue;
      compile(`${at}/schema`, node.schema);
      count++;
    }
    for (const name of Object.keys(components.schemas as Json))
      compile(`#/components/schemas/${name}`, { $ref: `#/components/schemas/${name}` });
    assert.ok(count > 20);
  });
});

/** The contract's routes and, per route, the statuses its tables give it. */
const CONTRACT: Record<string, string[]> = {
  'GET /api/v1/servers': ['200', '401'],
  'GET /api/v1/servers/{server}': ['200', '401', '404'],
  'POST /api/v1/servers/{server}/diagnose': ['200', '401', '403', '404'],
  'GET /api/v1/servers/{server}/files/{path}': ['200', '206', '304', '400', '401', '404', '409', '416', '502', '503', '504'],
  'HEAD /api/v1/servers/{server}/files/{path}': ['200', '304', '400', '401', '404', '409', '502', '503', '504'],
  'PUT /api/v1/servers/{server}/files/{path}': ['201', '400', '401', '403', '404', '412', '413', '502', '503', '504', '507'],
  'POST /api/v1/servers/{server}/files/{path}': ['201', '400', '401', '403', '404', '413', '502', '503', '504', '507'],
  'DELETE /api/v1/servers/{server}/files/{path}': ['204', '400', '401', '403', '404', '412', '502', '503', '504'],
  'GET /api/v1/servers/{server}/dirs': ['200', '400', '401', '404', '413', '502', '503', '504'],
  'GET /api/v1/servers/{server}/dirs/': ['200', '400', '401', '404', '413', '502', '503', '504'],
  'GET /api/v1/servers/{server}/dirs/{path}': ['200', '400', '401', '404', '413', '502', '503', '504'],
  'POST /api/v1/servers/{server}/dirs/{path}': ['201', '400', '401', '403', '404', '502', '503', '504'],
  'DELETE /api/v1/servers/{server}/dirs/{path}': ['204', '400', '401', '403', '404', '409', '502', '503', '504'],
  'POST /api/v1/servers/{server}/move': ['200', '400', '401', '403', '404', '409', '502', '503', '504'],
  // (v1.1) Claims
  'POST /api/v1/servers/{server}/claims': ['201', '204', '400', '401', '403', '404', '502', '503', '504'],
  'POST /api/v1/servers/{server}/claims/{id}/ack': ['204', '400', '401', '403', '404', '409', '502', '503', '504'],
  'POST /api/v1/servers/{server}/claims/{id}/release': ['204', '400', '401', '403', '404', '409', '502', '503', '504'],
  'POST /api/v1/servers/{server}/claims/{id}/extend': ['200', '400', '401', '403', '404', '409', '502', '503', '504'],
  'GET /api/v1/transfers': ['200', '401'],
  // (v1.1) Events: the root-dir forms as for dirs.
  'GET /api/v1/servers/{server}/events': ['200', '400', '401', '404', '502', '503', '504'],
  'GET /api/v1/servers/{server}/events/': ['200', '400', '401', '404', '502', '503', '504'],
  'GET /api/v1/servers/{server}/events/{path}': ['200', '400', '401', '404', '502', '503', '504'],
  'GET /healthz': ['200'],
  'GET /readyz': ['200', '503'],
  'GET /metrics': ['200'],
  'GET /openapi.json': ['200'],
  'GET /docs': ['200'],
};

function op(key: string): Json {
  const [method, template] = key.split(' ') as [string, string];
  const operation = paths[template]?.[method.toLowerCase()];
  assert.ok(isObject(operation), `documented: ${key}`);
  return operation;
}

function paramNames(key: string): string[] {
  const [, template] = key.split(' ') as [string, string];
  return operationParameters(doc, paths[template] as Json, op(key)).map((p) => `${p.in}:${p.name}`);
}

function responseOf(key: string, code: string): Json {
  return deref(doc, (op(key).responses as Json)[code]);
}

function schemaOf(key: string, code: string, media = 'application/json'): Json {
  return ((responseOf(key, code).content as Json)[media] as Json).schema as Json;
}

describe('OpenAPI document: the contract', () => {
  it('documents every route of the contract with its statuses', () => {
    for (const [key, codes] of Object.entries(CONTRACT)) {
      const documented = Object.keys(op(key).responses as Json);
      for (const code of codes) assert.ok(documented.includes(code), `${key} documents ${code}`);
    }
  });

  it('documents nothing but the contract and the marked additions (root-dir forms collapse onto one key)', () => {
    const contract = [...new Set([...Object.keys(CONTRACT), ...ADDITIONS, ...ALWAYS_REFUSED].map((k) => k.replace(/(.)\/$/, '$1')))].sort();
    assert.deepEqual(documentOperations(doc), contract);
  });

  it('puts the API routes behind bearer / X-API-Key (Basic beside X-API-Key) and the operations routes behind nothing', () => {
    const global = doc.security as Json[];
    assert.deepEqual(
      global.map((r) => Object.keys(r).sort()),
      [['bearerAuth'], ['apiKeyHeader'], ['apiKeyHeader', 'basicAuth']],
    );
    for (const key of ['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /openapi.json', 'GET /docs'])
      assert.deepEqual(op(key).security, [], key);
    for (const key of [...Object.keys(CONTRACT), ...ADDITIONS, ...ALWAYS_REFUSED].filter((k) => k.includes('/api/v1/')))
      assert.equal(op(key).security, undefined, key);
  });

  it('takes the transfer options on every transfer and listing, and the upload options on uploads', () => {
    const transfers = Object.keys(CONTRACT).filter(
      (k) => /^(GET|HEAD|PUT|POST) .*\/(files|dirs)/.test(k) && !k.startsWith('POST /api/v1/servers/{server}/dirs'),
    );
    for (const key of transfers)
      for (const name of ['query:mode', 'query:type']) assert.ok(paramNames(key).includes(name), `${key} ${name}`);
    for (const key of transfers.filter((k) => k.includes('/files/'))) assert.ok(paramNames(key).includes('query:eol'), key);
    const put = paramNames('PUT /api/v1/servers/{server}/files/{path}');
    for (const name of ['query:atomic', 'query:append', 'query:mkdirs', 'header:If-None-Match']) assert.ok(put.includes(name), name);
    assert.ok(paramNames('GET /api/v1/servers/{server}/files/{path}').includes('header:Range'));
    // Conditional requests (contract v1.1).
    for (const key of ['GET', 'HEAD'].map((m) => `${m} /api/v1/servers/{server}/files/{path}`))
      for (const name of ['header:If-None-Match', 'header:If-Modified-Since']) assert.ok(paramNames(key).includes(name), `${key} ${name}`);
    for (const key of ['PUT', 'DELETE'].map((m) => `${m} /api/v1/servers/{server}/files/{path}`))
      for (const name of ['header:If-Match', 'header:If-Unmodified-Since']) assert.ok(paramNames(key).includes(name), `${key} ${name}`);
    assert.ok(paramNames('DELETE /api/v1/servers/{server}/dirs/{path}').includes('query:recursive'));
    for (const name of ['query:pattern', 'query:stableMs', 'query:initial', 'header:Last-Event-ID'])
      assert.ok(paramNames('GET /api/v1/servers/{server}/events/{path}').includes(name), name);
    for (const key of transfers.filter((k) => k.startsWith('GET /api/v1/servers/{server}/dirs')))
      assert.ok(paramNames(key).includes('query:sort'), key);
    const enums = (name: string): unknown => deref(doc, (components.parameters as Json)[name]).schema;
    assert.deepEqual((enums('mode') as Json).enum, ['passive', 'active', 'auto']);
    assert.deepEqual((enums('type') as Json).enum, ['binary', 'ascii', 'auto']);
    assert.deepEqual((enums('eol') as Json).enum, ['lf', 'crlf']);
    assert.deepEqual((enums('sort') as Json).enum, ['name', 'none']);
  });

  it('takes a raw octet-stream body on PUT, multipart on POST files, JSON on move', () => {
    const body = (key: string): string[] => Object.keys((deref(doc, op(key).requestBody).content as Json) ?? {});
    assert.deepEqual(body('PUT /api/v1/servers/{server}/files/{path}'), ['application/octet-stream']);
    assert.deepEqual(body('POST /api/v1/servers/{server}/files/{path}'), ['multipart/form-data']);
    assert.deepEqual(body('POST /api/v1/servers/{server}/move'), ['application/json']);
  });

  it('documents the download, range, auth and retry headers', () => {
    const headers = (key: string, code: string): string[] => Object.keys((responseOf(key, code).headers as Json) ?? {});
    const get = 'GET /api/v1/servers/{server}/files/{path}';
    for (const h of ['Content-Length', 'Last-Modified', 'Accept-Ranges', 'Content-Disposition']) {
      assert.ok(headers(get, '200').includes(h), h);
      assert.ok(headers(get, '206').includes(h), h);
      assert.ok(headers('HEAD /api/v1/servers/{server}/files/{path}', '200').includes(h), h);
    }
    for (const h of ['ETag', 'Last-Modified']) assert.ok(headers(get, '304').includes(h), h);
    assert.ok(headers(get, '200').includes('ETag') && headers(get, '206').includes('ETag'));
    assert.ok(headers(get, '206').includes('Content-Range'));
    assert.ok(headers(get, '416').includes('Content-Range'));
    assert.ok(headers('GET /api/v1/servers', '401').includes('WWW-Authenticate'));
    assert.ok(headers(get, '503').includes('Retry-After'));
  });

  it('has the contract schemas', () => {
    const s = components.schemas as Record<string, Json>;
    const props = (name: string): string[] => Object.keys(s[name]?.properties as Json).sort();
    assert.deepEqual(
      props('Problem').filter((p) => p !== 'instance' && p !== 'code'),
      ['detail', 'ftpCode', 'status', 'title', 'type'],
    );
    assert.deepEqual((s.Problem!.required as string[]).sort(), ['detail', 'status', 'title', 'type']);
    assert.deepEqual(props('ServerInfo'), ['host', 'mode', 'name', 'port', 'readOnly', 'tls', 'type']);
    assert.deepEqual(props('Listing'), ['entries', 'path']);
    assert.deepEqual(props('ListingEntry'), ['modifiedAt', 'modifiedAtPrecision', 'name', 'raw', 'size', 'type']);
    assert.deepEqual(props('UploadResult'), ['path', 'size']);
    assert.deepEqual(props('MoveRequest'), ['from', 'overwrite', 'to']);
    assert.deepEqual(props('MoveResult'), ['path']);
    assert.deepEqual(props('Transfer'), ['bytes', 'direction', 'id', 'path', 'server', 'startedAt', 'totalBytes']);
    assert.deepEqual(props('Readiness'), ['servers']);
    assert.deepEqual(props('ServerDescription'), [...props('ServerInfo'), 'profile'].sort());
    assert.deepEqual(
      props('ServerProfile').filter((p) => !['refusedWith', 'autoMethod', 'sizeOnDirectories', 'pipelining'].includes(p)),
      [
        'dataMethods',
        'features',
        'learnedAt',
        'listing',
        'listingDialect',
        'loginDirectory',
        'restMode',
        'sessionLimit',
        'sizeInAscii',
        'system',
        'tlsSessionReuse',
        'utf8',
      ],
    );
    assert.deepEqual(props('Diagnosis'), ['ok', 'recommendation', 'steps']);
    assert.deepEqual(
      props('DiagnosisStep').filter((p) => p !== 'code' && p !== 'entries'),
      ['advice', 'ms', 'ok', 'reply', 'sent', 'step'],
    );
    assert.deepEqual(schemaOf('GET /api/v1/servers', '200'), { type: 'array', items: { $ref: '#/components/schemas/ServerInfo' } });
    assert.deepEqual(schemaOf('POST /api/v1/servers/{server}/files/{path}', '201'), {
      type: 'array',
      items: { $ref: '#/components/schemas/UploadResult' },
    });
    assert.deepEqual(schemaOf('GET /readyz', '503'), { $ref: '#/components/schemas/Readiness' });
    assert.deepEqual(op('POST /api/v1/servers/{server}/files').responses, op('POST /api/v1/servers/{server}/files/{path}').responses);
    for (const key of ALWAYS_REFUSED) {
      const codes = Object.keys(op(key).responses as Json);
      assert.ok(codes.includes(key.includes('/files') ? '409' : '400'), key);
    }
  });

  it('states the path rules and per-request options in info.description', () => {
    const text = String((doc.info as Json).description);
    for (const phrase of [
      '%2F',
      '`..`',
      'percent-decoded',
      'empty segments are ignored',
      'mode=auto',
      'type=binary',
      'eol=lf',
      'passive',
      'CRLF',
      'application/problem+json',
      'X-API-Key',
      'Basic',
    ]) {
      assert.ok(text.includes(phrase), phrase);
    }
  });
});
