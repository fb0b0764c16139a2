/**
 * The operations router (/healthz, /readyz, /metrics, /openapi.json, /docs),
 * each response checked against the OpenAPI document.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { createMetrics } from '../../../../src/observability/metrics.js';
import { loadOpenApiDocument } from '../../../../src/http/openapi.js';
import { checkReadiness, createOpsRouter } from '../../../../src/http/routes/ops.js';
import { assertResponseMatches } from '../../../helpers/openapiValidator.js';

const doc = loadOpenApiDocument();

interface Check {
  ok: boolean;
  detail?: string;
}

type CheckFn = (signal?: AbortSignal) => Promise<Check>;

function registryOf(checks: Record<string, CheckFn>) {
  return {
    list: () => Object.keys(checks).map((name) => ({ name })),
    check: (name: string, signal?: AbortSignal) => (checks[name] as CheckFn)(signal),
  };
}

async function get(base: string, path: string): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${base}${path}`, { redirect: 'manual' });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('createOpsRouter', () => {
  const metrics = createMetrics();
  let state: Record<string, CheckFn> = {};
  let server: Server;
  let base = '';

  before(async () => {
    const app = express();
    app.use(
      createOpsRouter({
        registry: { list: () => registryOf(state).list(), check: (n, signal) => registryOf(state).check(n, signal) },
        metrics,
        readyTimeoutMs: 200,
      }),
    );
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    metrics.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('GET /healthz → 200 { status: ok }', async () => {
    const r = await get(base, '/healthz');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { status: 'ok' });
    assertResponseMatches(doc, { method: 'GET', path: '/healthz', status: r.status, headers: r.headers, body: r.text });
  });

  it('GET /readyz → 200 when every server is ok', async () => {
    state = { a: async () => ({ ok: true }), b: async () => ({ ok: true, detail: '220 ready' }) };
    const r = await get(base, '/readyz');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), {
      servers: [
        { name: 'a', ok: true },
        { name: 'b', ok: true, detail: '220 ready' },
      ],
    });
    assertResponseMatches(doc, { method: 'GET', path: '/readyz', status: r.status, headers: r.headers, body: r.text });
  });

  it('GET /readyz → 503 with the same body when one fails, throws or hangs; never shows credentials', async () => {
    state = {
      ok: async () => ({ ok: true }),
      refused: async () => ({ ok: false, detail: '530 Login incorrect (ftp://bob:s3cret@h/)' }),
      thrown: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED for ftp://bob:s3cret@127.0.0.1:1'), { code: 'ECONNREFUSED' });
      },
      hung: (signal) => {
        hungSignal = signal;
        return new Promise<Check>(() => {});
      },
    };
    let hungSignal: AbortSignal | undefined;
    const r = await get(base, '/readyz');
    assert.equal(r.status, 503);
    assertResponseMatches(doc, { method: 'GET', path: '/readyz', status: r.status, headers: r.headers, body: r.text });
    const body = JSON.parse(r.text) as { servers: Array<{ name: string; ok: boolean; detail?: string }> };
    assert.deepEqual(
      body.servers.map((s) => [s.name, s.ok]),
      [
        ['ok', true],
        ['refused', false],
        ['thrown', false],
        ['hung', false],
      ],
    );
    assert.ok(body.servers.slice(1).every((s) => typeof s.detail === 'string' && s.detail.length > 0));
    // A thrown error shows its code in fixed words, never its message.
    assert.equal(body.servers[2]?.detail, 'check failed (ECONNREFUSED)');
    assert.ok(!r.text.includes('127.0.0.1:1'), 'no text from the error message');
    assert.ok(!r.text.includes('s3cret'));
    assert.equal(hungSignal?.aborted, true, 'the hung check was told to stop');
  });

  it('checks servers in parallel', async () => {
    let running = 0;
    let peak = 0;
    // Each check finishes only once all three are running: checked one
    // after another, the first would wait until the readiness timeout.
    let allRunning!: () => void;
    const gate = new Promise<void>((resolve) => (allRunning = resolve));
    const slow = async (): Promise<Check> => {
      running++;
      peak = Math.max(peak, running);
      if (running === 3) allRunning();
      await gate;
      running--;
      return { ok: true };
    };
    const result = await checkReadiness(registryOf({ a: slow, b: slow, c: slow }), 1000);
    assert.equal(result.length, 3);
    assert.equal(peak, 3);
  });

  it('GET /metrics → Prometheus text', async () => {
    metrics.httpRequest('GET', '/healthz', 200, 0.001);
    const r = await get(base, '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(r.text, /^http_requests_total\{method="GET",route="\/healthz",status="200"\} 1$/m);
    assertResponseMatches(doc, { method: 'GET', path: '/metrics', status: r.status, headers: r.headers, body: r.text });
  });

  it('GET /openapi.json → the document', async () => {
    const r = await get(base, '/openapi.json');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), JSON.parse(JSON.stringify(doc)));
    assertResponseMatches(doc, { method: 'GET', path: '/openapi.json', status: r.status, headers: r.headers, body: r.text });
  });

  it('GET /docs redirects to /docs/, which serves Swagger UI with local assets only', async () => {
    const redirect = await get(base, '/docs?x=1');
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/docs/?x=1');
    assertResponseMatches(doc, { method: 'GET', path: '/docs', status: redirect.status, headers: redirect.headers, body: '' });

    const page = await get(base, '/docs/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assertResponseMatches(doc, { method: 'GET', path: '/docs/', status: page.status, headers: page.headers, body: page.text });
    const assets = [...page.text.matchAll(/(?:src|href)=["']([^"']+)["']/g)].map((m) => m[1] as string);
    assert.ok(assets.includes('./swagger-ui-bundle.js') && assets.includes('./swagger-ui-init.js'), assets.join(' '));
    for (const asset of assets) {
      assert.ok(!/^(https?:)?\/\//.test(asset), `external asset ${asset}`);
      const r = await get(base, `/docs/${asset.replace(/^\.\//, '')}`);
      assert.equal(r.status, 200, asset);
    }
    const init = await get(base, '/docs/swagger-ui-init.js');
    assert.match(init.text, /"openapi": ?"3\.1\.0"/);
    assert.match(init.text, /"validatorUrl": ?null/);
  });
});
