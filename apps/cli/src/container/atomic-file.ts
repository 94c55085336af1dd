// Files that readers must never see half-written: the container state, the pid file the shim
// reads. Each is written to a temporary name in the same directory and renamed into place
// (rename(2) is atomic within a filesystem).
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** writeFileAtomic replaces path with data in one step: readers see the old or the new content, never a mix. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    writeFileSync(temporary, data, { mode });
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** writePidFile writes a pid as runc does: decimal, no trailing newline, atomically (the shim polls for it). */
export function writePidFile(path: string, pid: number): void {
  writeFileAtomic(path, String(pid));
}
