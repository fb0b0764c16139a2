import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ListingBudget } from '../../../src/gateway/listingBudget.js';

describe('ListingBudget', () => {
  it('grants what fits, refuses what does not (taking nothing), and takes back what was released', () => {
    const budget = new ListingBudget(1000);
    assert.equal(budget.reserve(600), true);
    assert.equal(budget.reserve(500), false);
    assert.equal(budget.used, 600);
    assert.equal(budget.reserve(400), true);
    budget.release(600);
    assert.equal(budget.reserve(500), true);
    assert.equal(budget.used, 900);
  });
});
