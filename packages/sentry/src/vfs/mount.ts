// The mount tree: each mount attaches a file system's root directory over a directory
// (the mount point) of its parent mount, like Linux's struct mount.
import type { DirectoryInode, Filesystem } from './inode.js';
import { inodeKey } from './inode.js';
import type { DirectoryLocation } from './location.js';

/** Mount is one file system attached in the tree. */
export class Mount {
  readonly id: number;
  readonly filesystem: Filesystem;
  readonly root: DirectoryInode;
  /** Where the mount is attached; undefined for the root mount. */
  readonly mountpoint: DirectoryLocation | undefined;
  /** Guest path of the mount point, for reporting. */
  readonly path: string;
  constructor(id: number, root: DirectoryInode, mountpoint: DirectoryLocation | undefined, path: string) {
    this.id = id;
    this.filesystem = root.filesystem;
    this.root = root;
    this.mountpoint = mountpoint;
    this.path = path;
  }
}

/** MountTable finds the mount attached over a directory, keyed by (parent mount, dev, ino). */
export class MountTable {
  readonly #byMountpoint = new Map<string, Mount>();
  readonly mounts: Mount[] = [];

  /** add records a mount; a later mount over the same point hides the earlier one, as in Linux. */
  add(mount: Mount): void {
    this.mounts.push(mount);
    if (mount.mountpoint !== undefined) this.#byMountpoint.set(keyOf(mount.mountpoint), mount);
  }

  /** mountedAt returns the mount attached over `location`, if any (following stacked mounts). */
  mountedAt(location: DirectoryLocation): Mount | undefined {
    let mount = this.#byMountpoint.get(keyOf(location));
    if (mount === undefined) return undefined;
    for (;;) {
      const above = this.#byMountpoint.get(keyOf({ mount, inode: mount.root }));
      if (above === undefined) return mount;
      mount = above;
    }
  }

  /** isMountpoint tells whether something is mounted over `location`, which then cannot be removed (EBUSY). */
  isMountpoint(location: DirectoryLocation): boolean {
    return this.#byMountpoint.has(keyOf(location));
  }
}

function keyOf(location: DirectoryLocation): string {
  return `${location.mount.id}/${inodeKey(location.inode)}`;
}
