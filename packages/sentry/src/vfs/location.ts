import type { DirectoryInode, Inode } from './inode.js';
import type { Mount } from './mount.js';

/** Location is a file as reached in the mount tree: the mount it was reached through and its inode. */
export interface Location {
  readonly mount: Mount;
  readonly inode: Inode;
}

/** DirectoryLocation is a Location whose inode is a directory. */
export interface DirectoryLocation extends Location {
  readonly inode: DirectoryInode;
}
