// Host bind mounts: a host directory exposed to the guest, read-only or read-write.
//
// Confinement: the VFS walks a guest path one component at a time, and this file system
// answers each step with lstat on `root/relative/name`, where every component of
// `relative` was itself found by lstat to be a real directory, never a symlink. A symlink
// is returned to the VFS as a symlink inode, whose target the VFS walks inside the guest
// namespace; files are opened with O_NOFOLLOW. So a guest path never reaches the host
// unresolved and a host symlink pointing outside the mount is never followed by the host.
// (A host process racing to swap a directory for a symlink between two steps is outside
// this model, as it is for any path-based sandbox without openat2.)
import fs from 'node:fs';
import { Filetype } from '../../abi/wasi/filetype.js';
import { Fdflags } from '../../abi/wasi/flags.js';
import { fromHostError, sysError } from '../../errors/sys-error.js';
import type { FileDescription, FileStat } from '../../vfs/file-description.js';
import type { DirectoryInode, Filesystem, Inode, NewNode, OpenIntent } from '../../vfs/inode.js';
import { type FileContents, RegularFileDescription } from '../../vfs/regular-file-description.js';

/**
 * ExactTimes remembers timestamps set through the guest with nanosecond precision: Node's
 * utimes takes seconds as a double, which keeps only about a quarter microsecond, so the
 * exact value is reported back for as long as the host still shows what was stored. Each
 * time is matched on its own: reading a file (or following a symlink) moves the host's
 * atime, which must not undo an mtime the guest set.
 */
interface ExactTimes {
  readonly atim: bigint;
  readonly mtim: bigint;
  readonly hostAtim: bigint;
  readonly hostMtim: bigint;
}

/** HostFilesystem is one host directory mounted into the guest. */
export class HostFilesystem implements Filesystem {
  readonly dev: bigint;
  readonly readonly: boolean;
  readonly type = 'bind';
  /** The host directory, resolved to a real path when mounted (re-bound on restore). */
  root: string;
  readonly exactTimes = new Map<bigint, ExactTimes>();
  /** The mounted host directory, or the host file of a single-file bind mount. */
  readonly rootInode: HostDirectory | HostFile;
  constructor(root: string, options: { readonly dev: bigint; readonly readonly: boolean }) {
    this.dev = options.dev;
    this.readonly = options.readonly;
    this.root = fs.realpathSync(root);
    const stat = fs.statSync(this.root, { bigint: true });
    if (stat.isDirectory()) this.rootInode = new HostDirectory(this, '', stat.ino);
    else if (stat.isFile()) this.rootInode = new HostFile(this, '', stat.ino);
    else throw sysError.inval(`bind mount source ${root} is neither a directory nor a regular file`);
  }
  /** hostPath is the host path of a relative path already resolved component by component. */
  hostPath(relative: string): string {
    return relative === '' ? this.root : `${this.root}/${relative}`;
  }
  /** nodeFor makes the inode for an lstat result. */
  nodeFor(relative: string, stat: fs.BigIntStats): HostNode {
    const node = this.#nodeOfType(relative, stat);
    node.lookupStat = stat;
    return node;
  }
  #nodeOfType(relative: string, stat: fs.BigIntStats): HostNode {
    if (stat.isDirectory()) return new HostDirectory(this, relative, stat.ino);
    if (stat.isSymbolicLink()) return new HostSymlink(this, relative, stat.ino);
    if (stat.isFile()) return new HostFile(this, relative, stat.ino);
    return new HostSpecial(this, relative, stat.ino, specialType(stat));
  }
  checkWritable(): void {
    if (this.readonly) throw sysError.rofs();
  }
  /** fileStat turns a host stat into the guest's, with the exact nanoseconds set through the guest while the host still shows them. */
  fileStat(stat: fs.BigIntStats, filetype: Filetype): FileStat {
    const exact = this.exactTimes.get(stat.ino);
    const atim = exact !== undefined && exact.hostAtim === stat.atimeNs ? exact.atim : stat.atimeNs;
    const mtim = exact !== undefined && exact.hostMtim === stat.mtimeNs ? exact.mtim : stat.mtimeNs;
    return {
      dev: this.dev,
      ino: stat.ino,
      filetype,
      nlink: stat.nlink,
      size: filetype === Filetype.DIRECTORY ? 4096n : stat.size,
      atim,
      mtim,
      ctim: stat.ctimeNs,
    };
  }
  /** setTimes sets host timestamps (by path or by fd, as `apply` does) and remembers their exact nanoseconds. */
  setTimes(
    atim: bigint | null,
    mtim: bigint | null,
    current: () => FileStat,
    apply: (atimSeconds: number, mtimSeconds: number) => void,
    restat: () => fs.BigIntStats,
  ): void {
    this.checkWritable();
    const now = current();
    const nextAtim = atim ?? now.atim;
    const nextMtim = mtim ?? now.mtim;
    host('utimes', () => apply(Number(nextAtim) / 1e9, Number(nextMtim) / 1e9));
    const after = host('stat', restat);
    this.exactTimes.set(after.ino, { atim: nextAtim, mtim: nextMtim, hostAtim: after.atimeNs, hostMtim: after.mtimeNs });
  }
}

