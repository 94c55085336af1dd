// Resolving a guest path to a host path inside a container's rootfs, confined to it the way
// the sentry's VFS confines the guest: `..` stops at the root and symlinks (absolute or
// relative) are followed inside the rootfs, never out of it (as runc's securejoin does).
import { lstatSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';

// Linux's MAXSYMLINKS: more links than this in one resolution is ELOOP.
const MAX_SYMLINKS = 40;

/** SymlinkLoopError: resolving a guest path met more than 40 symlinks (ELOOP). */
export class SymlinkLoopError extends Error {
  override name = 'SymlinkLoopError';
  readonly guestPath: string;
  constructor(guestPath: string) {
    super(`${guestPath}: too many levels of symbolic links`);
    this.guestPath = guestPath;
  }
}

/**
 * resolveInRootfs maps an absolute guest path to the host path it names inside rootfs,
 * following symlinks inside the rootfs. Components that do not exist are kept as they are,
 * so the result may name a missing file.
 */
export function resolveInRootfs(rootfs: string, guestPath: string): string {
  const pending = guestPath.split('/').filter(Boolean);
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const component = pending.shift() as string;
    if (component === '.') continue;
    if (component === '..') {
      resolved.pop();
      continue;
    }
    const host = join(rootfs, ...resolved, component);
    let target: string | undefined;
    try {
      if (lstatSync(host).isSymbolicLink()) target = readlinkSync(host);
    } catch {
      // Missing: keep the component; the caller reports what is missing.
    }
    if (target === undefined) {
      resolved.push(component);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new SymlinkLoopError(guestPath);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/').filter(Boolean));
  }
  return join(rootfs, ...resolved);
}

/** guestJoin resolves a guest path against a guest working directory. */
export function guestJoin(cwd: string, path: string): string {
  return posix.resolve('/', cwd, path);
}
