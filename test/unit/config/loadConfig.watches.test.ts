// (v1.1) Config for folder events: servers.*.watch.pollMs (the contract's
// default 5000 and minimum 1000) and the webhook `watches`, checked at
// startup: http/https URLs only, a known server, a safe folder, defaults.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config/index.js';
import type { Config } from '../../../src/config/index.js';

const SECRET = 'a-webhook-secret-0123';

function load(yaml: string): Config {
  return loadConfig(
    { CONFIG_FILE: 'c.yaml' },
    {
      readFile: (path) => {
        if (path === 'c.yaml') return yaml;
        throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      },
    },
  );
}

const server = (extra = '') => `servers:\n  partner:\n    url: ftp://bob:pw@ftp.example.com/\n${extra}`;
const watch = (fields: string) => `${server()}watches:\n  - ${fields.split('\n').join('\n    ')}\n`;

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    assert.ok(!error.message.includes(SECRET), 'the secret never in the message');
    return error;
  }
  assert.fail('expected a ConfigError');
}

describe('loadConfig: watch.pollMs', () => {
  it('defaults to 5000, takes 1000 or more, refuses less (the contract minimum)', () => {
    assert.equal(load(server()).servers[0]?.watch.pollMs, 5000);
    assert.equal(load(server('    watch: { pollMs: 1000 }\n')).servers[0]?.watch.pollMs, 1000);
    assert.equal(configError(() => load(server('    watch: { pollMs: 999 }\n'))).setting, 'servers.partner.watch.pollMs');
  });
});

describe('loadConfig: watches', () => {
  it('fills the defaults and normalises the folder', () => {
    const config = load(watch(`server: partner\npath: /inbox//2026/\nurl: https://hooks.example.com/ftp\nsecret: ${SECRET}`));
    assert.deepEqual(config.watches, [
      {
        server: 'partner',
        path: 'inbox/2026',
        segments: ['inbox', '2026'],
        pattern: '*',
        stableMs: 5000,
        url: 'https://hooks.example.com/ftp',
        secret: SECRET,
        claim: false,
        retries: 5,
        retryBaseMs: 1000,
        timeoutMs: 10000,
      },
    ]);
    assert.deepEqual(load(server()).watches, []);
  });

  it('takes http and https URLs only', () => {
    for (const url of ['ftp://hooks.example.com/x', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url', 'http://']) {
      const error = configError(() => load(watch(`server: partner\nurl: "${url}"\nsecret: ${SECRET}`)));
      assert.equal(error.setting, 'watches[0].url', url);
    }
    assert.equal(load(watch(`server: partner\nurl: http://127.0.0.1:9000/\nsecret: ${SECRET}`)).watches[0]?.url, 'http://127.0.0.1:9000/');
  });

  it('refuses an unknown server, a folder that climbs, a pattern with "/", a short or missing secret, unknown keys', () => {
    const cases: Array<[string, string]> = [
      [`server: nobody\nurl: https://h.example/\nsecret: ${SECRET}`, 'watches[0].server'],
      [`server: partner\npath: a/../b\nurl: https://h.example/\nsecret: ${SECRET}`, 'watches[0].path'],
      [`server: partner\npattern: a/*\nurl: https://h.example/\nsecret: ${SECRET}`, 'watches[0].pattern'],
      ['server: partner\nurl: https://h.example/\nsecret: short', 'watches[0].secret'],
      ['server: partner\nurl: https://h.example/', 'watches[0].secret'],
      [`server: partner\nurl: https://h.example/\nsecret: ${SECRET}\nsecrett: x`, 'watches[0].secrett'],
      [`server: partner\nurl: https://h.example/\nsecret: ${SECRET}\nstableMs: -1`, 'watches[0].stableMs'],
    ];
    for (const [fields, setting] of cases) assert.equal(configError(() => load(watch(fields))).setting, setting, fields);
  });
});
