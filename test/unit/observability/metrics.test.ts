import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ftpChannels } from '../../../src/ftp/diagnostics.js';
import { createMetrics } from '../../../src/observability/metrics.js';

function line(text: string, series: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${series} `));
  return found === undefined ? undefined : Number(found.slice(series.length + 1));
}

describe('createMetrics', () => {
  it('exposes HTTP, transfer and default process series in Prometheus text', async () => {
    const metrics = createMetrics();
    try {
      metrics.httpRequest('get', '/api/v1/servers/:server/files/*path', 200, 0.02);
      metrics.httpRequest('GET', '/api/v1/servers/:server/files/*path', 200, 0.03);
      metrics.transferBytes('partner-a', 'download', 'passive', 'binary', 1000);
      metrics.transferBytes('partner-a', 'download', 'passive', 'binary', 24);
      metrics.transferDuration('partner-a', 'upload', 'active', 'ascii', false, 1.5);
      const text = await metrics.registry.metrics();
      assert.equal(line(text, 'http_requests_total{method="GET",route="/api/v1/servers/:server/files/*path",status="200"}'), 2);
      assert.equal(
        line(text, 'http_request_duration_seconds_count{method="GET",route="/api/v1/servers/:server/files/*path",status="200"}'),
        2,
      );
      assert.equal(line(text, 'gateway_transfer_bytes_total{server="partner-a",direction="download",mode="passive",type="binary"}'), 1024);
      assert.equal(
        line(
          text,
          'gateway_transfer_duration_seconds_count{server="partner-a",direction="upload",mode="active",type="ascii",outcome="error"}',
        ),
        1,
      );
      assert.match(text, /^process_cpu_user_seconds_total /m);
      assert.match(metrics.registry.contentType, /^text\/plain/);
    } finally {
      metrics.close();
    }
  });

  it('reads pool gauges from the source on every scrape, and forgets servers that left it', async () => {
    const metrics = createMetrics();
    try {
      let pools = [
        { server: 'a', stats: { size: 3, idle: 1, busy: 2, waiting: 4, max: 8, effectiveMax: 5 } },
        { server: 'b', stats: { size: 0, idle: 0, busy: 0, waiting: 0, max: 2, effectiveMax: 2 } },
      ];
      const untrack = metrics.trackPools(() => pools);
      let text = await metrics.registry.metrics();
      assert.equal(line(text, 'ftp_pool_sessions{server="a",state="idle"}'), 1);
      assert.equal(line(text, 'ftp_pool_sessions{server="a",state="busy"}'), 2);
      assert.equal(line(text, 'ftp_pool_waiting{server="a"}'), 4);
      assert.equal(line(text, 'ftp_pool_size{server="a"}'), 3);
      assert.equal(line(text, 'ftp_pool_max{server="b"}'), 2);
      assert.equal(line(text, 'ftp_pool_effective_max{server="a"}'), 5);
      pools = [{ server: 'a', stats: { size: 1, idle: 1, busy: 0, waiting: 0, max: 8, effectiveMax: 8 } }];
      text = await metrics.registry.metrics();
      assert.equal(line(text, 'ftp_pool_sessions{server="a",state="busy"}'), 0);
      assert.equal(line(text, 'ftp_pool_max{server="b"}'), undefined);
      untrack();
      text = await metrics.registry.metrics();
      assert.equal(line(text, 'ftp_pool_size{server="a"}'), undefined);
    } finally {
      metrics.close();
    }
  });

  it('counts FTP replies by code, sessions and data transfers from the diagnostics channels, until closed', async () => {
    const metrics = createMetrics();
    ftpChannels.session.publish({ sessionId: 1, host: '127.0.0.1', port: 21, event: 'open' });
    ftpChannels.reply.publish({ sessionId: 1, host: '127.0.0.1', verb: 'PASS', code: 530, message: 'Login incorrect for hunter2' });
    ftpChannels.reply.publish({ sessionId: 1, host: '127.0.0.1', verb: 'PASS', code: 530, message: 'Login incorrect' });
    ftpChannels.reply.publish({ sessionId: 1, host: '127.0.0.1', verb: undefined, code: 220, message: 'ready' });
    ftpChannels.transfer.publish({
      sessionId: 1,
      host: '127.0.0.1',
      direction: 'download',
      method: 'EPSV',
      type: 'binary',
      bytes: 512,
      durationMs: 3,
      ok: true,
    });
    ftpChannels.session.publish({ sessionId: 1, host: '127.0.0.1', port: 21, event: 'close' });
    let text = await metrics.registry.metrics();
    assert.equal(line(text, 'ftp_replies_total{code="530"}'), 2);
    assert.equal(line(text, 'ftp_replies_total{code="220"}'), 1);
    assert.equal(line(text, 'ftp_sessions_opened_total'), 1);
    assert.equal(line(text, 'ftp_sessions_closed_total'), 1);
    assert.equal(line(text, 'ftp_sessions_open'), 0);
    assert.equal(line(text, 'ftp_data_transfers_total{direction="download",method="EPSV",type="binary",outcome="ok"}'), 1);
    assert.equal(line(text, 'ftp_data_bytes_total{direction="download",method="EPSV",type="binary"}'), 512);
    assert.doesNotMatch(text, /hunter2|Login incorrect/);

    metrics.close();
    ftpChannels.reply.publish({ sessionId: 2, host: '127.0.0.1', verb: 'USER', code: 331, message: 'x' });
    text = await metrics.registry.metrics();
    assert.equal(line(text, 'ftp_replies_total{code="331"}'), undefined);
    assert.equal(ftpChannels.reply.hasSubscribers, false);
  });

  it('never turns a credential, key or raw path into a label value', async () => {
    const metrics = createMetrics();
    try {
      const secret = 'ftp://bob:s3cret@ftp.example.com/out';
      metrics.httpRequest('GET', '/api/v1/servers/x/files/private/report.csv?api_key=k3y', 200, 0.1);
      metrics.httpRequest('BREW', secret, 200, 0.1);
      metrics.transferBytes(secret, 'upload', 'Bearer k3y', 'binary', 10);
      metrics.transferDuration('a', 'download', 'passive', 'key=k3y secret', true, 1);
      ftpChannels.reply.publish({ sessionId: 3, host: 'h', verb: 'PASS', code: 'PASS s3cret' as unknown as number, message: 's3cret' });
      const text = await metrics.registry.metrics();
      for (const leak of ['s3cret', 'k3y', 'bob', 'api_key', 'BREW']) assert.ok(!text.includes(leak), leak);
      assert.equal(line(text, 'http_requests_total{method="OTHER",route="other",status="200"}'), 1);
      assert.equal(line(text, 'gateway_transfer_bytes_total{server="other",direction="upload",mode="other",type="binary"}'), 10);
      assert.equal(line(text, 'ftp_replies_total{code="other"}'), 1);
    } finally {
      metrics.close();
    }
  });

  it('keeps registries apart: two instances count independently', async () => {
    const one = createMetrics();
    const two = createMetrics();
    try {
      one.httpRequest('GET', '/healthz', 200, 0.001);
      assert.equal(line(await one.registry.metrics(), 'http_requests_total{method="GET",route="/healthz",status="200"}'), 1);
      assert.equal(line(await two.registry.metrics(), 'http_requests_total{method="GET",route="/healthz",status="200"}'), undefined);
    } finally {
      one.close();
      two.close();
    }
  });
});
