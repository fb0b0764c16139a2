import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TEXT_EXTENSIONS } from '../../../../src/config/index.js';
import { HttpError } from '../../../../src/http/httpError.js';
import { sortEntries } from '../../../../src/http/routes/dirs.js';
import { parseMoveBody, parseQuery } from '../../../../src/http/input/schemas.js';
import { resolveTransferOptions } from '../../../../src/gateway/transferOptions.js';
import { TransferRegistry } from '../../../../src/gateway/transferRegistry.js';

const bad = (code: string) => (err: unknown) => err instanceof HttpError && err.status === 400 && err.code === code;

describe('query schema', () => {
  test('accepts the contract values', () => {
    assert.deepEqual(parseQuery({ mode: 'active', type: 'ascii', eol: 'crlf', atomic: 'false', append: 'true', mkdirs: 'false', recursive: 'true' }), {
      mode: 'active',
      type: 'ascii',
      eol: 'crlf',
      atomic: false,
      append: true,
      mkdirs: false,
      recursive: true,
    });
    assert.deepEqual(parseQuery({ sort: 'none' }), { sort: 'none' });
    assert.deepEqual(parseQuery({ sort: 'name' }), { sort: 'name' });
    assert.deepEqual(parseQuery({}), {});
    assert.deepEqual(parseQuery(undefined), {});
  });
  for (const q of [{ mode: 'fast' }, { type: 'text' }, { eol: 'cr' }, { atomic: 'yes' }, { recursive: '1' }, { mode: ['active', 'passive'] }, { sort: 'size' }, { sort: '' }, { sort: ['none', 'none'] }]) {
    test(`rejects ${JSON.stringify(q)}`, () => assert.throws(() => parseQuery(q), bad('BAD_OPTION')));
  }
});

describe('move body schema', () => {
  test('valid', () => assert.deepEqual(parseMoveBody({ from: 'a', to: 'b', overwrite: true }), { from: 'a', to: 'b', overwrite: true }));
  for (const b of [undefined, {}, { from: 'a' }, { from: '', to: 'b' }, { from: 'a', to: 'b', overwrite: 'yes' }, { from: 1, to: 'b' }, { from: 'a', to: 'b', overwite: true }]) {
    test(`rejects ${JSON.stringify(b)}`, () => assert.throws(() => parseMoveBody(b), bad('BAD_BODY')));
  }
});

describe('resolveTransferOptions', () => {
  const server = { mode: 'passive' as const, type: 'auto' as const, eol: 'crlf' as const, textExtensions: DEFAULT_TEXT_EXTENSIONS };
  test('server defaults, type=auto by extension', () => {
    assert.deepEqual(resolveTransferOptions(server, {}, 'A.CSV'), { mode: 'passive', type: 'ascii', eol: 'crlf' });
    assert.deepEqual(resolveTransferOptions(server, {}, 'a.bin'), { mode: 'passive', type: 'binary', eol: 'crlf' });
    assert.equal(resolveTransferOptions(server, {}, 'README').type, 'binary');
  });
  test('the query wins', () => {
    assert.deepEqual(resolveTransferOptions(server, { mode: 'active', type: 'binary', eol: 'lf' }, 'a.txt'), { mode: 'active', type: 'binary', eol: 'lf' });
  });
});

describe('sortEntries', () => {
  test('directories first, then by name; no . and ..; ISO dates', () => {
    const d = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
    const out = sortEntries([
      { name: 'b.txt', type: 'file', size: 1, modifiedAt: d },
      { name: '..', type: 'directory', size: null, modifiedAt: null },
      { name: 'z', type: 'directory', size: null, modifiedAt: null },
      { name: '.', type: 'directory', size: null, modifiedAt: null },
      { name: 'a.txt', type: 'symlink', size: null, modifiedAt: null },
      { name: 'A', type: 'directory', size: null, modifiedAt: new Date(NaN) },
    ]);
    assert.deepEqual(
      out.map((e) => e.name),
      ['A', 'z', 'a.txt', 'b.txt'],
    );
    assert.equal(out[3]?.modifiedAt, '2024-01-02T03:04:05.000Z');
    assert.equal(out[0]?.modifiedAt, null);
  });
});

describe('TransferRegistry', () => {
  test('lists, tracks progress, waits for idle and aborts', async () => {
    const reg = new TransferRegistry();
    const aborted: string[] = [];
    const t = reg.start({ server: 's', path: 'a', direction: 'upload', totalBytes: 10 }, (e) => aborted.push(e.message));
    t.progress(4);
    const [info] = reg.list();
    assert.equal(info?.bytes, 4);
    assert.equal(info?.totalBytes, 10);
    assert.ok(!Number.isNaN(Date.parse(info?.startedAt ?? '')));
    assert.equal(await reg.waitForIdle(10), false);
    const idle = reg.waitForIdle(60_000);
    reg.abortAll(new Error('cut'));
    assert.deepEqual(aborted, ['cut']);
    t.finish();
    assert.equal(await idle, true);
    assert.equal(reg.count(), 0);
  });
});
