// The import boundaries in biome.jsonc (issue 11 §5): each layer's forbidden
// imports are reported, its allowed ones are not. Probe files are linted in a
// scratch folder with the project's own biome.json, line by line: a line
// marked `// bad` must be reported, any other must not.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';

const root = fileURLToPath(new URL('../../', import.meta.url));
const biome = join(root, 'node_modules', '.bin', 'biome');

const probes: Record<string, string[]> = {
  'src/ftp/data/probe.ts': [
    "import express from 'express'; // bad",
    "import pino from 'pino'; // bad",
    "import { z } from 'zod'; // bad",
    "import http from 'node:http'; // bad",
    "import { loadConfig } from '../../config/index.js'; // bad",
    "import { HttpError } from '../../http/httpError.js'; // bad",
    "import { ftpOps } from '../../gateway/ftpOps.js'; // bad",
    "import { createLogger } from '../../observability/logging.js'; // bad",
    "import net from 'node:net';",
    "import tarn from 'tarn';",
    "import { FtpError } from '../errors.js';",
    "import { passive } from './passive.js';",
  ],
  'src/gateway/probe.ts': [
    "import express from 'express'; // bad",
    "import http from 'node:http'; // bad",
    "import { HttpError } from '../http/httpError.js'; // bad",
    "import { FtpPool } from '../ftp/pool/ftpPool.js'; // bad",
    "import { FtpError } from '../ftp/errors.js'; // bad",
    "import { FtpPool as Pool } from '../ftp/index.js';",
    "import type { Config } from '../config/index.js';",
    "import type { Logger } from 'pino';",
    "import { logSafe } from '../observability/logSafe.js';",
    "import { joinRoot } from './ftpPaths.js';",
  ],
  'src/observability/probe.ts': [
    "import { getContext } from '../http/context.js'; // bad",
    "import { ServerRegistry } from '../gateway/serverRegistry.js'; // bad",
    "import { ftpChannels } from '../ftp/diagnostics.js'; // bad",
    "import { ftpChannels as channels } from '../ftp/index.js';",
    "import pino from 'pino';",
    "import { Registry } from 'prom-client';",
  ],
  'src/relay/probe.ts': [
    "import { FtpError } from '../ftp/index.js'; // bad",
    "import { createApp } from '../http/app.js'; // bad",
    "import express from 'express'; // bad",
    "import net from 'node:net';",
  ],
  'src/config/probe.ts': [
    "import { FtpError } from '../ftp/index.js'; // bad",
    "import { HttpError } from '../http/httpError.js'; // bad",
    "import { z } from 'zod';",
  ],
  'src/http/routes/probe.ts': [
    "import { runTransfer } from '../../ftp/data/transfer.js'; // bad",
    "import { FtpError } from '../../ftp/index.js';",
    "import { ensureDirectory } from '../../gateway/ftpOps.js';",
    "import express from 'express';",
  ],
  'src/probe.ts': ["import { FtpClient } from './ftp/ftpClient.js'; // bad", "import { connectFtp } from './ftp/index.js';"],
  // Tests reach inside the layers on purpose.
  'test/unit/probe.test.ts': ["import { runTransfer } from '../../src/ftp/data/transfer.js';"],
};

const scratch = mkdtempSync(join(tmpdir(), 'boundaries-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('biome.jsonc reports every import that crosses a layer boundary, and only those', () => {
  copyFileSync(join(root, 'biome.jsonc'), join(scratch, 'biome.jsonc'));
  for (const [path, lines] of Object.entries(probes)) {
    mkdirSync(dirname(join(scratch, path)), { recursive: true });
    writeFileSync(join(scratch, path), `${lines.join('\n')}\n`);
  }
  let output: string;
  try {
    output = execFileSync(biome, ['lint', '--vcs-enabled=false', '--reporter=json', '--max-diagnostics=1000', '.'], {
      cwd: scratch,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (err) {
    output = (err as { stdout: string }).stdout; // exit code 1: there are errors, as there must be
  }
  const report = JSON.parse(output) as { diagnostics: Array<{ category: string; location: { path: string; start: { line: number } } }> };
  const found = new Set(
    report.diagnostics
      .filter((d) => d.category === 'lint/style/noRestrictedImports')
      .map((d) => `${d.location.path}:${d.location.start.line}`),
  );
  const expected = new Set(
    Object.entries(probes).flatMap(([path, lines]) => lines.flatMap((line, i) => (line.endsWith('// bad') ? [`${path}:${i + 1}`] : []))),
  );
  assert.deepEqual([...found].sort(), [...expected].sort());
});
