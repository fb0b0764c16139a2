import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataModeSchema, eolSchema, typeOptionSchema } from '../../../src/config/index.js';

describe('exported option schemas', () => {
  it('accept exactly the contract values', () => {
    assert.deepEqual(dataModeSchema.options, ['auto', 'passive', 'active']);
    assert.deepEqual(typeOptionSchema.options, ['binary', 'ascii', 'auto']);
    assert.deepEqual(eolSchema.options, ['lf', 'crlf']);
    assert.equal(dataModeSchema.safeParse('PASSIVE').success, false);
  });
});
