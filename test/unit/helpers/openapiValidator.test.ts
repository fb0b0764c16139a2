/**
 * The test helpers that compare HTTP behaviour with the OpenAPI document:
 * the response validator and the express route introspection.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssertionError } from 'node:assert';
import express from 'express';
import { loadOpenApiDocument } from '../../../src/http/openapi.js';
import {
  assertResponseMatches,
  expressOperations,
  expressPathToTemplates,
  findOperation,
  listExpressRoutes,
} from '../../helpers/openapiValidator.js';

const doc = loadOpenApiDocument();
const json = { 'content-type': 'application/json; charset=utf-8' };
const problem = { 'content-type': 'application/problem+json' };
const server = { name: 'default', host: '127.0.0.1', port: 21, tls: 'none', mode: 'auto', type: 'binary', readOnly: false };

describe('findOperation', () => {
  it('matches {path} across segments and keeps single-segment params to one', () => {
    const found = findOperation(doc, 'GET', '/api/v1/servers/default/files/a/b/c.txt?type=ascii');
    assert.equal(found?.template, '/api/v1/servers/{server}/files/{path}');
    assert.deepEqual(found?.params, { server: 'default', path: 'a/b/c.txt' });
    assert.equal(findOperation(doc, 'GET', '/api/v1/servers/a/b/files/x'), undefined);
  });

  it('prefers literal segments, matches the root-dir forms, and answers HEAD with GET', () => {
    assert.equal(findOperation(doc, 'POST', '/api/v1/servers/default/move')?.template, '/api/v1/servers/{server}/move');
    assert.equal(findOperation(doc, 'GET', '/api/v1/servers/default/dirs')?.template, '/api/v1/servers/{server}/dirs');
    assert.ok(findOperation(doc, 'GET', '/api/v1/servers/default/dirs/'));
    assert.equal(findOperation(doc, 'HEAD', '/healthz')?.method, 'head');
    assert.equal(findOperation(doc, 'PATCH', '/api/v1/servers'), undefined);
  });
});

describe('assertResponseMatches', () => {
  it('accepts documented responses', () => {
    assertResponseMatches(doc, { method: 'GET', path: '/api/v1/servers', status: 200, headers: json, body: [server] });
    assertResponseMatches(doc, { method: 'GET', path: '/api/v1/servers', status: 200, headers: json, body: JSON.stringify([server]) });
    assertResponseMatches(doc, {
      method: 'GET',
      path: '/api/v1/servers/default/dirs/',
      status: 200,
      headers: json,
      body: {
        path: '',
        entries: [
          { name: 'a.txt', type: 'file', size: 3, modifiedAt: '2024-05-01T10:00:00.000Z' },
          { name: 'd', type: 'directory', size: null, modifiedAt: null },
        ],
      },
    });
    assertResponseMatches(doc, {
      method: 'GET',
      path: '/api/v1/servers/default/files/a.bin',
      status: 206,
      headers: new Headers({
        'content-type': 'application/octet-stream',
        'content-range': 'bytes 0-9/100',
        'content-length': '10',
        'accept-ranges': 'bytes',
        'x-content-type-options': 'nosniff',
      }),
      body: Buffer.alloc(10),
    });
    assertResponseMatches(doc, { method: 'DELETE', path: '/api/v1/servers/default/files/a.bin', status: 204, headers: {} });
    assertResponseMatches(doc, { method: 'HEAD', path: '/api/v1/servers/default/files/a.bin', status: 404, headers: problem });
    assertResponseMatches(doc, {
      method: 'PUT',
      path: '/api/v1/servers/default/files/a.bin',
      status: 507,
      headers: problem,
      body: {
        type: 'about:blank',
        title: 'Insufficient Storage',
        status: 507,
        detail: 'the FTP server has no room for this (storage full or quota)',
        ftpCode: 552,
      },
    });
  });

  const rejects = (sample: Parameters<typeof assertResponseMatches>[1]): void => {
    assert.throws(() => assertResponseMatches(doc, sample), AssertionError);
  };

  it('rejects an undocumented route, method or status', () => {
    rejects({ method: 'GET', path: '/api/v2/servers', status: 200, headers: json, body: [] });
    rejects({ method: 'PATCH', path: '/api/v1/servers', status: 200, headers: json, body: [] });
    rejects({ method: 'GET', path: '/api/v1/servers', status: 418, headers: problem, body: {} });
    rejects({
      method: 'DELETE',
      path: '/api/v1/servers/default/files/a',
      status: 416,
      headers: problem,
      body: { type: 'x', title: 'x', status: 416, detail: 'x' },
    });
  });

  it('rejects bodies that stray from the schema (an extra credential field included)', () => {
    rejects({ method: 'GET', path: '/api/v1/servers', status: 200, headers: json, body: [{ ...server, url: 'ftp://u:p@h/' }] });
    rejects({ method: 'GET', path: '/api/v1/servers', status: 200, headers: json, body: [{ ...server, port: '21' }] });
    rejects({ method: 'GET', path: '/api/v1/servers', status: 200, headers: json, body: [{ ...server, tls: 'starttls' }] });
    rejects({
      method: 'GET',
      path: '/api/v1/servers/d/dirs/x',
      status: 200,
      headers: json,
      body: { path: 'x', entries: [{ name: '..', type: 'directory', size: null, modifiedAt: null }] },
    });
    rejects({
      method: 'GET',
      path: '/api/v1/servers/d/dirs/x',
      status: 200,
      headers: json,
      body: { path: 'x', entries: [{ name: 'a', type: 'file', size: 1, modifiedAt: 'yesterday' }] },
    });
    rejects({
      method: 'GET',
      path: '/api/v1/servers',
      status: 401,
      headers: problem,
      body: { title: 'Unauthorized', status: 401, detail: 'no key' },
    });
    rejects({ method: 'GET', path: '/api/v1/servers', status: 200, headers: json, body: '{not json' });
  });

  it('rejects a wrong media type, a missing required header, a malformed header, or a body on 204', () => {
    rejects({
      method: 'GET',
      path: '/api/v1/servers',
      status: 401,
      headers: json,
      body: { type: 'x', title: 'x', status: 401, detail: 'x' },
    });
    rejects({
      method: 'GET',
      path: '/api/v1/servers/d/files/a',
      status: 206,
      headers: { 'content-type': 'text/plain', 'accept-ranges': 'bytes' },
      body: 'x',
    });
    rejects({
      method: 'GET',
      path: '/api/v1/servers/d/files/a',
      status: 416,
      headers: { ...problem, 'content-range': 'bytes 5-' },
      body: { type: 'x', title: 'x', status: 416, detail: 'x' },
    });
    rejects({
      method: 'GET',
      path: '/api/v1/servers/d/files/a',
      status: 200,
      headers: { 'content-type': 'text/plain', 'accept-ranges': 'bytes', 'content-length': 'ten' },
      body: 'x',
    });
    rejects({ method: 'DELETE', path: '/api/v1/servers/d/dirs/a', status: 204, headers: {}, body: 'gone' });
  });
});

describe('express route introspection', () => {
  it('maps express 5 path syntax to OpenAPI templates', () => {
    assert.deepEqual(expressPathToTemplates('/servers/:server/files/*path'), [
      { path: '/servers/{server}/files/{path}', wildcards: ['path'] },
    ]);
    assert.deepEqual(
      expressPathToTemplates('/servers/:server/dirs{/*path}').map((t) => t.path),
      ['/servers/{server}/dirs', '/servers/{server}/dirs/{path}'],
    );
    assert.deepEqual(
      expressPathToTemplates('/a{/:b{/:c}}')
        .map((t) => t.path)
        .sort(),
      ['/a', '/a/{b}', '/a/{b}/{c}'],
    );
    assert.deepEqual(expressPathToTemplates('/x/'), [{ path: '/x', wildcards: [] }]);
    assert.deepEqual(expressPathToTemplates('/v1\\:info'), [{ path: '/v1:info', wildcards: [] }]);
  });

  it('lists the routes of an app with nested routers, skipping plain middleware and .all() fallbacks', () => {
    const app = express();
    app.use(express.json());
    app.get('/healthz', (_req, res) => void res.end());
    const servers = express.Router();
    servers
      .route('/:server/files/*path')
      .get((_req, res) => void res.end())
      .put((_req, res) => void res.end());
    servers.get('/:server/dirs{/*path}', (_req, res) => void res.end());
    servers.all('/*rest', (_req, res) => void res.end());
    const api = express.Router();
    api.get('/servers', (_req, res) => void res.end());
    api.use('/servers', servers);
    app.use('/api/v1', api);
    assert.deepEqual(expressOperations(app), [
      'GET /api/v1/servers',
      'GET /api/v1/servers/{server}/dirs',
      'GET /api/v1/servers/{server}/dirs/{path}',
      'GET /api/v1/servers/{server}/files/{path}',
      'GET /healthz',
      'PUT /api/v1/servers/{server}/files/{path}',
    ]);
    const files = listExpressRoutes(app).find((r) => r.method === 'PUT');
    assert.deepEqual(files?.wildcards, ['path']);
    assert.equal(files?.raw, '/api/v1/servers/:server/files/*path');
  });

  it('refuses a RegExp route (it has no template to compare)', () => {
    const app = express();
    app.get(/^\/re$/, (_req, res) => void res.end());
    assert.throws(() => listExpressRoutes(app), /non-string path/);
  });
});
