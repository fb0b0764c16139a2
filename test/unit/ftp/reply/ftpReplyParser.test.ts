import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FtpError } from '../../../../src/ftp/errors.js';
import type { FtpReply } from '../../../../src/ftp/reply/ftpReply.js';
import { FtpReplyParser, replyText } from '../../../../src/ftp/reply/ftpReplyParser.js';
import { splitAt } from '../../../helpers/splitAt.js';

type ParserOptions = ConstructorParameters<typeof FtpReplyParser>[0];

function parseChunks(chunks: readonly string[], options?: ParserOptions): FtpReply[] {
  const parser = new FtpReplyParser(options);
  return chunks.flatMap((c) => parser.push(c));
}

function assertParseError(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof FtpError && err.code === 'FTP_PARSE' && err.category === 'protocol');
}

/** Outcome of a whole parse: the replies, or 'FTP_PARSE'. */
function outcome(chunks: readonly string[], options?: ParserOptions): FtpReply[] | 'FTP_PARSE' {
  try {
    return parseChunks(chunks, options);
  } catch (err) {
    if (err instanceof FtpError && err.code === 'FTP_PARSE') return 'FTP_PARSE';
    throw err;
  }
}

const PURE_FTPD_BANNER =
  '220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n' +
  '220-You are user number 1 of 500 allowed.\r\n' +
  '220-Local time is now 10:00. Server port: 2121.\r\n' +
  '220-This is a private system - No anonymous login\r\n' +
  '220 You will be disconnected after 15 minutes of inactivity.\r\n';

// FEAT (RFC 2389 §3.2): feature lines start with a space, not the code.
const PROFTPD_FEAT = '211-Features:\r\n AUTH TLS\r\n EPRT\r\n MLST modify*;perm*;size*;type*;unique*;\r\n SIZE\r\n211 End\r\n';

// Lines inside a block that start with other codes, or the same code with
// "-", do not end it (RFC 959 §4.2: only "<same code><SP>" does).
const TRICKY_BLOCK = '230-Welcome\r\n200 not the end\r\n230-still not\r\n331 nor this\r\n2300 nor this\r\n230 Done\r\n';

const STREAM = `${PURE_FTPD_BANNER}331 User gw OK. Password required\r\n${PROFTPD_FEAT}${TRICKY_BLOCK}200\r\n226 Transfer complete\r\n`;

const STREAM_REPLIES: FtpReply[] = [
  { code: 220, message: PURE_FTPD_BANNER.trimEnd().replaceAll('\r\n', '\n') },
  { code: 331, message: '331 User gw OK. Password required' },
  { code: 211, message: PROFTPD_FEAT.trimEnd().replaceAll('\r\n', '\n') },
  { code: 230, message: TRICKY_BLOCK.trimEnd().replaceAll('\r\n', '\n') },
  { code: 200, message: '200' },
  { code: 226, message: '226 Transfer complete' },
];

