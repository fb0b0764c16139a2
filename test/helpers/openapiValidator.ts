/**
 * Checks HTTP responses against the OpenAPI document, and lists the routes an
 * express app registers so they can be compared with the document's paths.
 *
 * OpenAPI 3.1 schemas are JSON Schema 2020-12, so responses are validated with
 * ajv's 2020 build. `#/components/schemas/X` references are rewritten to one
 * shared schema (`urn:ftp-gateway:openapi#/$defs/X`) registered once per document.
 */
import { AssertionError } from 'node:assert';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv and ajv-formats are CommonJS with `exports.default`: under NodeNext the default import is the module object.
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as typeof Ajv2020Module.default;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as typeof addFormatsModule.default;
type Ajv = InstanceType<typeof Ajv2020>;

type Json = Record<string, unknown>;
export type OpenApiDocument = object;

export const HTTP_METHODS = ['get', 'head', 'put', 'post', 'delete', 'patch', 'options', 'trace'] as const;
const SHARED_ID = 'urn:ftp-gateway:openapi';

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RFC 6901 JSON pointer into the document (`#/components/schemas/Problem`). */
export function resolvePointer(doc: OpenApiDocument, ref: string): unknown {
  if (!ref.startsWith('#')) throw new Error(`only local $refs are supported: ${ref}`);
  let node: unknown = doc;
  const parts = ref.slice(1).split('/').slice(1);
  for (const raw of parts) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Json)[part];
    if (node === undefined) return undefined;
  }
  return node;
}

/** Follows `$ref` (OpenAPI objects, not schemas) until a concrete object. */
export function deref<T = Json>(doc: OpenApiDocument, node: unknown): T {
  let current = node;
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
    if (hops > 20) throw new Error('$ref cycle');
    const target = resolvePointer(doc, current.$ref);
    if (target === undefined) throw new Error(`unresolved $ref ${current.$ref}`);
    current = target;
  }
  return current as T;
}

function rewriteRefs(node: unknown, prefix: string): unknown {
  if (Array.isArray(node)) return node.map((item) => rewriteRefs(item, prefix));
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')
        ? `${prefix}#/$defs/${value.slice('#/components/schemas/'.length)}`
        : rewriteRefs(value, prefix);
  }
  return out;
}

const ajvByDoc = new WeakMap<object, { ajv: Ajv; compiled: Map<string, ValidateFunction> }>();

