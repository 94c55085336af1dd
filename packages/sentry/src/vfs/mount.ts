// The mount tree: each mount attaches a file system's root over a mount point of its parent
// mount, like Linux's struct mount. A directory is mounted over a directory; a single host
// file (Docker's /etc/hosts, /etc/resolv.conf) is bind-mounted over a file.
import { type DirectoryInode, type Filesystem, type Inode, inodeKey, isDirectoryInode } from './inode.js';
import type { DirectoryLocation, Location } from './location.js';

/** Mount is one file system attached in the tree. */
export class Mount {
  readonly id: number;
  readonly filesystem: Filesystem;
  /** The mounted root: a directory, or a file for a single-file bind mount. */
  readonly root: Inode;
  /** Where the mount is attached; undefined for the root mount. */
  readonly mountpoint: Location | undefined;
  /** Guest path of the mount point, for reporting. */
  readonly path: string;
  constructor(id: number, root: Inode, mountpoint: Location | undefined, path: string) {
    this.id = id;
    this.filesystem = root.filesystem;
    this.root = root;
    this.mountpoint = mountpoint;
    this.path = path;
  }
}

/** DirectoryMount is a Mount whose root is a directory. */
export interface DirectoryMount extends Mount {
  readonly root: DirectoryInode;
}

/** MountTable finds the mount attached over a location, keyed by (parent mount, dev, ino). */
export class MountTable {
  readonly #byMountpoint = new Map<string, Mount>();
  readonly mounts: Mount[] = [];

  /** add records a mount; a later mount over the same point hides the earlier one, as in Linux. */
  add(mount: Mount): void {
    this.mounts.push(mount);
    if (mount.mountpoint !== undefined) this.#byMountpoint.set(keyOf(mount.mountpoint), mount);
  }

  /** mountedAt returns the directory mount attached over `location`, if any (following stacked mounts). */
  mountedAt(location: DirectoryLocation): DirectoryMount | undefined {
    const mount = this.#top(location);
    return mount !== undefined && isDirectoryInode(mount.root) ? (mount as DirectoryMount) : undefined;
  }

  /** fileMountedAt returns the single-file bind mount attached over the file at `location`, if any. */
  fileMountedAt(location: Location): Mount | undefined {
    const mount = this.#top(location);
    return mount !== undefined && !isDirectoryInode(mount.root) ? mount : undefined;
  }

  /** isMountpoint tells whether something is mounted over `location`, which then cannot be removed (EBUSY). */
  isMountpoint(location: Location): boolean {
    return this.#byMountpoint.has(keyOf(location));
  }

  #top(location: Location): Mount | undefined {
    let mount = this.#byMountpoint.get(keyOf(location));
    if (mount === undefined) return undefined;
    for (;;) {
      const above = this.#byMountpoint.get(keyOf({ mount, inode: mount.root }));
      if (above === undefined) return mount;
      mount = above;
    }
  }
}

function keyOf(location: Location): string {
  return `${location.mount.id}/${inodeKey(location.inode)}`;
}
