// The Dockerfile cannot be built here (no docker engine), so what the rest of
// the project relies on is read from it: both stages on the same Node line
// and Debian release, and the runtime's NODE_OPTIONS those the reliability
// tier and the bench measure with.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { IMAGE_NODE_OPTIONS } from '../../helpers/imageNodeOptions.js';

const dockerfile = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'Dockerfile'), 'utf8');
const arg = (name: string): string | undefined => new RegExp(`^ARG ${name}=(\\S+)$`, 'm').exec(dockerfile)?.[1];

describe('Dockerfile', () => {
  it('builds the relay addon on the full image of the Node line and Debian release it runs on (Node 24)', () => {
    const build = arg('BUILD_IMAGE');
    assert.match(build ?? '', /^node:24-[a-z]+$/);
    assert.equal(arg('NODE_IMAGE'), `${build}-slim`);
    assert.match(dockerfile, /^FROM \$\{BUILD_IMAGE\} AS build$/m);
    assert.match(dockerfile, /^FROM \$\{NODE_IMAGE\} AS runtime$/m);
  });

  it('runs the gateway with the NODE_OPTIONS the reliability tier and the bench use', () => {
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    assert.equal(/NODE_OPTIONS=(\S+)/.exec(runtime)?.[1], IMAGE_NODE_OPTIONS);
  });
});
