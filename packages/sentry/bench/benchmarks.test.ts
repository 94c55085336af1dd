import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { signTest, statistics } from './benchmarks.js';

test('signTest gives the two-sided binomial tail', () => {
  // 7 of 8: (1 + 8) / 256, doubled.
  assert.is(signTest(7, 8), 18 / 256);
  assert.is(signTest(1, 8), 18 / 256);
  assert.is(signTest(8, 8), 2 / 256);
  assert.is(signTest(0, 6), 2 / 64);
  // An even split, or anything near it, is no evidence: capped at 1.
  assert.is(signTest(4, 8), 1);
  assert.is(signTest(3, 6), 1);
  assert.ok(signTest(5, 10) === 1 && signTest(6, 10) > 0.5);
});

test('signTest refuses a split that cannot happen', () => {
  for (const [wins, rounds] of [
    [9, 8],
    [-1, 8],
    [1.5, 8],
    [0, 0],
  ] as const) {
    assert.throws(() => signTest(wins, rounds), RangeError, `${wins} of ${rounds}`);
  }
});

test('statistics gives median and extremes, rounded to 0.1', () => {
  assert.equal(statistics([3, 1, 2]), { median: 2, min: 1, max: 3, runs: 3 });
  assert.equal(statistics([4, 1, 2, 3.04]), { median: 2.5, min: 1, max: 4, runs: 4 });
});

test.run();
