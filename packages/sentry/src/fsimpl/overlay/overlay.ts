// The overlay root: a read-only lower layer from a host directory (the container's
// rootfs) under an in-memory upper layer (tmpfs) that takes every write.
//
// The upper layer is a tmpfs whose directories are filled from the lower layer on first
// access and whose files read from the lower layer until their first change, when they
// are copied up. Because a directory is filled once, removing a name that came from the
// lower layer simply drops it from the upper directory: the name stays hidden (a
// whiteout) and the host file is never touched; a directory removed and re-created is
// opaque, since the new one has no lower source. The lower layer is read by names that
// readdir returned inside directories lstat showed to be real directories, and files are
// opened with O_NOFOLLOW, so nothing outside the rootfs is ever read (symlinks are inodes
// the VFS resolves inside the guest namespace).
import fs from 'node:fs';
import { fromHostError } from '../../errors/sys-error.js';
import { type LowerDirectory, type LowerFile, TmpfsDirectory, TmpfsFile, type TmpfsNode, TmpfsSymlink } from '../tmpfs/node.js';
import { TmpfsFilesystem, type TmpfsOptions } from '../tmpfs/tmpfs.js';

/** LowerLayer is the host directory under an overlay; `root` is re-bound on restore. */
export class LowerLayer {
  root: string;
  constructor(root: string) {
    this.root = fs.realpathSync(root);
  }
  hostPath(relative: string): string {
    return relative === '' ? this.root : `${this.root}/${relative}`;
  }
}

/** HostLowerFile reads a lower-layer file's bytes with positional reads until copy-up. */
export class HostLowerFile implements LowerFile {
  readonly layer: LowerLayer;
  readonly path: string;
  readonly size: number;
  constructor(layer: LowerLayer, path: string, size: number) {
    this.layer = layer;
    this.path = path;
    this.size = size;
  }
  /** Implements LowerFile.read. */
  read(position: number, target: Uint8Array): number {
    const length = Math.max(0, Math.min(target.length, this.size - position));
    if (length === 0) return 0;
    let hostFd: number | undefined;
    try {
      hostFd = fs.openSync(this.layer.hostPath(this.path), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      return fs.readSync(hostFd, target, 0, length, position);
    } catch (error) {
      throw fromHostError(error, 'read lower file');
    } finally {
      if (hostFd !== undefined) fs.closeSync(hostFd);
    }
  }
}

/** HostLowerDirectory fills an upper directory with the entries of a lower directory. */
export class HostLowerDirectory implements LowerDirectory {
  readonly layer: LowerLayer;
  readonly path: string;
  constructor(layer: LowerLayer, path: string) {
    this.layer = layer;
    this.path = path;
  }
  /** Implements LowerDirectory.fill: one upper node per lower entry, with the lower timestamps. */
  fill(directory: TmpfsDirectory): void {
    let names: string[];
    try {
      names = fs.readdirSync(this.layer.hostPath(this.path)).sort();
    } catch (error) {
      throw fromHostError(error, 'read lower directory');
    }
    const filesystem = directory.filesystem;
    for (const name of names) {
      const path = this.path === '' ? name : `${this.path}/${name}`;
      const stat = fs.lstatSync(this.layer.hostPath(path), { bigint: true, throwIfNoEntry: false });
      if (stat === undefined) continue;
      let node: TmpfsNode;
      if (stat.isDirectory()) node = new TmpfsDirectory(filesystem, directory, new HostLowerDirectory(this.layer, path));
      else if (stat.isFile()) node = new TmpfsFile(filesystem, new HostLowerFile(this.layer, path, Number(stat.size)));
      else if (stat.isSymbolicLink()) node = new TmpfsSymlink(filesystem, fs.readlinkSync(this.layer.hostPath(path), 'utf8'));
      else continue; // Host devices, fifos and sockets in a rootfs are not part of the container.
      node.atim = stat.atimeNs;
      node.mtim = stat.mtimeNs;
      node.ctim = stat.ctimeNs;
      directory.attach(name, node);
    }
  }
}

/** createOverlay makes the overlay file system: a tmpfs upper layer whose root is filled from `lowerRoot`. */
export function createOverlay(lowerRoot: string, options: TmpfsOptions): { filesystem: TmpfsFilesystem; layer: LowerLayer } {
  const layer = new LowerLayer(lowerRoot);
  const filesystem = new TmpfsFilesystem({ ...options, type: 'overlay' });
  const stat = fs.statSync(layer.root, { bigint: true });
  filesystem.root.lower = new HostLowerDirectory(layer, '');
  filesystem.root.atim = stat.atimeNs;
  filesystem.root.mtim = stat.mtimeNs;
  filesystem.root.ctim = stat.ctimeNs;
  return { filesystem, layer };
}
