// Path resolution, confined beneath the directory it starts from (Linux openat2's
// RESOLVE_BENEATH, which is what WASI's capability model asks of every path_* call).
//
// The walk keeps the stack of directories it went through, so `..` returns to where the
// walk came from (across mount points too) and can never climb above the starting
// directory: that is an escape, EPERM, as wasmtime reports it. Symlinks are read and
// their targets walked by this same loop, never by the host; an absolute target restarts
// at the namespace root, which is allowed only when the walk started there (the OCI case
// of a preopen named `/`). Every component is looked up by the file system that owns it,
// so no host path is ever handed to the host unresolved.
import { Filetype } from '../abi/wasi/filetype.js';
import { sysError } from '../errors/sys-error.js';
import { type DirectoryInode, type Inode, inodeKey, isDirectoryInode } from './inode.js';
import type { DirectoryLocation, Location } from './location.js';
import type { MountTable } from './mount.js';

/** MAX_SYMLINK_HOPS is Linux's MAXSYMLINKS: more symlinks than this in one walk is ELOOP. */
export const MAX_SYMLINK_HOPS = 40;
/** NAME_MAX is the longest path component in bytes (ENAMETOOLONG beyond). */
export const NAME_MAX = 255;
/** PATH_MAX is the longest path in bytes (ENAMETOOLONG beyond). */
export const PATH_MAX = 4096;

/** Namespace is what a walk needs: the mount table and the root every absolute symlink starts from. */
export interface Namespace {
  readonly mounts: MountTable;
  readonly root: DirectoryLocation;
}

/** Resolved is a file found by resolvePath, with the directory it was found in. */
export interface Resolved {
  readonly location: Location;
  /** The directory the walk reached the file through (the start itself for `.`). */
  readonly parent: DirectoryLocation;
  /**
   * The file's inode object was made by a lookup of this walk (it is not the start, nor a
   * mount's root), so Inode.statAfterLookup may answer for it: nothing ran in between.
   */
  readonly lookedUp: boolean;
}

/** ResolvedParent is the directory that holds (or would hold) the last component, and its name. */
export interface ResolvedParent {
  readonly parent: DirectoryLocation;
  /** The last component; may be `.` or `..`, which callers refuse as their operation requires. */
  readonly name: string;
  /** The path ended in `/`: the name must be (or become) a directory. */
  readonly trailingSlash: boolean;
}

interface Walk {
  readonly namespace: Namespace;
  readonly startsAtRoot: boolean;
  stack: DirectoryLocation[];
  pending: string[];
  trailingSlash: boolean;
  hops: number;
  /** The inode the last lookup of this walk returned. */
  lastLookedUp: Inode | undefined;
}

/** splitPath validates a guest path and splits it into components (empty ones dropped). */
export function splitPath(path: string): { components: string[]; trailingSlash: boolean } {
  if (path.includes('\0')) throw sysError.inval('path contains NUL');
  if (Buffer.byteLength(path) > PATH_MAX) throw sysError.nametoolong('path');
  if (path === '') throw sysError.noent('empty path');
  const components = path.split('/').filter((component) => component !== '');
  for (const component of components) {
    if (Buffer.byteLength(component) > NAME_MAX) throw sysError.nametoolong(component.slice(0, 32));
  }
  return { components, trailingSlash: path.endsWith('/') };
}

function beginWalk(namespace: Namespace, start: DirectoryLocation, path: string): Walk {
  if (path.startsWith('/')) throw sysError.perm(`absolute path ${path}`);
  const { components, trailingSlash } = splitPath(path);
  return {
    namespace,
    startsAtRoot: sameLocation(start, namespace.root),
    stack: [start],
    pending: components,
    trailingSlash,
    hops: 0,
    lastLookedUp: undefined,
  };
}

function top(walk: Walk): DirectoryLocation {
  return walk.stack[walk.stack.length - 1]!;
}

function climb(walk: Walk): void {
  if (walk.stack.length === 1) throw sysError.perm('path escapes its directory');
  walk.stack.pop();
}

