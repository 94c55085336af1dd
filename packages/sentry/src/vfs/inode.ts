// The inode model every file system implements. An Inode is identified by (dev, ino);
// the same file may be represented by several Inode objects (a host file system makes
// one per lookup), so the VFS compares keys, never object identity.
import type { Filetype } from '../abi/wasi/filetype.js';
import type { FileDescription, FileStat } from './file-description.js';

/** Filesystem is what the VFS needs to know about a mounted file system. */
export interface Filesystem {
  /** The device number reported in filestat.dev, unique per file system in a kernel. */
  readonly dev: bigint;
  /** Writes fail with EROFS when set. */
  readonly readonly: boolean;
  /** A short name for /proc/mounts-style reporting: 'tmpfs', 'overlay', 'bind', 'proc', 'dev'. */
  readonly type: string;
}

/** OpenIntent is what path_open asks of a regular file or device once it is found. */
export interface OpenIntent {
  readonly read: boolean;
  readonly write: boolean;
  readonly truncate: boolean;
  /** Fdflags requested at open (APPEND, NONBLOCK, SYNC...). */
  readonly flags: number;
}

/** Inode is a file in a file system: a directory, regular file, symlink or device. */
export interface Inode {
  readonly filesystem: Filesystem;
  readonly ino: bigint;
  readonly filetype: Filetype;
  stat(): FileStat;
  /**
   * statAfterLookup is stat answered from the lookup that made this inode object, for a file
   * system whose lookup already read the attributes (a host lstat); the VFS calls it only in
   * the same operation, right after that lookup. Undefined when there is nothing kept.
   */
  statAfterLookup?(): FileStat | undefined;
  /** Sets atim and/or mtim (null leaves one unchanged). */
  setTimes(atim: bigint | null, mtim: bigint | null): void;
  /** Truncates or extends a regular file; EINVAL for other types, EISDIR for a directory. */
  setSize(size: bigint): void;
  /** Opens a non-directory; directories are opened by the VFS. */
  open(intent: OpenIntent): FileDescription;
  /** The target of a symlink; EINVAL for other types. */
  readlink(): string;
}

/** NewNode is what a directory creates: a file, a directory or a symlink. */
export type NewNode = { readonly kind: 'file' } | { readonly kind: 'directory' } | { readonly kind: 'symlink'; readonly target: string };

/** DirectoryInode is an Inode with the directory operations, each acting on one name in it. */
export interface DirectoryInode extends Inode {
  /** The child called `name`, or undefined when there is none. */
  lookup(name: string): Inode | undefined;
  /** Names other than `.` and `..`, in a stable order. */
  list(): readonly { readonly name: string; readonly ino: bigint; readonly filetype: Filetype }[];
  /** Creates `name`; EEXIST when it exists. */
  create(name: string, node: NewNode): Inode;
  /** Makes `name` another link to `target` (same file system; the VFS checks that). */
  link(name: string, target: Inode): void;
  /** Removes the non-directory `name`. */
  unlink(name: string): void;
  /** Removes the empty directory `name`. */
  rmdir(name: string): void;
  /** Moves `name` to `newName` in `newParent` (same file system), replacing a compatible target. */
  rename(name: string, newParent: DirectoryInode, newName: string): void;
}

/** isDirectoryInode tells whether an inode has the directory operations. */
export function isDirectoryInode(inode: Inode): inode is DirectoryInode {
  return typeof (inode as Partial<DirectoryInode>).lookup === 'function';
}

/** inodeKey is the identity of a file across Inode objects: `dev:ino`. */
export function inodeKey(inode: Inode): string {
  return `${inode.filesystem.dev}:${inode.ino}`;
}
