// One stasis invocation at a time per container (runc takes a flock on its state directory).
// Node has no flock, so the lock is a file created with O_EXCL that names its holder; a holder
// that has died (crashed, killed) is detected by its process identity and its lock is taken
// over. The lock lives inside the container directory, so `delete` removing the directory also
// releases it, and a waiter then sees the directory gone.
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockTimeoutError } from './errors.js';
import { type ProcessIdentity, currentProcessIdentity, isProcessAlive } from './process-liveness.js';

/** LockOptions tunes waiting for a held lock. */
export interface LockOptions {
  /** How long to wait for a live holder before giving up; checkpoints of big sandboxes hold it for a while. */
  readonly timeoutMs?: number;
}

/** DirectoryGoneError: the directory that should hold the lock does not exist (the container was deleted). */
export class DirectoryGoneError extends Error {
  override name = 'DirectoryGoneError';
  readonly path: string;
  constructor(path: string, options?: { cause?: unknown }) {
    super(`${path}: directory does not exist`, options);
    this.path = path;
  }
}

// A lock file is created empty and then names its holder; a holder that died in between
// leaves an empty file, which is considered abandoned after this long.
const UNNAMED_LOCK_GRACE_MS = 5_000;

type Holder = { readonly kind: 'live'; readonly pid: number } | { readonly kind: 'stale'; readonly text: string } | { readonly kind: 'released' };

/** withLock runs fn holding the lock file at path, and releases it however fn ends. */
export async function withLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  await acquire(path, options.timeoutMs ?? 10 * 60_000);
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}

async function acquire(path: string, timeoutMs: number): Promise<void> {
  const me = currentProcessIdentity();
  const started = Date.now();
  let delayMs = 5;
  for (;;) {
    const holder = tryCreate(path, me);
    if (holder === undefined) return;
    if (holder.kind === 'stale') {
      takeOverStale(path, holder.text);
      continue;
    }
    if (holder.kind === 'released') continue;
    const waited = Date.now() - started;
    if (waited > timeoutMs) throw new LockTimeoutError(path, holder.pid, waited);
    await sleep(delayMs);
    delayMs = Math.min(delayMs * 2, 100);
  }
}

// Creates the lock; returns undefined when it is now ours, else who holds it.
function tryCreate(path: string, me: ProcessIdentity): Holder | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DirectoryGoneError(path, { cause: error });
    if (code !== 'EEXIST') throw error;
    return readHolder(path);
  }
  try {
    writeSync(fd, `${me.pid} ${me.startTime}`);
  } finally {
    closeSync(fd);
  }
  return undefined;
}

function readHolder(path: string): Holder {
  let text: string;
  let ageMs: number;
  try {
    text = readFileSync(path, 'utf8');
    ageMs = Date.now() - statSync(path).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'released' };
    throw error;
  }
  if (text === '') return ageMs > UNNAMED_LOCK_GRACE_MS ? { kind: 'stale', text } : { kind: 'live', pid: 0 };
  const [pid, startTime] = text.split(' ');
  if (!pid || !startTime || !/^\d+$/.test(pid)) return { kind: 'stale', text };
  return isProcessAlive({ pid: Number(pid), startTime }) ? { kind: 'live', pid: Number(pid) } : { kind: 'stale', text };
}

// Moves a dead holder's lock aside. rename is atomic, so of several waiters only one moves a
// given file; a waiter that moved a lock someone took in the meantime puts it back (link
// fails rather than overwrite a newer lock).
function takeOverStale(path: string, staleText: string): void {
  const aside = `${path}.stale.${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  try {
    if (readFileSync(aside, 'utf8') !== staleText) linkSync(aside, path);
  } catch {
    // The lock was re-taken meanwhile: the newer lock stays.
  } finally {
    rmSync(aside, { force: true });
  }
}