/** One strict ajv per document, with the document's component schemas registered. */
export function ajvFor(doc: OpenApiDocument): { ajv: Ajv; compile(pointer: string, schema: unknown): ValidateFunction } {
  let entry = ajvByDoc.get(doc);
  if (entry === undefined) {
    const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
    addFormats(ajv);
    // OpenAPI's own schema keywords (OAS 3.1 §4.8.24), annotations for ajv.
    ajv.addVocabulary(['example', 'discriminator', 'xml', 'externalDocs']);
    const components = isObject(doc) && isObject((doc as Json).components) ? ((doc as Json).components as Json) : {};
    const schemas = isObject(components.schemas) ? components.schemas : {};
    ajv.addSchema({ $id: SHARED_ID, $defs: rewriteRefs(schemas, '') });
    entry = { ajv, compiled: new Map() };
    ajvByDoc.set(doc, entry);
  }
  const { ajv, compiled } = entry;
  return {
    ajv,
    compile(pointer, schema) {
      let validate = compiled.get(pointer);
      if (validate === undefined) {
        validate = ajv.compile(rewriteRefs(schema, SHARED_ID) as object);
        compiled.set(pointer, validate);
      }
      return validate;
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function stripTrailingSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

interface ParameterObject {
  name: string;
  in: string;
  required?: boolean;
  allowReserved?: boolean;
  schema?: unknown;
}

/** Parameters of an operation: path-level ones overridden by operation-level ones (OAS 3.1 §4.8.9). */
export function operationParameters(doc: OpenApiDocument, pathItem: Json, operation: Json): ParameterObject[] {
  const byKey = new Map<string, ParameterObject>();
  for (const list of [pathItem.parameters, operation.parameters]) {
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      const p = deref<ParameterObject>(doc, raw);
      byKey.set(`${p.in}:${p.name}`, p);
    }
  }
  return [...byKey.values()];
}

export interface MatchedOperation {
  template: string;
  method: string;
  pathItem: Json;
  operation: Json;
  params: Record<string, string>;
}

/**
 * The document's operation for a concrete request. A `{param}` declared with
 * `allowReserved` spans several segments (the gateway's `{path}`); others
 * match one. When several templates match, the one with the most literal
 * characters wins. HEAD falls back to GET (express answers HEAD with GET).
 */
export function findOperation(doc: OpenApiDocument, method: string, requestPath: string): MatchedOperation | undefined {
  const paths = (doc as Json).paths;
  if (!isObject(paths)) return undefined;
  const pathname = stripTrailingSlash(requestPath.split('?', 1)[0] ?? '');
  const wanted = method.toLowerCase();
  let best: (MatchedOperation & { score: number }) | undefined;
  for (const [template, rawItem] of Object.entries(paths)) {
    const pathItem = deref(doc, rawItem);
    const operation = pathItem[wanted] ?? (wanted === 'head' ? pathItem.get : undefined);
    if (!isObject(operation)) continue;
    const params = operationParameters(doc, pathItem, operation);
    const names: string[] = [];
    let literal = 0;
    const source = stripTrailingSlash(template)
      .split(/(\{[^}]+\})/)
      .map((piece) => {
        const m = /^\{([^}]+)\}$/.exec(piece);
        if (m === null) {
          literal += piece.length;
          return escapeRegExp(piece);
        }
        const name = m[1] as string;
        names.push(name);
        const wide = params.some((p) => p.in === 'path' && p.name === name && p.allowReserved === true);
        return wide ? '(.+)' : '([^/]+)';
      })
      .join('');
    const match = new RegExp(`^${source}$`).exec(pathname);
    if (match === null) continue;
    if (best !== undefined && best.score >= literal) continue;
    const values: Record<string, string> = {};
    names.forEach((name, i) => {
      values[name] = match[i + 1] as string;
    });
    best = { template, method: wanted, pathItem, operation, params: values, score: literal };
  }
  if (best === undefined) return undefined;
  const { score: _score, ...found } = best;
  return found;
}

export type HeaderBag = Headers | Record<string, string | number | readonly string[] | undefined>;

function headerMap(headers: HeaderBag | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (headers === undefined) return out;
  if (typeof (headers as Headers).forEach === 'function' && typeof (headers as Headers).get === 'function') {
    (headers as Headers).forEach((value, key) => {
      out.set(key.toLowerCase(), value);
    });
    return out;
  }
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (value === undefined) continue;
    out.set(key.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
  }
  return out;
}

function mediaMatches(documented: string, actual: string): boolean {
  if (documented === '*/*') return true;
  if (documented.endsWith('/*')) return actual.startsWith(documented.slice(0, -1));
  return documented === actual;
}

function isJsonMedia(media: string): boolean {
  return media === 'application/json' || media.endsWith('+json');
}

function isEmptyBody(body: unknown): boolean {
  if (body === undefined || body === null || body === '') return true;
  return body instanceof Uint8Array && body.byteLength === 0;
}

export interface ResponseSample {
  method: string;
  /** The concrete request target, e.g. `/api/v1/servers/default/files/a/b.txt?type=ascii`. */
  path: string;
  status: number;
  headers?: HeaderBag;
  /** Parsed JSON, or the raw text / bytes. */
  body?: unknown;
}

function fail(sample: ResponseSample, message: string, details?: unknown): never {
  throw new AssertionError({
    message: `${sample.method.toUpperCase()} ${sample.path} → ${sample.status}: ${message}`,
    actual: details,
    expected: undefined,
    operator: 'assertResponseMatches',
  });
}

/**
 * Asserts that a response is one the document describes: a documented path
 * and method, a documented status, the required documented headers present
 * and well-formed, a documented media type, and a JSON body that validates
 * against the response's schema. Bodies of HEAD responses are not checked.
 */
