import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_TEXT_EXTENSIONS, isLoopback, loadConfig } from '../../../src/config/index.js';
import type { Config, ServerConfig } from '../../../src/config/index.js';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

/** A readFile over an in-memory folder; anything else is ENOENT like fs would say. */
function files(entries: Record<string, string>): (path: string) => string {
  return (path) => {
    const text = entries[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
}

function load(env: NodeJS.ProcessEnv, fileEntries: Record<string, string> = {}): Config {
  return loadConfig(env, { readFile: files(fileEntries) });
}

function server(config: Config, name = 'default'): ServerConfig {
  const found = config.servers.find((s) => s.name === name);
  assert.ok(found, `server ${name}`);
  return found;
}

/** Runs fn, expects a ConfigError for `setting`, and checks the message is one line without any secret. */
function expectConfigError(fn: () => unknown, setting: string, secrets: string[] = []): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError, `expected ConfigError, got ${String(caught)}`);
  assert.equal(caught.code, 'CONFIG_INVALID');
  assert.equal(caught.setting, setting);
  assert.ok(caught.message.startsWith(setting), 'the message starts with the setting');
  assert.doesNotMatch(caught.message, /[\r\n]/);
  for (const secret of secrets) assert.ok(!caught.message.includes(secret), `message leaks ${secret}: ${caught.message}`);
  return caught;
}

const URL_ENV = { FTP_URL: 'ftp://bob:pw@ftp.example.com/' };

describe('loadConfig: defaults', () => {
  it('applies every default with just FTP_URL', () => {
    const config = load(URL_ENV);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.logLevel, 'info');
    assert.deepEqual(config.auth, { apiKeys: [], disabled: false });
    assert.deepEqual(config.cors, { origins: [] });
    assert.deepEqual(config.limits, {
      maxUploadBytes: null,
      maxFiles: 20,
      maxFields: 100,
      maxFieldSize: 1048576,
      maxPathBytes: 1024,
      bodyIdleMs: 30000,
      bodyMinBytesPerSec: 1024,
      sendIdleMs: 30000,
      sendMinBytesPerSec: 1024,
      maxListEntries: 100000,
      listingMemoryBytes: 67108864,
      maxTransfersPerKey: null,
    });
    assert.equal(config.shutdownGraceMs, 30000);
    assert.deepEqual(server(config), {
      name: 'default',
      host: 'ftp.example.com',
      port: 21,
      user: 'bob',
      password: 'pw',
      root: { relativeTo: 'login', segments: [] },
      mode: 'auto',
      type: 'binary',
      eol: 'lf',
      readOnly: false,
      kernelRelay: true,
      encoding: 'utf8',
      account: null,
      siteCommands: [],
      activeAddress: null,
      activePorts: null,
      textExtensions: [...DEFAULT_TEXT_EXTENSIONS],
      pool: { max: 8, min: 0, idleTimeoutMs: 60000, acquireTimeoutMs: 10000 },
      tls: { mode: 'none', rejectUnauthorized: true, ca: null, maxVersion: null },
      timeouts: { connectMs: 10000, commandMs: 30000, dataMs: 60000 },
      watch: { pollMs: 5000 },
    });
    assert.deepEqual(config.watches, []);
  });

  it('returns a deeply frozen object', () => {
    const config = load(URL_ENV);
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.servers));
    assert.ok(Object.isFrozen(server(config).pool));
    assert.ok(Object.isFrozen(server(config).textExtensions));
    assert.ok(Object.isFrozen(config.auth.apiKeys));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
  });

  it('refuses to start with no server at all', () => {
    expectConfigError(() => load({}), 'FTP_URL');
  });

  it('treats empty variables as unset', () => {
    const config = load({ ...URL_ENV, HOST: '', PORT: ' ', API_KEYS: '', LOG_LEVEL: '' });
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.logLevel, 'info');
  });
});

