import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFeatures } from '../../../../src/ftp/control/features.js';

describe('FEAT', () => {
  test('features are keyed upper case with their arguments', () => {
    const features = parseFeatures(['211-Features:', ' MDTM', ' MLST type*;size*;modify*;', ' rest STREAM', ' UTF8', '211 End'].join('\n'));
    assert.deepEqual([...features.keys()], ['MDTM', 'MLST', 'REST', 'UTF8']);
    assert.equal(features.get('MLST'), 'type*;size*;modify*;');
    assert.equal(features.get('REST'), 'STREAM');
  });
  test('a single-line FEAT reply has no features', () => {
    assert.equal(parseFeatures('211 no features').size, 0);
  });
});