export function assertResponseMatches(doc: OpenApiDocument, sample: ResponseSample): void {
  const found = findOperation(doc, sample.method, sample.path);
  if (found === undefined) fail(sample, 'no documented operation');
  const responses = found.operation.responses;
  if (!isObject(responses)) fail(sample, `operation ${found.template} has no responses`);
  const status = String(sample.status);
  const key =
    status in responses ? status : `${status[0]}XX` in responses ? `${status[0]}XX` : 'default' in responses ? 'default' : undefined;
  if (key === undefined)
    fail(
      sample,
      `status not documented for ${found.method.toUpperCase()} ${found.template} (documented: ${Object.keys(responses).join(', ')})`,
    );
  const response = deref(doc, responses[key]);
  const pointerBase = `#/paths/${found.template.replace(/~/g, '~0').replace(/\//g, '~1')}/${found.method}/responses/${key}`;
  const headers = headerMap(sample.headers);

  if (isObject(response.headers)) {
    for (const [name, rawHeader] of Object.entries(response.headers)) {
      const header = deref(doc, rawHeader);
      const value = headers.get(name.toLowerCase());
      if (value === undefined) {
        if (header.required === true) fail(sample, `required header ${name} missing`);
        continue;
      }
      if (!isObject(header.schema)) continue;
      const schema = header.schema;
      const typed = schema.type === 'integer' || schema.type === 'number' ? (/^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value) : value;
      const validate = ajvFor(doc).compile(`${pointerBase}/headers/${name}`, schema);
      if (!validate(typed)) fail(sample, `header ${name}: ${JSON.stringify(value)} does not match its schema`, validate.errors);
    }
  }

  if (found.method === 'head' || sample.method.toLowerCase() === 'head') return;
  const content = isObject(response.content) ? response.content : undefined;
  if (content === undefined) {
    if (!isEmptyBody(sample.body)) fail(sample, 'a body where the document describes none');
    return;
  }
  const contentType = (headers.get('content-type') ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  const mediaKey = Object.keys(content).find((documented) => mediaMatches(documented.toLowerCase(), contentType));
  if (mediaKey === undefined)
    fail(sample, `Content-Type ${JSON.stringify(contentType)} not documented (documented: ${Object.keys(content).join(', ')})`);
  const media = deref(doc, content[mediaKey]);
  if (!isJsonMedia(contentType) || !isObject(media.schema)) return;
  let body = sample.body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
    try {
      body = JSON.parse(text);
    } catch {
      fail(sample, 'body is not JSON', text.slice(0, 200));
    }
  }
  const validate = ajvFor(doc).compile(`${pointerBase}/content/${mediaKey.replace(/\//g, '~1')}/schema`, media.schema);
  if (!validate(body)) fail(sample, `body does not match the ${mediaKey} schema: ${ajvFor(doc).ajv.errorsText(validate.errors)}`, body);
}

// ---------------------------------------------------------------------------
// Route lists, for the parity test: the document's and an express app's.

