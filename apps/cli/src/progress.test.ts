import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createProgressDisplay, formatBytes, formatProgress } from './progress.js';

const Progress = suite('Progress');

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) > 0 };
}

Progress('prints nothing when stderr is not a terminal', () => {
  const output = stream(false);
  const display = createProgressDisplay('checkpoint', output);
  display.update(10, 100);
  display.update(100, 100);
  display.done();
  assert.equal(output.written, []);
});

Progress('on a terminal, redraws one line and clears it when done', () => {
  const output = stream(true);
  let now = 1000;
  const display = createProgressDisplay('checkpoint', output, () => now);
  now += 500;
  display.update(1024 * 1024, 4 * 1024 * 1024);
  now += 10;
  display.update(2 * 1024 * 1024, 4 * 1024 * 1024); // within the redraw interval: skipped
  now += 500;
  display.update(4 * 1024 * 1024, 4 * 1024 * 1024);
  display.done();
  assert.is(output.written.length, 3, `writes: ${JSON.stringify(output.written)}`);
  assert.match(output.written[0] as string, /^\r\x1b\[Kcheckpoint: 1\.0 MiB \/ 4\.0 MiB \(25%\), 2\.0 MiB\/s$/);
  assert.match(output.written[1] as string, /4\.0 MiB \/ 4\.0 MiB \(100%\)/);
  assert.is(output.written[2], '\r\x1b[K');
});

Progress('formatBytes uses binary units', () => {
  assert.is(formatBytes(0), '0 B');
  assert.is(formatBytes(1023), '1023 B');
  assert.is(formatBytes(1536), '1.5 KiB');
  assert.is(formatBytes(3 * 1024 ** 3), '3.0 GiB');
  assert.is(formatProgress('restore', 0, 0, 0), 'restore: 0 B / 0 B');
});

Progress.run();
