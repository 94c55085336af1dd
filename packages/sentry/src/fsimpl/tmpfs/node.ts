// The inodes of tmpfs. Directories hold their children in insertion order (the order
// fd_readdir cookies index) and a parent pointer, used to refuse moving a directory
// into itself. A directory or file may carry a lower-layer source (the overlay's
// read-only layer) that fills it lazily: a directory on first access, a file's bytes on
// first write (copy-up); until then reads go to the lower layer.
import { Filetype } from '../../abi/wasi/filetype.js';
import { sysError } from '../../errors/sys-error.js';
import type { FileDescription, FileStat } from '../../vfs/file-description.js';
import type { DirectoryInode, Inode, NewNode, OpenIntent } from '../../vfs/inode.js';
import { type FileContents, RegularFileDescription } from '../../vfs/regular-file-description.js';
import { FileData } from './file-data.js';
import { ENTRY_COST, type TmpfsFilesystem } from './tmpfs.js';

/** LowerDirectory fills a directory from the overlay's lower layer, once. */
export interface LowerDirectory {
  /** Relative path in the lower layer, saved so a restore can re-bind it to a new rootfs. */
  readonly path: string;
  fill(directory: TmpfsDirectory): void;
}

/** LowerFile reads a file's bytes from the overlay's lower layer until it is copied up. */
export interface LowerFile {
  readonly path: string;
  readonly size: number;
  read(position: number, target: Uint8Array): number;
}

/** TmpfsNode holds what every tmpfs inode has: number, link count and nanosecond timestamps. */
export abstract class TmpfsNode implements Inode {
  readonly filesystem: TmpfsFilesystem;
  readonly ino: bigint;
  abstract readonly filetype: Filetype;
  nlink = 1;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
  constructor(filesystem: TmpfsFilesystem, ino?: bigint) {
    this.filesystem = filesystem;
    this.ino = ino ?? filesystem.allocateIno();
    const now = filesystem.now();
    this.atim = now;
    this.mtim = now;
    this.ctim = now;
  }
  abstract get size(): bigint;

  /** Implements Inode.stat. */
  stat(): FileStat {
    return {
      dev: this.filesystem.dev,
      ino: this.ino,
      filetype: this.filetype,
      nlink: BigInt(this.nlink),
      size: this.size,
      atim: this.atim,
      mtim: this.mtim,
      ctim: this.ctim,
    };
  }

  /** Implements Inode.setTimes; like utimensat(2), any change also sets ctime. */
  setTimes(atim: bigint | null, mtim: bigint | null): void {
    if (atim !== null) this.atim = atim;
    if (mtim !== null) this.mtim = mtim;
    this.ctim = this.filesystem.now();
  }

  /** Marks a content change, as Linux's file_update_time(). */
  touch(): void {
    const now = this.filesystem.now();
    this.mtim = now;
    this.ctim = now;
  }

  /** Like truncate(2) on a non-regular file: EINVAL. */
  setSize(_size: bigint): void {
    throw sysError.inval('not a regular file');
  }

  /** Like readlink(2) on a non-symlink: EINVAL. */
  readlink(): string {
    throw sysError.inval('not a symlink');
  }

  /** Opens a non-directory; subclasses that can be opened override this. */
  open(_intent: OpenIntent): FileDescription {
    throw sysError.nxio('cannot open');
  }
}

/** TmpfsFile is a regular file in memory (or still in the lower layer). */
export class TmpfsFile extends TmpfsNode {
  readonly filetype = Filetype.REGULAR_FILE;
  readonly data: FileData;
  /** The lower-layer file this one still reads from; undefined once copied up. */
  lower: LowerFile | undefined;
  constructor(filesystem: TmpfsFilesystem, lower?: LowerFile, ino?: bigint) {
    super(filesystem, ino);
    this.data = new FileData(filesystem);
    this.lower = lower;
  }
  get size(): bigint {
    return BigInt(this.lower?.size ?? this.data.size);
  }
  /** Copies the lower file's bytes into memory before the first change (overlay copy-up). */
  copyUp(): void {
    const lower = this.lower;
    if (lower === undefined) return;
    const bytes = new Uint8Array(lower.size);
    let done = 0;
    while (done < bytes.length) {
      const count = lower.read(done, bytes.subarray(done));
      if (count === 0) break;
      done += count;
    }
    this.data.replace(bytes.subarray(0, done));
    this.lower = undefined;
  }
  /** readAt reads from memory, or from the lower layer before copy-up. */
  readAt(position: bigint, target: Uint8Array): number {
    if (position >= this.size) return 0;
    if (this.lower !== undefined) return this.lower.read(Number(position), target);
    return this.data.read(Number(position), target);
  }
  /** writeAt copies up, then writes in memory. */
  writeAt(position: bigint, source: Uint8Array): number {
    this.copyUp();
    const count = this.data.write(Number(position), source);
    this.touch();
    return count;
  }
  /** Implements Inode.setSize (copying up first). */
  override setSize(size: bigint): void {
    this.copyUp();
    this.data.truncate(Number(size));
    this.touch();
  }
  /** Implements Inode.open. */
  override open(intent: OpenIntent): FileDescription {
    if (intent.truncate && this.size !== 0n) this.setSize(0n);
    const contents: FileContents = {
      size: () => this.size,
      readAt: (position, target) => this.readAt(position, target),
      writeAt: (position, source) => this.writeAt(position, source),
      setSize: (size) => this.setSize(size),
      sync: () => {},
      close: () => {},
    };
    return new RegularFileDescription(this, contents, intent);
  }
  /** Frees the data when the last link goes (open descriptions keep reading what they hold). */
  dropped(): void {
    if (this.nlink === 0) this.data.release();
  }
}