function specialType(stat: fs.BigIntStats): Filetype {
  if (stat.isCharacterDevice()) return Filetype.CHARACTER_DEVICE;
  if (stat.isBlockDevice()) return Filetype.BLOCK_DEVICE;
  if (stat.isSocket()) return Filetype.SOCKET_STREAM;
  return Filetype.UNKNOWN;
}

function host<T>(operation: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    throw fromHostError(error, operation);
  }
}

/** HostNode is a host file reached through a bind mount, named by its path relative to the mount root. */
export abstract class HostNode implements Inode {
  readonly filesystem: HostFilesystem;
  readonly relative: string;
  readonly ino: bigint;
  abstract readonly filetype: Filetype;
  constructor(filesystem: HostFilesystem, relative: string, ino: bigint) {
    this.filesystem = filesystem;
    this.relative = relative;
    this.ino = ino;
  }
  get hostPath(): string {
    return this.filesystem.hostPath(this.relative);
  }
  /** The lstat that made this node (nodeFor); only statAfterLookup reads it. */
  lookupStat: fs.BigIntStats | undefined;
  /** Implements Inode.statAfterLookup from the lookup's lstat, which saves a second one when a path is stat'ed. */
  statAfterLookup(): FileStat | undefined {
    const stat = this.lookupStat;
    return stat === undefined ? undefined : this.filesystem.fileStat(stat, this.filetype);
  }
  /** Implements Inode.stat with lstat, nanosecond timestamps included. */
  stat(): FileStat {
    return this.filesystem.fileStat(host('lstat', () => fs.lstatSync(this.hostPath, { bigint: true })), this.filetype);
  }
  /** Implements Inode.setTimes with lutimes (never following a symlink), keeping the exact nanoseconds. */
  setTimes(atim: bigint | null, mtim: bigint | null): void {
    const path = this.hostPath;
    this.filesystem.setTimes(
      atim,
      mtim,
      () => this.stat(),
      (atimSeconds, mtimSeconds) => fs.lutimesSync(path, atimSeconds, mtimSeconds),
      () => fs.lstatSync(path, { bigint: true }),
    );
  }
  /** Like truncate(2) on a non-regular file: EINVAL. */
  setSize(_size: bigint): void {
    throw sysError.inval('not a regular file');
  }
  /** Like readlink(2) on a non-symlink: EINVAL. */
  readlink(): string {
    throw sysError.inval('not a symlink');
  }
  /** Host fifos, sockets and devices are not opened: that could block or reach the host's devices. */
  open(_intent: OpenIntent): FileDescription {
    throw sysError.nxio(`cannot open host special file ${this.relative}`);
  }
}

/** HostSpecial is a host fifo, socket or device: visible, but not openable. */
export class HostSpecial extends HostNode {
  readonly filetype: Filetype;
  constructor(filesystem: HostFilesystem, relative: string, ino: bigint, filetype: Filetype) {
    super(filesystem, relative, ino);
    this.filetype = filetype;
  }
}

/** HostSymlink is a host symlink; the VFS resolves its target inside the guest namespace. */
export class HostSymlink extends HostNode {
  readonly filetype = Filetype.SYMBOLIC_LINK;
  /** Implements Inode.readlink. */
  override readlink(): string {
    return host('readlink', () => fs.readlinkSync(this.hostPath, 'utf8'));
  }
}

/** HostFile is a regular host file. */
export class HostFile extends HostNode {
  readonly filetype = Filetype.REGULAR_FILE;
  /** Implements Inode.setSize. */
  override setSize(size: bigint): void {
    this.filesystem.checkWritable();
    host('truncate', () => fs.truncateSync(this.hostPath, Number(size)));
  }
  /** Implements Inode.open with O_NOFOLLOW; the description keeps the host fd. */
  override open(intent: OpenIntent): FileDescription {
    if ((intent.write || intent.truncate) && this.filesystem.readonly) throw sysError.rofs();
    const constants = fs.constants;
    let flags = constants.O_NOFOLLOW;
    if (intent.write) flags |= intent.read ? constants.O_RDWR : constants.O_WRONLY;
    else flags |= constants.O_RDONLY;
    if (intent.truncate) flags |= intent.write ? constants.O_TRUNC : 0;
    if ((intent.flags & Fdflags.SYNC) !== 0) flags |= constants.O_SYNC;
    if ((intent.flags & Fdflags.DSYNC) !== 0) flags |= constants.O_DSYNC;
    const path = this.hostPath;
    const hostFd = host('open', () => fs.openSync(path, flags));
    if (intent.truncate && !intent.write) host('truncate', () => fs.ftruncateSync(hostFd, 0));
    return new RegularFileDescription(this, hostFileContents(hostFd, this.filesystem), intent);
  }
}

