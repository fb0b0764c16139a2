/**
 * The OpenAPI document and the app agree on the route list: every path ×
 * method the app registers is documented, and every documented one is
 * registered. Built two ways: from the document, and by walking express 5's
 * router stack of the real app (createGateway), nested routers included.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { loadConfig } from '../../../src/config/index.js';
import { createGateway } from '../../../src/http/index.js';
import type { Gateway } from '../../../src/http/index.js';
import { loadOpenApiDocument } from '../../../src/http/openapi.js';
import { documentOperations, documentWildcards, listExpressRoutes, operationKey } from '../../helpers/openapiValidator.js';

const doc = loadOpenApiDocument();

describe('OpenAPI parity with the app', () => {
  let gateway: Gateway;

  before(async () => {
    // Nothing connects: the routes exist before any FTP session does.
    const config = loadConfig({ FTP_URL: 'ftp://user:pass@127.0.0.1:2121/', HOST: '127.0.0.1', PORT: '0' }, { readFile: () => '' });
    gateway = await createGateway(config, pino({ level: 'silent' }));
  });
  after(async () => {
    await gateway.close();
  });

  it('registers exactly the documented operations', () => {
    const routes = listExpressRoutes(gateway.app);
    const registered = new Set(routes.map((r) => operationKey(r.method, r.path)));
    // express answers HEAD with a GET route: a documented HEAD is served when either is registered.
    const served = (key: string): boolean =>
      registered.has(key) || (key.startsWith('HEAD ') && registered.has(key.replace(/^HEAD /, 'GET ')));
    const documented = documentOperations(doc);
    const undocumented = [...registered].filter((key) => !documented.includes(key)).sort();
    const unserved = documented.filter((key) => !served(key));
    assert.deepEqual({ undocumented, unserved }, { undocumented: [], unserved: [] });
    assert.ok(documented.length >= 17, `${documented.length} documented operations`);
  });

  it('documents every express wildcard (*path) as a multi-segment {path} (allowReserved), and nothing else as one', () => {
    const wide = documentWildcards(doc);
    for (const route of listExpressRoutes(gateway.app)) {
      const key = operationKey(route.method, route.path);
      assert.deepEqual(wide.get(key), route.wildcards, `${key} (express ${route.raw})`);
    }
  });
});
