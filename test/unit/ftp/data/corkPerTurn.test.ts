// The write-coalescing stage of uploads: chunks of one event-loop turn reach
// the socket as one writev, in order, and nothing is held past the turn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as turn } from 'node:timers/promises';
import { corkPerTurn } from '../../../../src/ftp/data/corkPerTurn.js';

function recorder(): { sink: Writable; calls: Buffer[][] } {
  const calls: Buffer[][] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      calls.push([chunk]);
      callback();
    },
    writev(chunks, callback) {
      calls.push(chunks.map((c) => c.chunk as Buffer));
      callback();
    },
  });
  return { sink, calls };
}

test('chunks that pass in one turn arrive in one writev, in order', async () => {
  const { sink, calls } = recorder();
  const stage = corkPerTurn(sink);
  stage.pipe(sink);
  for (const s of ['a', 'b', 'c']) stage.write(Buffer.from(s));
  await turn();
  await turn();
  assert.deepEqual(
    calls.map((batch) => batch.map((b) => b.toString())),
    [['a', 'b', 'c']],
  );
  stage.write(Buffer.from('d'));
  await turn();
  await turn();
  assert.deepEqual(
    calls.at(-1)?.map((b) => b.toString()),
    ['d'],
    'a later turn is a write of its own',
  );
});

test('a whole stream passes unchanged and the destination ends', async () => {
  const { sink, calls } = recorder();
  const parts = Array.from({ length: 50 }, (_, i) => Buffer.alloc(1000 + i, i));
  await pipeline(Readable.from(parts), corkPerTurn(sink), sink);
  assert.deepEqual(Buffer.concat(calls.flat()), Buffer.concat(parts));
  assert.equal(sink.writableFinished, true);
});
