import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactUrl } from '../../../src/config/index.js';

describe('redactUrl', () => {
  it('masks the password and keeps the rest', () => {
    assert.equal(redactUrl('ftp://bob:s3cr%40t@ftp.example.com:21/out?mode=active'), 'ftp://bob:***@ftp.example.com:21/out?mode=active');
    assert.equal(redactUrl('ftps://ftp.example.com/'), 'ftps://ftp.example.com/');
    assert.equal(redactUrl('ftp://bob@h/'), 'ftp://bob@h/');
  });

  it('masks unencoded passwords that contain @ or /', () => {
    const out = redactUrl('ftp://bob:p@ss/w@h/x');
    assert.ok(!out.includes('p@ss') && !out.includes('ss/w'), out);
    assert.ok(out.endsWith('@h/x'));
  });

  it('masks in strings that are not URLs at all', () => {
    assert.ok(!redactUrl('ftp ://bob:hunter2@h').includes('hunter2'));
  });
});