describe('loadConfig: environment variables', () => {
  it('HOST accepts IPs, names and bracketed IPv6', () => {
    assert.equal(load({ ...URL_ENV, HOST: 'localhost' }).host, 'localhost');
    assert.equal(load({ ...URL_ENV, HOST: '::1' }).host, '::1');
    assert.equal(load({ ...URL_ENV, HOST: '[::1]' }).host, '::1');
    assert.equal(load({ ...URL_ENV, HOST: '0.0.0.0', API_KEYS: 'k' }).host, '0.0.0.0');
    assert.equal(load({ ...URL_ENV, HOST: 'gw.internal', API_KEYS: 'k' }).host, 'gw.internal');
  });

  it('HOST rejects junk', () => {
    expectConfigError(() => load({ ...URL_ENV, HOST: 'not a host' }), 'HOST');
    expectConfigError(() => load({ ...URL_ENV, HOST: 'a_b!' }), 'HOST');
  });

  it('PORT takes 0..65535 and nothing else', () => {
    assert.equal(load({ ...URL_ENV, PORT: '9000' }).port, 9000);
    assert.equal(load({ ...URL_ENV, PORT: '0' }).port, 0);
    for (const bad of ['http', '65536', '-1', '80.5', '1e3', '0x50']) {
      expectConfigError(() => load({ ...URL_ENV, PORT: bad }), 'PORT');
    }
  });

  it('LOG_LEVEL takes pino levels, any case', () => {
    assert.equal(load({ ...URL_ENV, LOG_LEVEL: 'debug' }).logLevel, 'debug');
    assert.equal(load({ ...URL_ENV, LOG_LEVEL: 'WARN' }).logLevel, 'warn');
    assert.equal(load({ ...URL_ENV, LOG_LEVEL: 'silent' }).logLevel, 'silent');
    expectConfigError(() => load({ ...URL_ENV, LOG_LEVEL: 'verbose' }), 'LOG_LEVEL');
  });

  it('API_KEYS: bare key is write, :read and :write scopes, blanks ignored', () => {
    const config = load({ ...URL_ENV, API_KEYS: ' alpha , beta:read,gamma:write,, ' });
    assert.deepEqual(config.auth.apiKeys, [
      { key: 'alpha', scope: 'write' },
      { key: 'beta', scope: 'read' },
      { key: 'gamma', scope: 'write' },
    ]);
  });

  it('API_KEYS: a key may contain ":" when a scope follows', () => {
    assert.deepEqual(load({ ...URL_ENV, API_KEYS: 'a:b:read' }).auth.apiKeys, [{ key: 'a:b', scope: 'read' }]);
  });

  it('API_KEYS errors never quote the key', () => {
    expectConfigError(() => load({ ...URL_ENV, API_KEYS: 'topsecret:admin' }), 'API_KEYS', ['topsecret', 'admin']);
    expectConfigError(() => load({ ...URL_ENV, API_KEYS: 'topsecret:read,topsecret' }), 'API_KEYS', ['topsecret']);
    expectConfigError(() => load({ ...URL_ENV, API_KEYS: 'top secret' }), 'API_KEYS', ['top secret']);
    expectConfigError(() => load({ ...URL_ENV, API_KEYS: ':read' }), 'API_KEYS');
    expectConfigError(() => load({ ...URL_ENV, API_KEYS: ' , ,' }), 'API_KEYS');
  });

  it('AUTH_DISABLED takes true/false', () => {
    assert.equal(load({ ...URL_ENV, AUTH_DISABLED: 'true' }).auth.disabled, true);
    assert.equal(load({ ...URL_ENV, AUTH_DISABLED: 'TRUE' }).auth.disabled, true);
    assert.equal(load({ ...URL_ENV, AUTH_DISABLED: 'false' }).auth.disabled, false);
    expectConfigError(() => load({ ...URL_ENV, AUTH_DISABLED: 'yes' }), 'AUTH_DISABLED');
  });

  it('AUTH_DISABLED=true beside API keys is a contradiction', () => {
    expectConfigError(() => load({ ...URL_ENV, AUTH_DISABLED: 'true', API_KEYS: 'k' }), 'AUTH_DISABLED', ['k:']);
  });
});

describe('loadConfig: the loopback rule', () => {
  it('serves without keys on loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) {
      assert.equal(load({ ...URL_ENV, HOST: host }).auth.apiKeys.length, 0, host);
    }
  });

  it('refuses a non-loopback HOST without keys', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.org', '::2']) {
      expectConfigError(() => load({ ...URL_ENV, HOST: host }), 'API_KEYS');
    }
  });

  it('allows it with keys or with AUTH_DISABLED=true', () => {
    assert.equal(load({ ...URL_ENV, HOST: '0.0.0.0', API_KEYS: 'k:read' }).host, '0.0.0.0');
    assert.equal(load({ ...URL_ENV, HOST: '0.0.0.0', AUTH_DISABLED: 'true' }).auth.disabled, true);
  });

  it('isLoopback', () => {
    assert.equal(isLoopback('127.255.255.255'), true);
    assert.equal(isLoopback('0:0:0:0:0:0:0:1'), true);
    assert.equal(isLoopback('126.0.0.1'), false);
    assert.equal(isLoopback('localhost.example.com'), false);
  });
});

