import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { ftpChannels, type FtpProfileEvent } from '../../../../src/ftp/diagnostics.js';
import { createServerKnowledge } from '../../../../src/ftp/profile/serverProfile.js';

function events(run: () => void): FtpProfileEvent[] {
  const seen: FtpProfileEvent[] = [];
  const onEvent = (m: unknown): void => void seen.push(m as FtpProfileEvent);
  diagnostics_channel.subscribe(ftpChannels.profile.name, onEvent);
  try {
    run();
  } finally {
    diagnostics_channel.unsubscribe(ftpChannels.profile.name, onEvent);
  }
  return seen;
}

describe('ServerProfile', () => {
  test('is null until a session reached the server, then shows every fact, unknown ones as null or untried', () => {
    const profile = createServerKnowledge({ name: 'a', host: 'h', port: 21 });
    assert.equal(profile.snapshot(), null);
    profile.reached();
    const s = profile.snapshot();
    assert.ok(s);
    assert.deepEqual(s.dataMethods, { EPSV: 'untried', PASV: 'untried', EPRT: 'untried', PORT: 'untried' });
    for (const fact of ['system', 'features', 'loginDirectory', 'listing', 'utf8', 'restMode', 'sessionLimit'] as const)
      assert.equal(s[fact], null);
  });

  test('publishes one event per change, none for the same value again', () => {
    const profile = createServerKnowledge({ name: 'a', host: 'h', port: 21 });
    const seen = events(() => {
      profile.learnSystem('UNIX Type: L8');
      profile.learnSystem('UNIX Type: L8');
      profile.learn('features', ['EPSV', 'UTF8']);
      profile.learn('features', ['EPSV', 'UTF8']);
      profile.learnDataMethod('PORT', 'refused', 500);
      profile.learnDataMethod('PORT', 'refused', 500);
      profile.modeMemory.set('PASV');
      profile.modeMemory.set('PASV');
    });
    assert.deepEqual(
      seen.map((e) => [e.fact, e.value]),
      [
        ['system', 'UNIX Type: L8'],
        ['features', ['EPSV', 'UTF8']],
        ['dataMethods.PORT', 'refused (500)'],
        ['autoMethod', 'PASV'],
      ],
    );
    assert.deepEqual(seen[0], { name: 'a', host: 'h', port: 21, fact: 'system', value: 'UNIX Type: L8' });
    // Learning is reaching: the profile shows from the first fact on.
    assert.equal(profile.snapshot()?.autoMethod, 'PASV');
  });

  test('a method refused with a 5xx is refused for good (skipped by later sessions); a 4xx or a later success is not', () => {
    const profile = createServerKnowledge();
    profile.learnDataMethod('PORT', 'refused', 500);
    profile.learnDataMethod('EPRT', 'refused', 421);
    profile.learnDataMethod('EPSV', 'failed');
    assert.equal(profile.refusedForGood('PORT'), true);
    assert.equal(profile.refusedForGood('EPRT'), false);
    assert.equal(profile.refusedForGood('EPSV'), false);
    assert.deepEqual(profile.snapshot()?.refusedWith, { PORT: 500, EPRT: 421 });
    profile.learnDataMethod('PORT', 'works');
    assert.equal(profile.refusedForGood('PORT'), false);
    assert.deepEqual(profile.snapshot()?.refusedWith, { EPRT: 421 });
  });

  test('pipelining goes through the shared state machine and shows in the facts', () => {
    const profile = createServerKnowledge();
    assert.equal(profile.claimPipeliningProbe(), true);
    assert.equal(profile.claimPipeliningProbe(), false, 'one probe at a time');
    assert.equal(profile.learnPipelining(false), true);
    assert.equal(profile.learnPipelining(true), false, 'once refused, stays off');
    assert.equal(profile.facts.pipelining, false);
    assert.equal(profile.pipelining, false);
  });

  test('the snapshot is a copy: changing it changes nothing learned', () => {
    const profile = createServerKnowledge();
    profile.learn('features', ['MLST']);
    const s = profile.snapshot();
    s?.features?.push('X');
    if (s) s.dataMethods.EPSV = 'works';
    assert.deepEqual(profile.facts.features, ['MLST']);
    assert.equal(profile.facts.dataMethods.EPSV, 'untried');
  });
});
