// The virtual file system: the mount tree and the path operations the syscalls use. Each
// operation resolves its path with path.ts, then applies Linux's checks in the order
// Linux applies them (so the errno is the one Linux gives) before asking the file system.
import { Filetype } from '../abi/wasi/filetype.js';
import { sysError } from '../errors/sys-error.js';
import { DirectoryDescription } from './directory-description.js';
import type { FileDescription, FileStat } from './file-description.js';
import { type DirectoryInode, type Inode, inodeKey, isDirectoryInode, type OpenIntent } from './inode.js';
import type { DirectoryLocation, Location } from './location.js';
import { Mount, MountTable } from './mount.js';
import { fileLocation, type Namespace, type ResolvedParent, resolveParent, resolvePath, splitPath } from './path.js';

/** OpenRequest is what path_open asks of the VFS, already decoded from WASI flags. */
export interface OpenRequest extends OpenIntent {
  readonly followFinal: boolean;
  readonly create: boolean;
  readonly exclusive: boolean;
  readonly directory: boolean;
}

/** Vfs is a mount tree with its root, and the path operations on it. */
export class Vfs implements Namespace {
  readonly mounts = new MountTable();
  #root: DirectoryLocation;
  #nextMountId = 1;

  constructor(rootFilesystem: DirectoryInode) {
    const mount = new Mount(this.#nextMountId++, rootFilesystem, undefined, '/');
    this.mounts.add(mount);
    this.#root = { mount, inode: rootFilesystem };
  }

  /** root is the namespace root: where `/` and absolute symlinks start. */
  get root(): DirectoryLocation {
    return this.#root;
  }

  /**
   * mount attaches `root` at the absolute `path`, creating missing directories on the way
   * like `mkdir -p` (but never in a host directory, where that would change the host: a
   * missing mount point there is ENOENT). A directory is mounted over a directory; a file (a
   * single-file bind mount) over a file, created empty when missing, as runc does. A
   * directory mounted at `/` becomes the namespace root, as after pivot_root(2): what was
   * mounted on the old root (/proc, /dev) is no longer reachable, so a host directory given
   * as the root is the whole guest tree, as wasmtime's `--dir HOST::/` makes it.
   */
  mount(path: string, root: Inode): Mount {
    const components = splitPath(path).components;
    if (components.length === 0) {
      if (!isDirectoryInode(root)) throw sysError.notdir('only a directory can be mounted at /');
      const mount = new Mount(this.#nextMountId++, root, this.#root, '/');
      this.mounts.add(mount);
      this.#root = { mount, inode: root };
      return mount;
    }
    let here: DirectoryLocation = this.#root;
    let point: Location = this.#root;
    components.forEach((component, index) => {
      const last = index === components.length - 1;
      let child = here.inode.lookup(component);
      if (child === undefined && here.mount.filesystem.type === 'bind') throw sysError.noent(`mount point ${path} in a host directory`);
      if (child === undefined) child = here.inode.create(component, { kind: last && !isDirectoryInode(root) ? 'file' : 'directory' });
      if (last && !isDirectoryInode(root)) {
        if (isDirectoryInode(child)) throw sysError.isdir(`file mount point ${path}`);
        point = { mount: here.mount, inode: child };
        return;
      }
      if (!isDirectoryInode(child)) throw sysError.notdir(`mount point ${path}`);
      const location: DirectoryLocation = { mount: here.mount, inode: child };
      const mounted = this.mounts.mountedAt(location);
      here = mounted === undefined ? location : { mount: mounted, inode: mounted.root };
      point = here;
    });
    const mount = new Mount(this.#nextMountId++, root, point, path);
    this.mounts.add(mount);
    return mount;
  }

  /** resolve finds the file `path` names from `start`. */
  resolve(start: DirectoryLocation, path: string, followFinal: boolean): Location {
    return resolvePath(this, start, path, { followFinal }).location;
  }

  /** openDirectory opens a directory location, reporting `parent` as its `..`. */
  openDirectory(location: DirectoryLocation, parent: DirectoryLocation, flags = 0): DirectoryDescription {
    return new DirectoryDescription(location, parent, flags);
  }

  /** open implements path_open's file-system part: create, truncate, and the type checks. */
  open(start: DirectoryLocation, path: string, request: OpenRequest): FileDescription {
    if (request.create) {
      // Linux (since 6.4) refuses O_CREAT|O_DIRECTORY: it cannot create a directory this way.
      if (request.directory) throw sysError.inval('create with O_DIRECTORY');
      const target = resolveParent(this, start, path);
      if (target.trailingSlash || target.name === '.' || target.name === '..') {
        throw sysError.isdir(`create ${path}`);
      }
      const existing = target.parent.inode.lookup(target.name);
      if (existing === undefined) {
        this.#checkWritable(target.parent);
        const inode = target.parent.inode.create(target.name, { kind: 'file' });
        return inode.open({ ...request, truncate: false });
      }
      if (request.exclusive) throw sysError.exist(path);
      // The name was just looked up: a file that is neither a symlink nor a directory is what
      // resolving the path again would find, so the second walk (and its host lstat) is skipped.
      if (existing.filetype !== Filetype.SYMBOLIC_LINK && !isDirectoryInode(existing)) {
        return this.#openFile(fileLocation(this.mounts, { mount: target.parent.mount, inode: existing }), path, request);
      }
    }
    const { location, parent } = resolvePath(this, start, path, { followFinal: request.followFinal });
    const inode = location.inode;
    if (isDirectoryInode(inode)) {
      if (request.write || request.truncate) throw sysError.isdir(path);
      return this.openDirectory({ mount: location.mount, inode }, parent, request.flags);
    }
    return this.#openFile(location, path, request);
  }

  /** Opens a non-directory that `path` resolved to. */
  #openFile(location: Location, path: string, request: OpenRequest): FileDescription {
    const inode = location.inode;
    if (request.directory) throw sysError.notdir(path);
    if (inode.filetype === Filetype.SYMBOLIC_LINK) throw sysError.loop(`${path} is a symlink`);
    // Device nodes stay writable on a read-only mount, as in Linux; only file data is refused.
    if ((request.write || request.truncate) && inode.filetype === Filetype.REGULAR_FILE) this.#checkWritable(location);
    return inode.open(request);
  }

  /** stat implements path_filestat_get. */
  stat(start: DirectoryLocation, path: string, followFinal: boolean): FileStat {
    const { location, lookedUp } = resolvePath(this, start, path, { followFinal });
    return (lookedUp ? location.inode.statAfterLookup?.() : undefined) ?? location.inode.stat();
  }

  /** setTimes implements path_filestat_set_times. */
  setTimes(start: DirectoryLocation, path: string, followFinal: boolean, atim: bigint | null, mtim: bigint | null): void {
    const location = this.resolve(start, path, followFinal);
    this.#checkWritable(location);
    location.inode.setTimes(atim, mtim);
  }

  /** mkdir implements path_create_directory. */
  mkdir(start: DirectoryLocation, path: string): void {
    const target = resolveParent(this, start, path);
    if (target.name === '.' || target.name === '..') throw sysError.exist(path);
    if (target.parent.inode.lookup(target.name) !== undefined) throw sysError.exist(path);
    this.#checkWritable(target.parent);
    target.parent.inode.create(target.name, { kind: 'directory' });
  }

  /** rmdir implements path_remove_directory. */
  rmdir(start: DirectoryLocation, path: string): void {
    const target = resolveParent(this, start, path);
    if (target.name === '.') throw sysError.inval('rmdir .');
    if (target.name === '..') throw sysError.notempty('rmdir ..');
    const child = this.#existing(target);
    if (!isDirectoryInode(child)) throw sysError.notdir(path);
    if (this.mounts.isMountpoint({ mount: target.parent.mount, inode: child })) throw sysError.busy(path);
    this.#checkWritable(target.parent);
    target.parent.inode.rmdir(target.name);
  }

  /** unlink implements path_unlink_file. */
  unlink(start: DirectoryLocation, path: string): void {
    const target = resolveParent(this, start, path);
    if (target.name === '.' || target.name === '..') throw sysError.isdir(path);
    const child = this.#existing(target);
    if (isDirectoryInode(child)) throw sysError.isdir(path);
    if (target.trailingSlash) throw sysError.notdir(path);
    if (this.mounts.isMountpoint({ mount: target.parent.mount, inode: child })) throw sysError.busy(path);
    this.#checkWritable(target.parent);
    target.parent.inode.unlink(target.name);
  }

  /** symlink implements path_symlink: a new link at `path` holding `target` verbatim. */
  symlink(target: string, start: DirectoryLocation, path: string): void {
    if (target.includes('\0')) throw sysError.inval('symlink target contains NUL');
    const place = resolveParent(this, start, path);
    if (place.name === '.' || place.name === '..') throw sysError.exist(path);
    const existing = place.parent.inode.lookup(place.name);
    if (existing !== undefined) {
      if (place.trailingSlash && !isDirectoryInode(existing)) throw sysError.notdir(path);
      throw sysError.exist(path);
    }
    if (place.trailingSlash) throw sysError.noent(path);
    if (target === '') throw sysError.noent('empty symlink target');
    this.#checkWritable(place.parent);
    place.parent.inode.create(place.name, { kind: 'symlink', target });
  }

  /** readlink implements path_readlink. */
  readlink(start: DirectoryLocation, path: string): string {
    const inode = this.resolve(start, path, false).inode;
    if (inode.filetype !== Filetype.SYMBOLIC_LINK) throw sysError.inval(`${path} is not a symlink`);
    return inode.readlink();
  }

  /** link implements path_link: a hard link at `newPath` to the non-directory at `oldPath`. */
  link(oldStart: DirectoryLocation, oldPath: string, followFinal: boolean, newStart: DirectoryLocation, newPath: string): void {
    const source = resolvePath(this, oldStart, oldPath, { followFinal }).location;
    const place = resolveParent(this, newStart, newPath);
    if (place.name === '.' || place.name === '..') throw sysError.exist(newPath);
    if (place.parent.inode.lookup(place.name) !== undefined) throw sysError.exist(newPath);
    if (isDirectoryInode(source.inode)) throw sysError.perm(`hard link to directory ${oldPath}`);
    if (place.trailingSlash) throw sysError.noent(newPath);
    if (source.mount !== place.parent.mount) throw sysError.xdev();
    this.#checkWritable(place.parent);
    place.parent.inode.link(place.name, source.inode);
  }

  /** rename implements path_rename with Linux rename(2)'s checks. */
  rename(oldStart: DirectoryLocation, oldPath: string, newStart: DirectoryLocation, newPath: string): void {
    const from = resolveParent(this, oldStart, oldPath);
    const to = resolveParent(this, newStart, newPath);
    for (const name of [from.name, to.name]) if (name === '.' || name === '..') throw sysError.busy(`rename ${name}`);
    const source = this.#existing(from);
    const sourceIsDirectory = isDirectoryInode(source);
    if (!sourceIsDirectory && (from.trailingSlash || to.trailingSlash)) throw sysError.notdir(oldPath);
    if (from.parent.mount !== to.parent.mount) throw sysError.xdev();
    const replaced = to.parent.inode.lookup(to.name);
    if (replaced !== undefined) {
      if (inodeKey(replaced) === inodeKey(source)) return;
      if (sourceIsDirectory && !isDirectoryInode(replaced)) throw sysError.notdir(newPath);
      if (!sourceIsDirectory && isDirectoryInode(replaced)) throw sysError.isdir(newPath);
      if (isDirectoryInode(replaced) && replaced.list().length > 0) throw sysError.notempty(newPath);
      if (isDirectoryInode(replaced) && this.mounts.isMountpoint({ mount: to.parent.mount, inode: replaced })) {
        throw sysError.busy(newPath);
      }
    }
    if (this.mounts.isMountpoint({ mount: from.parent.mount, inode: source })) throw sysError.busy(oldPath);
    if (replaced !== undefined && this.mounts.isMountpoint({ mount: to.parent.mount, inode: replaced })) throw sysError.busy(newPath);
    this.#checkWritable(from.parent);
    from.parent.inode.rename(from.name, to.parent.inode, to.name);
  }

  #existing(target: ResolvedParent): Inode {
    const child = target.parent.inode.lookup(target.name);
    if (child === undefined) throw sysError.noent(target.name);
    return child;
  }

  #checkWritable(location: Location): void {
    if (location.mount.filesystem.readonly) throw sysError.rofs();
  }
}