describe('loadConfig: FTP_URL forms', () => {
  it('a user-less URL is pass-through', () => {
    const s = server(load({ FTP_URL: 'ftp://ftp.example.com:2121/' }));
    assert.equal(s.user, null);
    assert.equal(s.password, null);
    assert.equal(s.port, 2121);
  });

  it('a user without password has a null password', () => {
    const s = server(load({ FTP_URL: 'ftp://anonymous@ftp.example.com' }));
    assert.equal(s.user, 'anonymous');
    assert.equal(s.password, null);
  });

  it('percent-decodes a password with @ and :', () => {
    const s = server(load({ FTP_URL: 'ftp://us%20er:p%40ss%3Aw%2Fo%25rd@ftp.example.com/' }));
    assert.equal(s.user, 'us er');
    assert.equal(s.password, 'p@ss:w/o%rd');
    assert.equal(s.host, 'ftp.example.com');
  });

  it('tolerates an unencoded @ and : in the password', () => {
    const s = server(load({ FTP_URL: 'ftp://bob:p@ss:x@ftp.example.com/' }));
    assert.equal(s.password, 'p@ss:x');
    assert.equal(s.host, 'ftp.example.com');
  });

  it('IPv6 hosts in brackets lose their brackets', () => {
    const s = server(load({ FTP_URL: 'ftp://bob:pw@[::1]:2121/in' }));
    assert.equal(s.host, '::1');
    assert.equal(s.port, 2121);
    assert.deepEqual(s.root, { relativeTo: 'login', segments: ['in'] });
    assert.equal(server(load({ FTP_URL: 'ftps://[2001:db8::5]/' })).host, '2001:db8::5');
  });

  it('ftps:// is implicit TLS on port 990 by default', () => {
    const s = server(load({ FTP_URL: 'ftps://bob:pw@ftp.example.com/' }));
    assert.equal(s.tls.mode, 'implicit');
    assert.equal(s.port, 990);
    assert.equal(server(load({ FTP_URL: 'ftps://ftp.example.com:9990/' })).port, 9990);
  });

  it('?tls=explicit is AUTH TLS on port 21', () => {
    const s = server(load({ FTP_URL: 'ftp://bob:pw@ftp.example.com/?tls=explicit' }));
    assert.equal(s.tls.mode, 'explicit');
    assert.equal(s.port, 21);
  });

  it('an explicit :21 stays 21 even with implicit TLS', () => {
    assert.equal(server(load({ FTP_URL: 'ftp://h:21/?tls=implicit' })).port, 21);
    assert.equal(server(load({ FTP_URL: 'ftp://h/?tls=implicit' })).port, 990);
  });

  it('reads the root as RFC 1738 and curl do: below the login directory', () => {
    const root = (url: string) => server(load({ FTP_URL: url })).root;
    assert.deepEqual(root('ftp://h'), { relativeTo: 'login', segments: [] });
    assert.deepEqual(root('ftp://h/'), { relativeTo: 'login', segments: [] });
    assert.deepEqual(root('ftp://h/outbox/'), { relativeTo: 'login', segments: ['outbox'] });
    assert.deepEqual(root('ftp://h/a///b/'), { relativeTo: 'login', segments: ['a', 'b'] });
    assert.deepEqual(root('ftp://h/my%20dir/sub'), { relativeTo: 'login', segments: ['my dir', 'sub'] });
  });

  it('a first segment %2F (or empty, as curl reads //) makes the root absolute', () => {
    const root = (url: string) => server(load({ FTP_URL: url })).root;
    assert.deepEqual(root('ftp://h/%2Fdata/out'), { relativeTo: '/', segments: ['data', 'out'] });
    assert.deepEqual(root('ftp://bob:pw@h:2121/%2fdata/out/?mode=passive'), { relativeTo: '/', segments: ['data', 'out'] });
    assert.deepEqual(root('ftp://h/%2F'), { relativeTo: '/', segments: [] });
    assert.deepEqual(root('ftp://h/%2Fdata%2Fout'), { relativeTo: '/', segments: ['data', 'out'] });
    assert.deepEqual(root('ftp://h//data'), { relativeTo: '/', segments: ['data'] });
    assert.deepEqual(root('ftp://h//a///b/'), { relativeTo: '/', segments: ['a', 'b'] });
  });

  it('%2F after the first segment separates (curl on a Unix server) and never makes the root absolute', () => {
    const root = (url: string) => server(load({ FTP_URL: url })).root;
    assert.deepEqual(root('ftp://h/a%2Fb'), { relativeTo: 'login', segments: ['a', 'b'] });
    assert.deepEqual(root('ftp://h/a/%2Fb'), { relativeTo: 'login', segments: ['a', 'b'] });
    assert.deepEqual(root('ftp://h/a%2F%2Fb'), { relativeTo: 'login', segments: ['a', 'b'] });
  });

  it('a url in the config file reads its root the same way', () => {
    const yaml = 'servers:\n  rel:\n    url: ftp://u:p@h/outbox\n  abs:\n    url: ftp://u:p@h/%2Fdata/out\n';
    const config = load({ CONFIG_FILE: '/etc/gw.yaml' }, { '/etc/gw.yaml': yaml });
    assert.deepEqual(server(config, 'rel').root, { relativeTo: 'login', segments: ['outbox'] });
    assert.deepEqual(server(config, 'abs').root, { relativeTo: '/', segments: ['data', 'out'] });
  });

  it('rejects dot segments in the root, however written', () => {
    for (const path of ['/a/../b', '/./a', '/%2e%2E/x', '/a/.%2e', '/%2F..', '/a%2F..%2Fb', '/%2F.%2Fetc']) {
      expectConfigError(() => load({ FTP_URL: `ftp://h${path}` }), 'FTP_URL');
    }
    assert.deepEqual(server(load({ FTP_URL: 'ftp://h/.hidden/..x' })).root, { relativeTo: 'login', segments: ['.hidden', '..x'] });
  });

  it('rejects CR/LF/NUL in the root', () => {
    expectConfigError(() => load({ FTP_URL: 'ftp://h/a%0D%0ADELE%20x' }), 'FTP_URL');
    expectConfigError(() => load({ FTP_URL: 'ftp://h/a%00' }), 'FTP_URL');
  });

  it('maps every query option', () => {
    const s = server(
      load(
        {
          FTP_URL:
            'ftp://bob:pw@h/?mode=active&type=auto&eol=crlf&poolMax=3&activeAddress=203.0.113.9&activePorts=50000-50100' +
            '&readOnly=true&kernelRelay=false&encoding=latin1&tls=explicit&tlsRejectUnauthorized=false&tlsCa=/etc/ca.pem&tlsMaxVersion=TLSv1.2',
        },
        { '/etc/ca.pem': PEM },
      ),
    );
    assert.equal(s.mode, 'active');
    assert.equal(s.type, 'auto');
    assert.equal(s.eol, 'crlf');
    assert.equal(s.pool.max, 3);
    assert.equal(s.activeAddress, '203.0.113.9');
    assert.deepEqual(s.activePorts, [50000, 50100]);
    assert.equal(s.readOnly, true);
    assert.equal(s.kernelRelay, false);
    assert.equal(s.encoding, 'latin1');
    assert.deepEqual(s.tls, { mode: 'explicit', rejectUnauthorized: false, ca: PEM, maxVersion: 'TLSv1.2' });
  });

  it('a single active port is a range of one', () => {
    assert.deepEqual(server(load({ FTP_URL: 'ftp://h/?activePorts=50000' })).activePorts, [50000, 50000]);
  });

  it('names the bad query option', () => {
    const cases: Array<[string, string]> = [
      ['mode=fast', 'FTP_URL?mode'],
      ['type=text', 'FTP_URL?type'],
      ['eol=cr', 'FTP_URL?eol'],
      ['poolMax=0', 'FTP_URL?poolMax'],
      ['poolMax=two', 'FTP_URL?poolMax'],
      ['activeAddress=ftp.example.com', 'FTP_URL?activeAddress'],
      ['activePorts=50100-50000', 'FTP_URL?activePorts'],
      ['activePorts=0-10', 'FTP_URL?activePorts'],
      ['activePorts=1-70000', 'FTP_URL?activePorts'],
      ['activePorts=a-b', 'FTP_URL?activePorts'],
      ['readOnly=yes', 'FTP_URL?readOnly'],
      ['encoding=klingon', 'FTP_URL?encoding'],
      ['tls=sometimes', 'FTP_URL?tls'],
      ['tlsRejectUnauthorized=0', 'FTP_URL?tlsRejectUnauthorized'],
      ['tlsMaxVersion=TLSv1.1', 'FTP_URL?tlsMaxVersion'],
      ['tlsCa=', 'FTP_URL?tlsCa'],
      ['tlsCa=/missing.pem', 'FTP_URL?tlsCa'],
      ['mode=active&mode=passive', 'FTP_URL?mode'],
      ['password=hunter2', 'FTP_URL?password'],
      ['poolmax=3', 'FTP_URL?poolmax'],
    ];
    for (const [query, setting] of cases) {
      expectConfigError(() => load({ FTP_URL: `ftp://bob:s3cret@h/?${query}` }), setting, ['s3cret']);
    }
  });

  it('a CA file without a certificate is refused', () => {
    expectConfigError(() => load({ FTP_URL: 'ftp://h/?tlsCa=/ca.pem' }, { '/ca.pem': 'hello' }), 'FTP_URL?tlsCa');
  });

  it('ftps:// cannot be turned into explicit TLS', () => {
    expectConfigError(() => load({ FTP_URL: 'ftps://h/?tls=explicit' }), 'FTP_URL?tls');
  });

  it('rejects bad URLs without echoing the password', () => {
    const secret = 'Pa55w0rd';
    const bad = [
      `http://bob:${secret}@h/`,
      `ftp ://bob:${secret}@h/`,
      `ftp://bob:${secret}@/`,
      `ftp://bob:${secret}@h:99999/`,
      `ftp://bob:${secret}@h:0/`,
      `ftp://bob:${secret}%zz@h/`,
      `ftp://bob:${secret}@h/#frag`,
      `ftp://:${secret}@h/`,
      `ftps://bob:${secret}@h%20x/`,
      `ftp://bob:${secret}@h/%2e%2e/x`,
      `not a url ${secret}`,
    ];
    for (const url of bad) expectConfigError(() => load({ FTP_URL: url }), 'FTP_URL', [secret]);
  });
});

