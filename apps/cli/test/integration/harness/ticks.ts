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