/** hostFileContents is FileContents over an open host fd, with positional I/O only. */
export function hostFileContents(hostFd: number, filesystem: HostFilesystem): FileContents {
  return {
    size: () => host('fstat', () => fs.fstatSync(hostFd, { bigint: true }).size),
    readAt: (position, target) => host('read', () => fs.readSync(hostFd, target, 0, target.length, position)),
    writeAt: (position, source) => {
      filesystem.checkWritable();
      return host('write', () => fs.writeSync(hostFd, source, 0, source.length, Number(position)));
    },
    setSize: (size) => {
      filesystem.checkWritable();
      host('ftruncate', () => fs.ftruncateSync(hostFd, Number(size)));
    },
    sync: () => host('fsync', () => fs.fsyncSync(hostFd)),
    close: () => host('close', () => fs.closeSync(hostFd)),
    stat: () => filesystem.fileStat(host('fstat', () => fs.fstatSync(hostFd, { bigint: true })), Filetype.REGULAR_FILE),
    setTimes: (atim, mtim) =>
      filesystem.setTimes(
        atim,
        mtim,
        () => filesystem.fileStat(fs.fstatSync(hostFd, { bigint: true }), Filetype.REGULAR_FILE),
        (atimSeconds, mtimSeconds) => fs.futimesSync(hostFd, atimSeconds, mtimSeconds),
        () => fs.fstatSync(hostFd, { bigint: true }),
      ),
  };
}

/** HostDirectory is a host directory; each operation acts on one name in it. */
export class HostDirectory extends HostNode implements DirectoryInode {
  readonly filetype = Filetype.DIRECTORY;
  #child(name: string): string {
    return this.relative === '' ? name : `${this.relative}/${name}`;
  }
  /** Implements Inode.setSize: EISDIR. */
  override setSize(_size: bigint): void {
    throw sysError.isdir();
  }
  /** Implements DirectoryInode.lookup with lstat (never following). */
  lookup(name: string): Inode | undefined {
    const relative = this.#child(name);
    const stat = host('lstat', () => fs.lstatSync(this.filesystem.hostPath(relative), { bigint: true, throwIfNoEntry: false }));
    return stat === undefined ? undefined : this.filesystem.nodeFor(relative, stat);
  }
  /** Implements DirectoryInode.list, sorted by name so cookies stay stable between calls. */
  list(): readonly { readonly name: string; readonly ino: bigint; readonly filetype: Filetype }[] {
    const names = host('readdir', () => fs.readdirSync(this.hostPath)).sort();
    const entries: { name: string; ino: bigint; filetype: Filetype }[] = [];
    for (const name of names) {
      const node = this.lookup(name);
      if (node !== undefined) entries.push({ name, ino: node.ino, filetype: node.filetype });
    }
    return entries;
  }
  /** Implements DirectoryInode.create. */
  create(name: string, node: NewNode): Inode {
    this.filesystem.checkWritable();
    const path = this.filesystem.hostPath(this.#child(name));
    if (node.kind === 'file') {
      const constants = fs.constants;
      const hostFd = host('create', () => fs.openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, 0o644));
      fs.closeSync(hostFd);
    } else if (node.kind === 'directory') {
      host('mkdir', () => fs.mkdirSync(path, 0o755));
    } else {
      // Like wasmtime (cap-std): the host directory is shared with host programs, which would
      // follow an absolute target outside the sandbox. The guest's own layers (tmpfs, the
      // overlay's upper layer) keep absolute symlinks, which only the guest resolves.
      if (node.target.startsWith('/')) throw sysError.perm(`symlink to absolute path ${node.target} in a host directory`);
      host('symlink', () => fs.symlinkSync(node.target, path));
    }
    const created = this.lookup(name);
    if (created === undefined) throw sysError.noent(name);
    return created;
  }
  /** Implements DirectoryInode.link. */
  link(name: string, target: Inode): void {
    this.filesystem.checkWritable();
    if (!(target instanceof HostNode) || target.filesystem !== this.filesystem) throw sysError.xdev();
    host('link', () => fs.linkSync(target.hostPath, this.filesystem.hostPath(this.#child(name))));
  }
  /** Implements DirectoryInode.unlink. */
  unlink(name: string): void {
    this.filesystem.checkWritable();
    host('unlink', () => fs.unlinkSync(this.filesystem.hostPath(this.#child(name))));
  }
  /** Implements DirectoryInode.rmdir. */
  rmdir(name: string): void {
    this.filesystem.checkWritable();
    host('rmdir', () => fs.rmdirSync(this.filesystem.hostPath(this.#child(name))));
  }
  /** Implements DirectoryInode.rename; the host refuses a directory moved beneath itself (EINVAL). */
  rename(name: string, newParent: DirectoryInode, newName: string): void {
    this.filesystem.checkWritable();
    if (!(newParent instanceof HostDirectory) || newParent.filesystem !== this.filesystem) throw sysError.xdev();
    const from = this.filesystem.hostPath(this.#child(name));
    const to = this.filesystem.hostPath(newParent.#child(newName));
    host('rename', () => fs.renameSync(from, to));
  }
}
