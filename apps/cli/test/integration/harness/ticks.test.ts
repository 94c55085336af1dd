import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { continuationProblem, describeTicks, findGap, parseTicks } from './ticks.js';

const Ticks = suite('ticks');

Ticks('parseTicks reads complete tick lines, with or without a terminal\'s carriage return', () => {
  const got = parseTicks('tick 1\ntick 2\r\nWARNING: something\ntick 3\ntick 4');
  assert.equal(got, [1, 2, 3], `parseTicks: got ${got}, want [1, 2, 3] (the unfinished "tick 4" left out)`);
});

Ticks('findGap finds a restart and a skip, and nothing in an unbroken count', () => {
  assert.equal(findGap([4, 5, 6]), undefined);
  assert.equal(findGap([1, 2, 3, 1, 2]), { index: 3, previous: 3, next: 1 });
  assert.equal(findGap([1, 2, 4]), { index: 2, previous: 2, next: 4 });
  assert.equal(findGap([]), undefined);
});

Ticks('describeTicks shows runs', () => {
  assert.is(describeTicks([1, 2, 3, 7, 3, 4]), '1..3, 7, 3..4');
  assert.is(describeTicks([]), '(no ticks)');
});

Ticks('continuationProblem accepts a continued count and names a restart, a jump and a gap', () => {
  assert.is(continuationProblem([6, 7, 8], 3, 9), undefined);
  assert.is(continuationProblem([4, 5], 3, 3), undefined);
  assert.match(continuationProblem([1, 2, 3], 3, 9) ?? '', 'first tick is 1, want 4..10');
  assert.match(continuationProblem([11, 12], 3, 9) ?? '', 'first tick is 11');
  assert.match(continuationProblem([6, 8], 3, 9) ?? '', 'skip or repeat');
  assert.is(continuationProblem([], 3, 9), 'no ticks after the restore');
});

Ticks.run();

const TicksProperties = suite('ticks properties');

TicksProperties('parseTicks inverts the probe\'s output, and an unbroken count has no gap', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 0, max: 50 }), (start, length) => {
      const ticks = Array.from({ length }, (_, index) => start + index);
      const text = ticks.map((tick) => `tick ${tick}\n`).join('');
      assert.equal(parseTicks(text), ticks);
      assert.is(findGap(ticks), undefined);
    }),
  );
});

TicksProperties('findGap points at the first number that does not follow its predecessor', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 2, maxLength: 30 }), (ticks) => {
      const gap = findGap(ticks);
      const expected = ticks.findIndex((tick, index) => index > 0 && tick !== ticks[index - 1]! + 1);
      assert.is(gap?.index ?? -1, expected, `findGap(${JSON.stringify(ticks)}): got ${gap?.index}, want ${expected}`);
    }),
  );
});

TicksProperties.run();