/** `GET /api/v1/servers/{server}/files/{path}`: upper-case method, OpenAPI template, no trailing slash. */
export function operationKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${stripTrailingSlash(path === '' ? '/' : path)}`;
}

/** Every path × method of the document, as normalised keys (duplicates from `/dirs` vs `/dirs/` collapse). */
export function documentOperations(doc: OpenApiDocument): string[] {
  const keys = new Set<string>();
  const paths = (doc as Json).paths;
  if (!isObject(paths)) return [];
  for (const [template, rawItem] of Object.entries(paths)) {
    const pathItem = deref(doc, rawItem);
    for (const method of HTTP_METHODS) if (isObject(pathItem[method])) keys.add(operationKey(method, template));
  }
  return [...keys].sort();
}

/** The names of `{param}`s declared `allowReserved` (multi-segment) per normalised template. */
export function documentWildcards(doc: OpenApiDocument): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const paths = (doc as Json).paths;
  if (!isObject(paths)) return out;
  for (const [template, rawItem] of Object.entries(paths)) {
    const pathItem = deref(doc, rawItem);
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method];
      if (!isObject(operation)) continue;
      const wide = operationParameters(doc, pathItem, operation)
        .filter((p) => p.in === 'path' && p.allowReserved === true)
        .map((p) => p.name)
        .sort();
      out.set(operationKey(method, template), wide);
    }
  }
  return out;
}

export interface ExpressRoute {
  method: string;
  /** As an OpenAPI template: `:server` → `{server}`, `*path` → `{path}`. */
  path: string;
  /** Names of `*wildcard` parameters (multi-segment). */
  wildcards: string[];
  /** The express path as written, with its mount prefix. */
  raw: string;
}

/**
 * Expands express 5 (path-to-regexp 8) syntax into OpenAPI templates: every
 * optional group `{…}` yields a path with and one without it; `:name` and
 * `*name` become `{name}`; `\` escapes are dropped.
 */
export function expressPathToTemplates(path: string): Array<{ path: string; wildcards: string[] }> {
  // Expand the innermost optional group first, until none is left.
  let variants = [path];
  for (;;) {
    const next: string[] = [];
    let expanded = false;
    for (const variant of variants) {
      const m = /\{([^{}]*)\}/.exec(variant.replace(/\\./g, '__'));
      if (m === null) {
        next.push(variant);
        continue;
      }
      expanded = true;
      const before = variant.slice(0, m.index);
      const inner = variant.slice(m.index + 1, m.index + 1 + (m[1] as string).length);
      const after = variant.slice(m.index + m[0].length);
      next.push(before + after, before + inner + after);
    }
    variants = next;
    if (!expanded) break;
  }
  const out = new Map<string, { path: string; wildcards: string[] }>();
  for (const variant of variants) {
    const wildcards: string[] = [];
    const template = variant
      .replace(/(?<!\\)([:*])([A-Za-z_$][A-Za-z0-9_$]*|"[^"]*")/g, (_all, kind: string, rawName: string) => {
        const name = rawName.startsWith('"') ? rawName.slice(1, -1) : rawName;
        if (kind === '*') wildcards.push(name);
        return `{${name}}`;
      })
      .replace(/\\(.)/g, '$1');
    const normalised = stripTrailingSlash(template.replace(/\/{2,}/g, '/')) || '/';
    out.set(normalised, { path: normalised, wildcards: wildcards.sort() });
  }
  return [...out.values()];
}

interface LayerLike {
  route?: { path: unknown; methods: Record<string, boolean | undefined> };
  handle?: { stack?: unknown[] };
  rawPath?: unknown;
  path?: unknown;
}

function joinPaths(prefix: string, path: string): string {
  if (prefix === '' || prefix === '/') return path;
  if (path === '/' || path === '') return prefix;
  return `${prefix.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * The routes registered on an express 5 app (or router), nested routers
 * included. Middleware that is not a router is not a route and is skipped;
 * so is a route for all methods (`.all()`), which is a fallback, not an
 * operation. Throws on a RegExp path: it has no template.
 */
export function listExpressRoutes(appOrRouter: object): ExpressRoute[] {
  const root = (appOrRouter as { router?: { stack?: unknown[] }; stack?: unknown[] }).router ?? appOrRouter;
  const routes: ExpressRoute[] = [];
  const walk = (stack: unknown[], prefix: string): void => {
    for (const raw of stack) {
      const layer = raw as LayerLike;
      if (layer.route !== undefined) {
        const paths = Array.isArray(layer.route.path) ? (layer.route.path as unknown[]) : [layer.route.path];
        for (const p of paths) {
          if (typeof p !== 'string') throw new Error(`route with a non-string path (${String(p)}) cannot be documented`);
          const full = joinPaths(prefix, p);
          for (const { path, wildcards } of expressPathToTemplates(full)) {
            for (const [method, on] of Object.entries(layer.route.methods)) {
              if (on !== true || method === '_all') continue;
              routes.push({ method: method.toUpperCase(), path, wildcards, raw: full });
            }
          }
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        const mount = layer.rawPath ?? '/';
        const mounts = Array.isArray(mount) ? (mount as unknown[]) : [mount];
        for (const m of mounts) {
          if (typeof m !== 'string') throw new Error(`router mounted on a non-string path (${String(m)})`);
          walk(layer.handle.stack, joinPaths(prefix, m));
        }
      }
    }
  };
  const stack = (root as { stack?: unknown[] }).stack;
  if (!Array.isArray(stack)) throw new Error('not an express app or router: no stack');
  walk(stack, '');
  return routes;
}

/** `METHOD /template` keys of an app's routes, sorted and deduplicated. */
export function expressOperations(appOrRouter: object): string[] {
  return [...new Set(listExpressRoutes(appOrRouter).map((r) => operationKey(r.method, r.path)))].sort();
}