describe('loadConfig: config file', () => {
  const YAML_FILE = `
host: 127.0.0.2
port: 9090
logLevel: debug
servers:
  partner-a:
    url: ftp://user:pa%40ss@ftp.example.com:2121/outbox?mode=passive&poolMax=4
    type: auto
    eol: crlf
    readOnly: true
    kernelRelay: false
    encoding: gb18030
    account: acct-7
    siteCommands: [ "SITE RECFM=FB LRECL=80", "NAMEFMT 1" ]
    activeAddress: 198.51.100.7
    activePorts: "50000-50010"
    textExtensions: [".TXT", ".edi", ".txt"]
    pool: { min: 1, idleTimeoutMs: 5000, acquireTimeoutMs: 2000 }
    tls: { mode: explicit, rejectUnauthorized: false, ca: certs/ca.pem, maxVersion: TLSv1.3 }
    timeouts: { connectMs: 1000, commandMs: 2000, dataMs: 3000 }
    watch: { pollMs: 2000 }
  b.2:
    url: ftps://ftp2.example.com/
    activePorts: [40000, 40001]
auth:
  apiKeys:
    - { key: "k-read", scope: read }
    - { key: "k-write" }
cors:
  origins: [ "https://app.example.com", "http://localhost:3000" ]
limits:
  maxUploadBytes: 1048576
  maxFiles: 5
  maxFields: 10
  maxFieldSize: 4096
  maxPathBytes: 2048
  bodyIdleMs: 10000
  bodyMinBytesPerSec: 512
  sendIdleMs: 20000
  sendMinBytesPerSec: 256
  maxListEntries: 5000
  listingMemoryBytes: 1048576
  maxTransfersPerKey: 2
shutdownGraceMs: 5000
`;

  it('reads a YAML file with every key', () => {
    const config = load({ CONFIG_FILE: '/etc/gw/config.yaml' }, { '/etc/gw/config.yaml': YAML_FILE, '/etc/gw/certs/ca.pem': PEM });
    assert.equal(config.host, '127.0.0.2');
    assert.equal(config.port, 9090);
    assert.equal(config.logLevel, 'debug');
    assert.deepEqual(config.auth.apiKeys, [
      { key: 'k-read', scope: 'read' },
      { key: 'k-write', scope: 'write' },
    ]);
    assert.deepEqual(config.cors.origins, ['https://app.example.com', 'http://localhost:3000']);
    assert.deepEqual(config.limits, {
      maxUploadBytes: 1048576,
      maxFiles: 5,
      maxFields: 10,
      maxFieldSize: 4096,
      maxPathBytes: 2048,
      bodyIdleMs: 10000,
      bodyMinBytesPerSec: 512,
      sendIdleMs: 20000,
      sendMinBytesPerSec: 256,
      maxListEntries: 5000,
      listingMemoryBytes: 1048576,
      maxTransfersPerKey: 2,
    });
    assert.equal(config.shutdownGraceMs, 5000);
    assert.deepEqual(
      config.servers.map((s) => s.name),
      ['partner-a', 'b.2'],
    );
    assert.deepEqual(server(config, 'partner-a'), {
      name: 'partner-a',
      host: 'ftp.example.com',
      port: 2121,
      user: 'user',
      password: 'pa@ss',
      root: { relativeTo: 'login', segments: ['outbox'] },
      mode: 'passive',
      type: 'auto',
      eol: 'crlf',
      readOnly: true,
      kernelRelay: false,
      encoding: 'gb18030',
      account: 'acct-7',
      siteCommands: ['RECFM=FB LRECL=80', 'NAMEFMT 1'],
      activeAddress: '198.51.100.7',
      activePorts: [50000, 50010],
      textExtensions: ['.txt', '.edi'],
      pool: { max: 4, min: 1, idleTimeoutMs: 5000, acquireTimeoutMs: 2000 },
      tls: { mode: 'explicit', rejectUnauthorized: false, ca: PEM, maxVersion: 'TLSv1.3' },
      timeouts: { connectMs: 1000, commandMs: 2000, dataMs: 3000 },
      watch: { pollMs: 2000 },
    });
    const b = server(config, 'b.2');
    assert.equal(b.port, 990);
    assert.equal(b.tls.mode, 'implicit');
    assert.equal(b.user, null);
    assert.deepEqual(b.activePorts, [40000, 40001]);
  });

  it('reads a JSON file', () => {
    const json = JSON.stringify({
      servers: { one: { url: 'ftp://a:b@h1/', mode: 'active' } },
      auth: { apiKeys: [{ key: 'j', scope: 'read' }] },
    });
    const config = load({ CONFIG_FILE: 'gw.json' }, { 'gw.json': json });
    assert.equal(server(config, 'one').mode, 'active');
    assert.deepEqual(config.auth.apiKeys, [{ key: 'j', scope: 'read' }]);
  });

  it('an empty file is an empty configuration', () => {
    const config = load({ ...URL_ENV, CONFIG_FILE: 'empty.yaml' }, { 'empty.yaml': '# nothing yet\n' });
    assert.equal(config.servers.length, 1);
  });

  it('FTP_URL adds the "default" server beside the file servers', () => {
    const config = load({ ...URL_ENV, CONFIG_FILE: 'c.yaml' }, { 'c.yaml': 'servers:\n  other:\n    url: ftp://h2/\n' });
    assert.deepEqual(
      config.servers.map((s) => s.name),
      ['default', 'other'],
    );
  });

  it('a file server named "default" clashes with FTP_URL', () => {
    expectConfigError(
      () => load({ ...URL_ENV, CONFIG_FILE: 'c.yaml' }, { 'c.yaml': 'servers:\n  default:\n    url: ftp://h2/\n' }),
      'servers.default',
    );
    // Without FTP_URL the name is free.
    assert.equal(load({ CONFIG_FILE: 'c.yaml' }, { 'c.yaml': 'servers:\n  default:\n    url: ftp://h2/\n' }).servers[0]?.name, 'default');
  });

  it('keys written beside the url win over its query options', () => {
    const yaml =
      'servers:\n  s:\n    url: ftp://h/?mode=active&type=ascii&readOnly=true&poolMax=2&tls=explicit\n    mode: passive\n    readOnly: false\n    pool: { max: 6 }\n    tls: { mode: none }\n';
    const s = server(load({ CONFIG_FILE: 'c.yaml' }, { 'c.yaml': yaml }), 's');
    assert.equal(s.mode, 'passive');
    assert.equal(s.type, 'ascii');
    assert.equal(s.readOnly, false);
    assert.equal(s.pool.max, 6);
    assert.equal(s.tls.mode, 'none');
  });

  it('null beside the url clears a query option', () => {
    const yaml =
      'servers:\n  s:\n    url: ftp://h/?activePorts=5000-5001&activeAddress=10.0.0.1\n    activePorts: null\n    activeAddress: null\n';
    const s = server(load({ CONFIG_FILE: 'c.yaml' }, { 'c.yaml': yaml }), 's');
    assert.equal(s.activePorts, null);
    assert.equal(s.activeAddress, null);
  });

  it('tls.mode implicit beside an ftp:// url moves the default port to 990', () => {
    const yaml = 'servers:\n  s:\n    url: ftp://h/\n    tls: { mode: implicit }\n';
    assert.equal(server(load({ CONFIG_FILE: 'c.yaml' }, { 'c.yaml': yaml }), 's').port, 990);
  });

  it('the environment wins over the file', () => {
    const yaml = 'host: 127.0.0.2\nport: 9090\nlogLevel: debug\nauth:\n  apiKeys: [{ key: filekey }]\n  disabled: false\n';
    const config = load(
      { ...URL_ENV, CONFIG_FILE: 'c.yaml', HOST: '127.0.0.3', PORT: '7070', LOG_LEVEL: 'error', API_KEYS: 'envkey:read' },
      { 'c.yaml': yaml },
    );
    assert.equal(config.host, '127.0.0.3');
    assert.equal(config.port, 7070);
    assert.equal(config.logLevel, 'error');
    assert.deepEqual(config.auth.apiKeys, [{ key: 'envkey', scope: 'read' }], 'API_KEYS replaces auth.apiKeys');
  });

  it('AUTH_DISABLED in the env wins over auth.disabled in the file', () => {
    const yaml = 'auth:\n  disabled: true\n';
    assert.equal(load({ ...URL_ENV, CONFIG_FILE: 'c.yaml' }, { 'c.yaml': yaml }).auth.disabled, true);
    assert.equal(load({ ...URL_ENV, CONFIG_FILE: 'c.yaml', AUTH_DISABLED: 'false' }, { 'c.yaml': yaml }).auth.disabled, false);
  });

  it('a relative CA path resolves against the config file folder', () => {
    const yaml = 'servers:\n  s:\n    url: ftp://h/?tlsCa=ca/url.pem\n';
    const config = load({ CONFIG_FILE: '/srv/gw/c.yaml' }, { '/srv/gw/c.yaml': yaml, '/srv/gw/ca/url.pem': PEM });
    assert.equal(server(config, 's').tls.ca, PEM);
  });

  it('names an unreadable file', () => {
    expectConfigError(() => load({ CONFIG_FILE: '/nope.yaml' }), 'CONFIG_FILE');
  });

  it('reports a syntax error by position, without quoting the line', () => {
    const yaml = 'servers:\n  s:\n    url: ftp://bob:Hunter2@h/\n   bad: [\n';
    expectConfigError(() => load({ CONFIG_FILE: 'c.yaml' }, { 'c.yaml': yaml }), 'CONFIG_FILE', ['Hunter2']);
    const json = '{"servers": {"s": {"url": "ftp://bob:Hunter2@h/",}}';
    expectConfigError(() => load({ CONFIG_FILE: 'c.json' }, { 'c.json': json }), 'CONFIG_FILE', ['Hunter2']);
  });

  it('does not let __proto__ through', () => {
    expectConfigError(() => load({ ...URL_ENV, CONFIG_FILE: 'c.yaml' }, { 'c.yaml': '__proto__:\n  polluted: true\n' }), '__proto__');
    expectConfigError(
      () => load({ ...URL_ENV, CONFIG_FILE: 'c.json' }, { 'c.json': '{"limits": {"__proto__": {"maxFiles": 1}}}' }),
      'limits.__proto__',
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('rejects duplicate keys and a non-mapping top level', () => {
    expectConfigError(() => load({ CONFIG_FILE: 'c.yaml' }, { 'c.yaml': 'port: 1\nport: 2\n' }), 'CONFIG_FILE');
    expectConfigError(() => load({ CONFIG_FILE: 'c.yaml' }, { 'c.yaml': '- a\n- b\n' }), 'CONFIG_FILE');
  });

  it('names unknown keys at every level', () => {
    const cases: Array<[string, string]> = [
      ['colour: blue\n', 'colour'],
      ['servers:\n  s:\n    url: ftp://h/\n    passive: true\n', 'servers.s.passive'],
      ['servers:\n  s:\n    url: ftp://h/\n    pool: { maximum: 3 }\n', 'servers.s.pool.maximum'],
      ['servers:\n  s:\n    url: ftp://h/\n    tls: { verify: false }\n', 'servers.s.tls.verify'],
      ['auth:\n  keys: []\n', 'auth.keys'],
      ['limits:\n  maxBytes: 3\n', 'limits.maxBytes'],
    ];
    for (const [yaml, setting] of cases) {
      expectConfigError(() => load({ ...URL_ENV, CONFIG_FILE: 'c.yaml' }, { 'c.yaml': yaml }), setting);
    }
  });

  it('names every bad value', () => {
    const s = (body: string) => `servers:\n  partner-a:\n    url: ftp://u:Secr3t@h/\n${body}`;
    const cases: Array<[string, string]> = [
      [s('    pool: { max: 0 }\n'), 'servers.partner-a.pool.max'],
      [s('    pool: { max: 2, min: 3 }\n'), 'servers.partner-a.pool.min'],
      [s('    pool: { idleTimeoutMs: 1.5 }\n'), 'servers.partner-a.pool.idleTimeoutMs'],
      [s('    pool: { acquireTimeoutMs: "10s" }\n'), 'servers.partner-a.pool.acquireTimeoutMs'],
      [s('    mode: fast\n'), 'servers.partner-a.mode'],
      [s('    type: text\n'), 'servers.partner-a.type'],
      [s('    eol: cr\n'), 'servers.partner-a.eol'],
      [s('    readOnly: "yes"\n'), 'servers.partner-a.readOnly'],
      [s('    encoding: klingon\n'), 'servers.partner-a.encoding'],
      [s('    account: "a\\r\\nPASS x"\n'), 'servers.partner-a.account'],
      [s('    account: ""\n'), 'servers.partner-a.account'],
      [s('    siteCommands: [ "RECFM=FB\\r\\nDELE x" ]\n'), 'servers.partner-a.siteCommands[0]'],
      [s('    siteCommands: [ "SITE " ]\n'), 'servers.partner-a.siteCommands'],
      [s('    siteCommands: "RECFM=FB"\n'), 'servers.partner-a.siteCommands'],
      [s('    activeAddress: ftp.example.com\n'), 'servers.partner-a.activeAddress'],
      [s('    activePorts: "9-1"\n'), 'servers.partner-a.activePorts'],
      [s('    activePorts: [9, 1]\n'), 'servers.partner-a.activePorts'],
      [s('    activePorts: [1, 70000]\n'), 'servers.partner-a.activePorts[1]'],
      [s('    textExtensions: [txt]\n'), 'servers.partner-a.textExtensions[0]'],
      [s('    tls: { mode: sometimes }\n'), 'servers.partner-a.tls.mode'],
      [s('    tls: { maxVersion: TLSv1.1 }\n'), 'servers.partner-a.tls.maxVersion'],
      [s('    tls: { ca: /missing.pem }\n'), 'servers.partner-a.tls.ca'],
      [s('    timeouts: { dataMs: 0 }\n'), 'servers.partner-a.timeouts.dataMs'],
      [s('    timeouts: { commandMs: 3000000000 }\n'), 'servers.partner-a.timeouts.commandMs'],
      ['servers:\n  s:\n    mode: active\n', 'servers.s.url'],
      ['servers:\n  s:\n    url: gopher://h/\n', 'servers.s.url'],
      ['servers:\n  s:\n    url: ftp://u:Secr3t@h/?mode=x\n', 'servers.s.url?mode'],
      ['servers:\n  -bad:\n    url: ftp://h/\n', 'servers.-bad'],
      ['servers:\n  "a b":\n    url: ftp://h/\n', 'servers.a b'],
      ['servers: []\n', 'servers'],
      ['port: 70000\n', 'port'],
      ['port: "80"\n', 'port'],
      ['host: "not a host"\n', 'host'],
      ['logLevel: loud\n', 'logLevel'],
      ['auth:\n  apiKeys: [{ scope: read }]\n', 'auth.apiKeys[0].key'],
      ['auth:\n  apiKeys: [{ key: "a b" }]\n', 'auth.apiKeys[0].key'],
      ['auth:\n  apiKeys: [{ key: k, scope: admin }]\n', 'auth.apiKeys[0].scope'],
      ['auth:\n  apiKeys: [{ key: Secr3t }, { key: Secr3t }]\n', 'auth.apiKeys'],
      ['auth:\n  disabled: 1\n', 'auth.disabled'],
      ['cors:\n  origins: ["https://app.example.com/"]\n', 'cors.origins[0]'],
      ['cors:\n  origins: "*"\n', 'cors.origins'],
      ['limits:\n  maxUploadBytes: 0\n', 'limits.maxUploadBytes'],
      ['limits:\n  maxFiles: 0\n', 'limits.maxFiles'],
      ['limits:\n  maxFields: -1\n', 'limits.maxFields'],
      ['limits:\n  maxFieldSize: 0\n', 'limits.maxFieldSize'],
      ['limits:\n  bodyIdleMs: 500\n', 'limits.bodyIdleMs'],
      ['limits:\n  sendIdleMs: 999\n', 'limits.sendIdleMs'],
      ['shutdownGraceMs: -5\n', 'shutdownGraceMs'],
    ];
    for (const [yaml, setting] of cases) {
      const env = yaml.includes('servers:') ? { CONFIG_FILE: 'c.yaml' } : { ...URL_ENV, CONFIG_FILE: 'c.yaml' };
      expectConfigError(() => load(env, { 'c.yaml': yaml }), setting, ['Secr3t']);
    }
  });

  it('cors origins accept "*" and deduplicate', () => {
    const config = load(
      { ...URL_ENV, CONFIG_FILE: 'c.yaml' },
      { 'c.yaml': 'cors:\n  origins: ["*", "https://a.example", "https://a.example"]\n' },
    );
    assert.deepEqual(config.cors.origins, ['*', 'https://a.example']);
  });

  it('limits.maxUploadBytes null means unlimited', () => {
    const config = load({ ...URL_ENV, CONFIG_FILE: 'c.yaml' }, { 'c.yaml': 'limits:\n  maxUploadBytes: null\n  maxFiles: 3\n' });
    assert.equal(config.limits.maxUploadBytes, null);
    assert.equal(config.limits.maxFiles, 3);
  });
});
