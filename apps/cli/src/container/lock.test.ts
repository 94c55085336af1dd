import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DirectoryGoneError, withLock } from './lock.js';

const Lock = suite('withLock');
let directory = '';

Lock.before.each(() => {
  directory = mkdtempSync(join(tmpdir(), 'stasis-lock-'));
});
Lock.after.each(() => rmSync(directory, { recursive: true, force: true }));

Lock('serializes holders', async () => {
  const path = join(directory, 'lock');
  const events: string[] = [];
  const holder = (name: string) =>
    withLock(path, async () => {
      events.push(`${name} in`);
      await sleep(20);
      events.push(`${name} out`);
    });
  await Promise.all([holder('a'), holder('b'), holder('c')]);
  for (let index = 0; index < events.length; index += 2) {
    const name = (events[index] as string).split(' ')[0];
    assert.is(events[index + 1], `${name} out`, `holders interleaved: ${events.join(', ')}`);
  }
  assert.not.ok(existsSync(path), 'the lock file is removed on release');
});

Lock('releases when the holder throws', async () => {
  const path = join(directory, 'lock');
  await withLock(path, async () => {
    throw new Error('boom');
  }).catch(() => {});
  assert.is(await withLock(path, async () => 'again'), 'again');
});

Lock('takes over the lock of a dead holder', async () => {
  const path = join(directory, 'lock');
  // A process that has exited: its pid and start time no longer name a live process.
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(path, `${child.stdout} 12345`);
  assert.is(await withLock(path, async () => 'taken', { timeoutMs: 2000 }), 'taken');
  writeFileSync(path, 'garbage');
  assert.is(await withLock(path, async () => 'taken again', { timeoutMs: 2000 }), 'taken again');
});

Lock('a lock in a removed directory is DirectoryGoneError', async () => {
  try {
    await withLock(join(directory, 'gone', 'lock'), async () => undefined);
    assert.unreachable('withLock succeeded without its directory');
  } catch (error) {
    assert.instance(error, DirectoryGoneError);
  }
});

Lock.run();