describe('FtpReplyParser', () => {
  it('reads a single-line reply', () => {
    assert.deepEqual(parseChunks(['220 (vsFTPd 3.0.3)\r\n']), [{ code: 220, message: '220 (vsFTPd 3.0.3)' }]);
  });

  it('reads a reply that is a bare code', () => {
    assert.deepEqual(parseChunks(['200\r\n']), [{ code: 200, message: '200' }]);
  });

  it("reads pure-ftpd's multi-line banner as one reply", () => {
    const [reply, ...rest] = parseChunks([PURE_FTPD_BANNER]);
    assert.equal(rest.length, 0);
    assert.equal(reply?.code, 220);
    assert.equal(reply?.message.split('\n').length, 5);
  });

  it('does not end a block on lines with other digits or the same code and "-"', () => {
    assert.deepEqual(parseChunks([TRICKY_BLOCK]), [STREAM_REPLIES[3]]);
  });

  it('returns several replies from one chunk, in order', () => {
    assert.deepEqual(parseChunks([STREAM]), STREAM_REPLIES);
  });

  it('accepts LF as well as CRLF line ends', () => {
    assert.deepEqual(parseChunks([STREAM.replaceAll('\r\n', '\n')]), STREAM_REPLIES);
  });

  it('gives the same replies split at every byte boundary, and fed one character at a time', () => {
    for (let k = 0; k <= STREAM.length; k++) {
      assert.deepEqual(parseChunks([STREAM.slice(0, k), STREAM.slice(k)]), STREAM_REPLIES, `split at ${k}`);
    }
    assert.deepEqual(parseChunks([...STREAM]), STREAM_REPLIES);
  });

  it('returns a reply only once its last line has ended', () => {
    const parser = new FtpReplyParser();
    assert.equal(parser.partial, false);
    assert.deepEqual(parser.push('230-Welcome\r\n230 Logged in'), []);
    assert.equal(parser.partial, true);
    assert.deepEqual(parser.push('\r'), []);
    assert.deepEqual(parser.push('\n'), [{ code: 230, message: '230-Welcome\n230 Logged in' }]);
    assert.equal(parser.partial, false);
  });

  it('skips blank lines between replies', () => {
    assert.deepEqual(parseChunks(['\r\n200 OK\r\n\r\n  \r\n250 OK\r\n']), [
      { code: 200, message: '200 OK' },
      { code: 250, message: '250 OK' },
    ]);
  });

  it('refuses a line that is not a reply', () => {
    for (const garbage of [
      'hello\r\n',
      'SSH-2.0-OpenSSH_9.2\r\n',
      '2200 four digits\r\n',
      '600 bad class\r\n',
      '22 short\r\n',
      '220x\r\n',
    ]) {
      assertParseError(() => parseChunks([garbage]));
    }
  });

  it('caps the lines of a multi-line reply', () => {
    const lines = ['220-a', ...Array.from({ length: 10 }, () => ' x'), '220 end'].join('\r\n') + '\r\n';
    assertParseError(() => parseChunks([lines], { maxLines: 5 }));
    assert.equal(parseChunks([lines], { maxLines: 12 }).length, 1);
  });

  it('caps the bytes of a multi-line reply', () => {
    const lines = ['220-a', ...Array.from({ length: 10 }, () => ' 0123456789'), '220 end'].join('\r\n') + '\r\n';
    assertParseError(() => parseChunks([lines], { maxBytes: 64 }));
    assert.equal(parseChunks([lines], { maxBytes: 1024 }).length, 1);
  });

  it('caps a line that never ends', () => {
    const parser = new FtpReplyParser({ maxBytes: 100 });
    parser.push('220 ' + 'x'.repeat(50));
    assertParseError(() => parser.push('x'.repeat(60)));
  });

  it('caps an over-long single-line reply even when it arrives in one chunk', () => {
    const long = `220 ${'x'.repeat(200)}\r\n`;
    assertParseError(() => parseChunks([long], { maxBytes: 100 }));
    assertParseError(() => parseChunks([...long], { maxBytes: 100 }));
  });

  it('replyText strips the codes of every line', () => {
    const [reply] = parseChunks([TRICKY_BLOCK]);
    assert.ok(reply);
    assert.equal(replyText(reply), 'Welcome\nnot the end\nstill not\nnor this\n2300 nor this\nDone');
  });
});

describe('FtpReplyParser properties', () => {
  const code = fc.integer({ min: 100, max: 599 });
  const textChar = fc.constantFrom('a', ' ', '-', '1', '2', '0', '5', ':', '\t', 'é', '\u{1F600}');
  const text = fc.array(textChar, { maxLength: 30 }).map((a) => a.join(''));
  const reply = fc.oneof(
    fc.record({ code, text }).map(({ code: c, text: t }) => [`${c} ${t}`]),
    fc.record({ code, first: text, middle: fc.array(text, { maxLength: 6 }), last: text }).map(({ code: c, first, middle, last }) => [
      `${c}-${first}`,
      // A middle line must not look like the block's closing line.
      ...middle.filter((l) => !l.startsWith(`${c} `)),
      `${c} ${last}`,
    ]),
  );
  const replies = fc.array(reply, { maxLength: 8 });
  const eol = fc.constantFrom('\r\n', '\n');
  const splits = fc.array(fc.nat(), { maxLength: 30 });

  it('gives the same replies for any split of the stream', () => {
    fc.assert(
      fc.property(replies, eol, splits, (rs, end, points) => {
        const stream = rs.map((lines) => lines.map((l) => l + end).join('')).join('');
        const expected = rs.map((lines) => ({ code: Number(lines[0]?.slice(0, 3)), message: lines.join('\n') }));
        assert.deepEqual(parseChunks([stream]), expected);
        assert.deepEqual(parseChunks(splitAt(stream, points)), expected);
      }),
    );
  });

  it('reaches the same verdict under caps for any split (replies or FTP_PARSE)', () => {
    fc.assert(
      fc.property(
        replies,
        eol,
        splits,
        fc.integer({ min: 4, max: 60 }),
        fc.integer({ min: 1, max: 8 }),
        (rs, end, points, maxBytes, maxLines) => {
          const stream = rs.map((lines) => lines.map((l) => l + end).join('')).join('');
          const options = { maxBytes, maxLines };
          const whole = outcome([stream], options);
          assert.deepEqual(outcome(splitAt(stream, points), options), whole);
          assert.deepEqual(outcome([...stream], options), whole);
        },
      ),
    );
  });
});