/** TmpfsSymlink is a symbolic link; its target is stored verbatim. */
export class TmpfsSymlink extends TmpfsNode {
  readonly filetype = Filetype.SYMBOLIC_LINK;
  readonly target: string;
  constructor(filesystem: TmpfsFilesystem, target: string, ino?: bigint) {
    super(filesystem, ino);
    this.target = target;
  }
  get size(): bigint {
    return BigInt(Buffer.byteLength(this.target));
  }
  /** Implements Inode.readlink. */
  override readlink(): string {
    return this.target;
  }
}

/** TmpfsDirectory is a directory in memory, possibly filled lazily from a lower layer. */
export class TmpfsDirectory extends TmpfsNode implements DirectoryInode {
  readonly filetype = Filetype.DIRECTORY;
  readonly #children = new Map<string, TmpfsNode>();
  parent: TmpfsDirectory | undefined;
  /** The lower directory that has not been read yet; undefined once filled (or for a plain tmpfs directory). */
  lower: LowerDirectory | undefined;
  constructor(filesystem: TmpfsFilesystem, parent: TmpfsDirectory | undefined, lower?: LowerDirectory, ino?: bigint) {
    super(filesystem, ino);
    this.parent = parent;
    this.lower = lower;
    this.nlink = 2;
  }
  get size(): bigint {
    return 4096n;
  }
  /** Implements Inode.setSize: EISDIR. */
  override setSize(_size: bigint): void {
    throw sysError.isdir();
  }
  /** children exposes the entries (filling from the lower layer first), for saving and for the overlay. */
  children(): ReadonlyMap<string, TmpfsNode> {
    this.#fill();
    return this.#children;
  }

  /** attach adds a node without the checks of create (overlay fill and restore use it). */
  attach(name: string, node: TmpfsNode): void {
    this.#children.set(name, node);
    if (node instanceof TmpfsDirectory) {
      node.parent = this;
      this.nlink += 1;
    }
  }

  /** Implements DirectoryInode.lookup. */
  lookup(name: string): Inode | undefined {
    this.#fill();
    return this.#children.get(name);
  }

  /** Implements DirectoryInode.list. */
  list(): readonly { readonly name: string; readonly ino: bigint; readonly filetype: Filetype }[] {
    this.#fill();
    return [...this.#children].map(([name, node]) => ({ name, ino: node.ino, filetype: node.filetype }));
  }

  /** Implements DirectoryInode.create. */
  create(name: string, node: NewNode): Inode {
    this.#fill();
    if (this.#children.has(name)) throw sysError.exist(name);
    this.filesystem.charge(ENTRY_COST);
    let created: TmpfsNode;
    if (node.kind === 'file') created = new TmpfsFile(this.filesystem);
    else if (node.kind === 'directory') created = new TmpfsDirectory(this.filesystem, this);
    else created = new TmpfsSymlink(this.filesystem, node.target);
    this.attach(name, created);
    this.touch();
    return created;
  }

  /** Implements DirectoryInode.link. */
  link(name: string, target: Inode): void {
    this.#fill();
    if (!(target instanceof TmpfsNode) || target.filesystem !== this.filesystem) throw sysError.xdev();
    if (this.#children.has(name)) throw sysError.exist(name);
    this.filesystem.charge(ENTRY_COST);
    this.#children.set(name, target);
    target.nlink += 1;
    target.ctim = this.filesystem.now();
    this.touch();
  }

  /** Implements DirectoryInode.unlink. */
  unlink(name: string): void {
    const child = this.#existing(name);
    if (child instanceof TmpfsDirectory) throw sysError.isdir(name);
    this.#detach(name, child);
  }

  /** Implements DirectoryInode.rmdir. */
  rmdir(name: string): void {
    const child = this.#existing(name);
    if (!(child instanceof TmpfsDirectory)) throw sysError.notdir(name);
    if (child.children().size > 0) throw sysError.notempty(name);
    this.#detach(name, child);
  }

  /** Implements DirectoryInode.rename; moving a directory beneath itself is EINVAL, as in Linux. */
  rename(name: string, newParent: DirectoryInode, newName: string): void {
    if (!(newParent instanceof TmpfsDirectory) || newParent.filesystem !== this.filesystem) throw sysError.xdev();
    const child = this.#existing(name);
    if (child instanceof TmpfsDirectory) {
      for (let ancestor: TmpfsDirectory | undefined = newParent; ancestor; ancestor = ancestor.parent) {
        if (ancestor === child) throw sysError.inval('rename a directory beneath itself');
      }
    }
    const replaced = newParent.children().get(newName);
    if (replaced === child) return;
    if (replaced !== undefined) {
      if (replaced instanceof TmpfsDirectory && replaced.children().size > 0) throw sysError.notempty(newName);
      newParent.#detach(newName, replaced);
    }
    this.#children.delete(name);
    if (child instanceof TmpfsDirectory) this.nlink -= 1;
    newParent.attach(newName, child);
    child.ctim = this.filesystem.now();
    this.touch();
    newParent.touch();
  }

  #existing(name: string): TmpfsNode {
    this.#fill();
    const child = this.#children.get(name);
    if (child === undefined) throw sysError.noent(name);
    return child;
  }

  #detach(name: string, child: TmpfsNode): void {
    this.#children.delete(name);
    this.filesystem.refund(ENTRY_COST);
    if (child instanceof TmpfsDirectory) {
      this.nlink -= 1;
      child.nlink = 0;
      child.parent = undefined;
    } else {
      child.nlink -= 1;
      child.ctim = this.filesystem.now();
      if (child instanceof TmpfsFile) child.dropped();
    }
    this.touch();
  }

  #fill(): void {
    const lower = this.lower;
    if (lower === undefined) return;
    this.lower = undefined;
    lower.fill(this);
  }
}
