// ResponseSink.mayHaveAll: whether a client that hung up may have had every
// byte of a download (so that the hang-up does not abort the transfer).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { ResponseSink } from '../../../../src/http/body/responseSink.js';

/** Just what the sink's write path touches. */
function fakeResponse(): ServerResponse {
  const res = Object.assign(new EventEmitter(), {
    destroyed: false,
    written: 0,
    cork() {},
    uncork() {},
    write(chunk: Buffer) {
      res.written += chunk.length;
      return true;
    },
  });
  return res as unknown as ServerResponse;
}

const write = (sink: ResponseSink, bytes: number): Promise<void> =>
  new Promise((resolve, reject) => sink.write(Buffer.alloc(bytes), (err) => (err ? reject(err) : resolve())));

describe('ResponseSink.mayHaveAll', () => {
  test('streamed: the bytes handed to the response', async () => {
    const sink = new ResponseSink(fakeResponse());
    await write(sink, 99);
    assert.equal(sink.mayHaveAll(100), false);
    await write(sink, 1);
    assert.equal(sink.mayHaveAll(100), true);
  });

  test("relayed: the relay's live count of bytes read, not the lagging pushed total", () => {
    const sink = new ResponseSink(fakeResponse(), { direct: true });
    let counts = { bytes: 0, bytesIn: 0 };
    sink.directCounts(() => counts);
    sink.directBytes(10); // the last progress push
    counts = { bytes: 90, bytesIn: 100 };
    assert.equal(sink.mayHaveAll(100), true);
    counts = { bytes: 90, bytesIn: 99 };
    assert.equal(sink.mayHaveAll(100), false);
  });

  test('a relay that never started (it read nothing) leaves the decision to the stream path', async () => {
    const sink = new ResponseSink(fakeResponse(), { direct: true });
    sink.directCounts(() => ({ bytes: 0, bytesIn: 0 }));
    await write(sink, 100);
    assert.equal(sink.mayHaveAll(100), true);
  });
});