/** Replaces a symlink component by its target's components. */
function expandSymlink(walk: Walk, link: Inode, isLast: boolean): void {
  walk.hops += 1;
  if (walk.hops > MAX_SYMLINK_HOPS) throw sysError.loop('too many symlinks');
  const target = link.readlink();
  if (target === '') throw sysError.noent('empty symlink');
  if (target.startsWith('/')) {
    if (!walk.startsAtRoot) throw sysError.perm(`symlink to absolute path ${target}`);
    walk.stack = [walk.namespace.root];
  }
  const expanded = splitPath(target);
  if (isLast && expanded.trailingSlash) walk.trailingSlash = true;
  walk.pending.unshift(...expanded.components);
}

/** Enters a child directory, crossing into whatever is mounted over it. */
function enter(walk: Walk, directory: DirectoryInode): DirectoryLocation {
  const here: DirectoryLocation = { mount: top(walk).mount, inode: directory };
  const mounted = walk.namespace.mounts.mountedAt(here);
  return mounted === undefined ? here : { mount: mounted, inode: mounted.root };
}

function lookupChild(parent: DirectoryLocation, name: string): Inode {
  const child = parent.inode.lookup(name);
  if (child === undefined) throw sysError.noent(name);
  return child;
}

/**
 * resolvePath finds the file `path` names relative to `start`. The last component is a
 * symlink itself unless `followFinal` (or a trailing slash) says to follow it.
 */
export function resolvePath(
  namespace: Namespace,
  start: DirectoryLocation,
  path: string,
  options: { readonly followFinal: boolean },
): Resolved {
  const walk = beginWalk(namespace, start, path);
  for (;;) {
    const component = walk.pending.shift();
    if (component === undefined) {
      const here = top(walk);
      const parent = walk.stack.length > 1 ? walk.stack[walk.stack.length - 2]! : here;
      return { location: here, parent, lookedUp: here.inode === walk.lastLookedUp };
    }
    if (component === '.') continue;
    if (component === '..') {
      climb(walk);
      continue;
    }
    const isLast = walk.pending.length === 0;
    const parent = top(walk);
    const child = lookupChild(parent, component);
    walk.lastLookedUp = child;
    if (child.filetype === Filetype.SYMBOLIC_LINK && (!isLast || options.followFinal || walk.trailingSlash)) {
      expandSymlink(walk, child, isLast);
      continue;
    }
    if (isDirectoryInode(child)) {
      walk.stack.push(enter(walk, child));
      continue;
    }
    if (!isLast || walk.trailingSlash) throw sysError.notdir(component);
    const location = fileLocation(namespace.mounts, { mount: parent.mount, inode: child });
    return { location, parent, lookedUp: location.inode === child };
  }
}

/** fileLocation is where a walk that found the non-directory `here` ends: the single-file bind mount over it, if any. */
export function fileLocation(mounts: MountTable, here: Location): Location {
  const bound = mounts.fileMountedAt(here);
  return bound === undefined ? here : { mount: bound, inode: bound.root };
}

/**
 * resolveParent walks every component but the last, which it returns by name, for the
 * calls that create, remove or rename it. A symlink as the last component is not followed.
 */
export function resolveParent(namespace: Namespace, start: DirectoryLocation, path: string): ResolvedParent {
  const walk = beginWalk(namespace, start, path);
  if (walk.pending.length === 0) return { parent: start, name: '.', trailingSlash: walk.trailingSlash };
  for (;;) {
    const component = walk.pending.shift()!;
    if (walk.pending.length === 0) return { parent: top(walk), name: component, trailingSlash: walk.trailingSlash };
    if (component === '.') continue;
    if (component === '..') {
      climb(walk);
      continue;
    }
    const child = lookupChild(top(walk), component);
    if (child.filetype === Filetype.SYMBOLIC_LINK) {
      expandSymlink(walk, child, false);
      continue;
    }
    if (!isDirectoryInode(child)) throw sysError.notdir(component);
    walk.stack.push(enter(walk, child));
  }
}

/** sameLocation tells whether two locations are the same directory reached through the same mount. */
export function sameLocation(a: Location, b: Location): boolean {
  return a.mount === b.mount && inodeKey(a.inode) === inodeKey(b.inode);
}
