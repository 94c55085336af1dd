// Reading the probe's `tick N` lines: the count lives only in the program's memory, so the
// numbers show whether a restored program continued where it stopped or started over.

const TICK_LINE = /^tick (\d+)\r?$/;

/** parseTicks returns the numbers of the complete `tick N` lines of text, in order; a last line without its newline is still being written and is left out. */
export function parseTicks(text: string): number[] {
  const lines = text.split('\n');
  lines.pop();
  const ticks: number[] = [];
  for (const line of lines) {
    const match = TICK_LINE.exec(line);
    if (match) ticks.push(Number(match[1]));
  }
  return ticks;
}

/** TickGap is where a run of ticks stops counting by one: `ticks[index]` does not follow `ticks[index - 1]`. */
export interface TickGap {
  readonly index: number;
  readonly previous: number;
  readonly next: number;
}

/** findGap returns the first place where ticks do not count up by one, or undefined when they all do. */
export function findGap(ticks: readonly number[]): TickGap | undefined {
  for (let index = 1; index < ticks.length; index++) {
    const previous = ticks[index - 1]!;
    const next = ticks[index]!;
    if (next !== previous + 1) return { index, previous, next };
  }
  return undefined;
}

/** describeTicks renders ticks compactly for failure messages: `1..7, 3..5`. */
export function describeTicks(ticks: readonly number[]): string {
  if (ticks.length === 0) return '(no ticks)';
  const runs: string[] = [];
  let start = ticks[0]!;
  for (let index = 1; index <= ticks.length; index++) {
    const previous = ticks[index - 1]!;
    if (index === ticks.length || ticks[index] !== previous + 1) {
      runs.push(start === previous ? `${start}` : `${start}..${previous}`);
      if (index < ticks.length) start = ticks[index]!;
    }
  }
  return runs.join(', ');
}

/**
 * continuationProblem checks the ticks a program wrote after a restore and says what is wrong,
 * or returns undefined. They must count up by one from a first tick past `seenBefore`, the
 * count the program had written when it was checkpointed, and no later than one past
 * `lastBefore`, the last tick it wrote before it was stopped. A program that started over
 * would write 1.
 */
export function continuationProblem(after: readonly number[], seenBefore: number, lastBefore: number): string | undefined {
  const first = after[0];
  if (first === undefined) return 'no ticks after the restore';
  if (first <= seenBefore || first > lastBefore + 1) {
    return `after the restore the first tick is ${first}, want ${seenBefore + 1}..${lastBefore + 1} (ticks ${describeTicks(after)})`;
  }
  if (findGap(after) !== undefined) return `after the restore the ticks ${describeTicks(after)} skip or repeat`;
  return undefined;
}
