// Building blocks for file systems whose files are made by the kernel (/proc, /dev): a
// read-only directory of fixed entries, a file whose bytes are rendered at open (so a
// reader sees one consistent snapshot, like Linux's seq_file), and a symlink whose target
// is computed when read.
import { Filetype } from '../../abi/wasi/filetype.js';
import { sysError } from '../../errors/sys-error.js';
import type { FileDescription, FileStat } from '../../vfs/file-description.js';
import type { DirectoryInode, Filesystem, Inode, NewNode, OpenIntent } from '../../vfs/inode.js';
import { RegularFileDescription } from '../../vfs/regular-file-description.js';

/** SyntheticFilesystem is a read-only file system of kernel-made files. */
export class SyntheticFilesystem implements Filesystem {
  readonly dev: bigint;
  readonly readonly = true;
  readonly type: string;
  /** Timestamp of every synthetic file: when the file system was made. */
  readonly createdAt: bigint;
  readonly allocateIno: () => bigint;
  constructor(type: string, dev: bigint, createdAt: bigint, allocateIno: () => bigint) {
    this.type = type;
    this.dev = dev;
    this.createdAt = createdAt;
    this.allocateIno = allocateIno;
  }
}

/** SyntheticInode holds what every synthetic inode shares. */
export abstract class SyntheticInode implements Inode {
  readonly filesystem: SyntheticFilesystem;
  readonly ino: bigint;
  abstract readonly filetype: Filetype;
  constructor(filesystem: SyntheticFilesystem) {
    this.filesystem = filesystem;
    this.ino = filesystem.allocateIno();
  }
  protected sizeNow(): bigint {
    return 0n;
  }
  /** Implements Inode.stat. */
  stat(): FileStat {
    const time = this.filesystem.createdAt;
    const nlink = this.filetype === Filetype.DIRECTORY ? 2n : 1n;
    return { dev: this.filesystem.dev, ino: this.ino, filetype: this.filetype, nlink, size: this.sizeNow(), atim: time, mtim: time, ctim: time };
  }
  /** Like utimensat(2) on /proc: EPERM. */
  setTimes(_atim: bigint | null, _mtim: bigint | null): void {
    throw sysError.perm('synthetic file');
  }
  /** Like truncate(2) on /proc: EACCES... reported as EPERM here; the mount is read-only anyway. */
  setSize(_size: bigint): void {
    throw sysError.perm('synthetic file');
  }
  /** Like readlink(2) on a non-symlink: EINVAL. */
  readlink(): string {
    throw sysError.inval('not a symlink');
  }
  /** Opens the file; overridden by the kinds that can be opened. */
  open(_intent: OpenIntent): FileDescription {
    throw sysError.nxio('cannot open');
  }
}

/** SyntheticFile is a read-only regular file rendered by `render` at each open. */
export class SyntheticFile extends SyntheticInode {
  readonly filetype = Filetype.REGULAR_FILE;
  readonly render: () => Uint8Array | string;
  constructor(filesystem: SyntheticFilesystem, render: () => Uint8Array | string) {
    super(filesystem);
    this.render = render;
  }
  /** Like /proc files, whose size is reported as 0 because it is made on read. */
  protected override sizeNow(): bigint {
    return 0n;
  }
  /** Implements Inode.open: a snapshot of the rendered bytes. */
  override open(intent: OpenIntent): FileDescription {
    if (intent.write || intent.truncate) throw sysError.acces('read-only file');
    const rendered = this.render();
    const bytes = typeof rendered === 'string' ? new TextEncoder().encode(rendered) : rendered;
    return new RegularFileDescription(
      this,
      {
        size: () => BigInt(bytes.length),
        readAt: (position, target) => {
          const start = Number(position);
          const part = bytes.subarray(Math.min(start, bytes.length), Math.min(start + target.length, bytes.length));
          target.set(part);
          return part.length;
        },
        writeAt: () => {
          throw sysError.badf('read-only');
        },
        setSize: () => {
          throw sysError.inval('read-only');
        },
        sync: () => {},
        close: () => {},
      },
      intent,
    );
  }
}

/** SyntheticSymlink is a symlink whose target `resolve` computes at each read (/proc/self). */
export class SyntheticSymlink extends SyntheticInode {
  readonly filetype = Filetype.SYMBOLIC_LINK;
  readonly resolve: () => string;
  constructor(filesystem: SyntheticFilesystem, resolve: () => string) {
    super(filesystem);
    this.resolve = resolve;
  }
  /** Implements Inode.readlink. */
  override readlink(): string {
    return this.resolve();
  }
}

/** SyntheticDirectory is a read-only directory of fixed entries plus optional dynamic ones. */
export class SyntheticDirectory extends SyntheticInode implements DirectoryInode {
  readonly filetype = Filetype.DIRECTORY;
  readonly #entries = new Map<string, Inode>();
  /** Entries computed at each lookup or listing (one directory per task in /proc). */
  dynamic: (() => ReadonlyMap<string, Inode>) | undefined;
  /** add puts a fixed entry in the directory and returns it. */
  add<T extends Inode>(name: string, inode: T): T {
    this.#entries.set(name, inode);
    return inode;
  }
  #all(): Map<string, Inode> {
    const all = new Map(this.#entries);
    for (const [name, inode] of this.dynamic?.() ?? []) all.set(name, inode);
    return all;
  }
  /** Implements DirectoryInode.lookup. */
  lookup(name: string): Inode | undefined {
    return this.#entries.get(name) ?? this.dynamic?.().get(name);
  }
  /** Implements DirectoryInode.list. */
  list(): readonly { readonly name: string; readonly ino: bigint; readonly filetype: Filetype }[] {
    return [...this.#all()].map(([name, inode]) => ({ name, ino: inode.ino, filetype: inode.filetype }));
  }
  /** The mount is read-only; the VFS refuses first, this is the backstop. */
  create(_name: string, _node: NewNode): Inode {
    throw sysError.rofs();
  }
  /** Implements DirectoryInode.link: EROFS. */
  link(_name: string, _target: Inode): void {
    throw sysError.rofs();
  }
  /** Implements DirectoryInode.unlink: EROFS. */
  unlink(_name: string): void {
    throw sysError.rofs();
  }
  /** Implements DirectoryInode.rmdir: EROFS. */
  rmdir(_name: string): void {
    throw sysError.rofs();
  }
  /** Implements DirectoryInode.rename: EROFS. */
  rename(_name: string, _newParent: DirectoryInode, _newName: string): void {
    throw sysError.rofs();
  }
}
