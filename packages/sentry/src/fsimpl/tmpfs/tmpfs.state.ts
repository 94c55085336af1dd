// Save and load of tmpfs trees (the overlay's upper layer and tmpfs mounts). A node's state
// object stands for the inode: a hard-linked file appears under several names as the same
// object, and file descriptions refer to it by that object, which the state-file graph
// codec keeps shared. A directory or file still backed by the overlay's lower layer saves
// only its relative lower path; loading binds it to the new rootfs.
import { z } from 'zod';
import { HostLowerDirectory, HostLowerFile, type LowerLayer } from '../overlay/overlay.js';
import { TmpfsDirectory, TmpfsFile, type TmpfsNode, TmpfsSymlink } from './node.js';
import type { TmpfsFilesystem } from './tmpfs.js';

const times = { ino: z.bigint(), nlink: z.number().int(), atim: z.bigint(), mtim: z.bigint(), ctim: z.bigint() };

/** TmpfsFileStateV1 is a regular file: its bytes, or the lower-layer file it still reads. */
export const TmpfsFileStateV1 = z.object({
  kind: z.literal('file'),
  ...times,
  data: z.instanceof(Uint8Array).nullable(),
  lower: z.object({ path: z.string(), size: z.number().int() }).nullable(),
});
/** TmpfsFileStateV1 is the saved form of a TmpfsFile. */
export type TmpfsFileStateV1 = z.infer<typeof TmpfsFileStateV1>;

/** TmpfsSymlinkStateV1 is a symlink and its target. */
export const TmpfsSymlinkStateV1 = z.object({ kind: z.literal('symlink'), ...times, target: z.string() });
/** TmpfsSymlinkStateV1 is the saved form of a TmpfsSymlink. */
export type TmpfsSymlinkStateV1 = z.infer<typeof TmpfsSymlinkStateV1>;

/** TmpfsDirectoryStateV1 is a directory: its entries, or the lower directory it has not read yet. */
export interface TmpfsDirectoryStateV1 {
  kind: 'directory';
  ino: bigint;
  nlink: number;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
  /** Relative path of the lower directory not yet read; null once filled or for a plain directory. */
  lower: string | null;
  children: Map<string, TmpfsNodeStateV1>;
}

/** TmpfsNodeStateV1 is any saved tmpfs node. */
export type TmpfsNodeStateV1 = TmpfsFileStateV1 | TmpfsSymlinkStateV1 | TmpfsDirectoryStateV1;

/** TmpfsDirectoryStateV1 validates a saved directory tree. */
export const TmpfsDirectoryStateV1: z.ZodType<TmpfsDirectoryStateV1> = z.lazy(() =>
  z.object({
    kind: z.literal('directory'),
    ...times,
    lower: z.string().nullable(),
    children: z.map(z.string(), z.union([TmpfsFileStateV1, TmpfsSymlinkStateV1, TmpfsDirectoryStateV1])),
  }),
);

/** TmpfsStateV1 is a whole tmpfs: limit, usage and the tree. */
export const TmpfsStateV1 = z.object({ limitBytes: z.number(), usedBytes: z.number(), root: TmpfsDirectoryStateV1 });
/** TmpfsStateV1 is the saved form of a TmpfsFilesystem. */
export type TmpfsStateV1 = z.infer<typeof TmpfsStateV1>;

/** TmpfsSaveContext maps each saved node to its state object, so shared nodes stay shared. */
export type TmpfsSaveContext = Map<TmpfsNode, TmpfsNodeStateV1>;

/** TmpfsLoadContext maps each state object to the node loaded from it. */
export type TmpfsLoadContext = Map<TmpfsNodeStateV1, TmpfsNode>;

/** saveTmpfsNode returns the state of `node` (the same object for a node already saved). */
export function saveTmpfsNode(node: TmpfsNode, context: TmpfsSaveContext): TmpfsNodeStateV1 {
  const known = context.get(node);
  if (known !== undefined) return known;
  const base = { ino: node.ino, nlink: node.nlink, atim: node.atim, mtim: node.mtim, ctim: node.ctim };
  if (node instanceof TmpfsFile) {
    const lower = node.lower === undefined ? null : { path: node.lower.path, size: node.lower.size };
    const state: TmpfsFileStateV1 = { kind: 'file', ...base, data: lower === null ? node.data.bytes() : null, lower };
    context.set(node, state);
    return state;
  }
  if (node instanceof TmpfsSymlink) {
    const state: TmpfsSymlinkStateV1 = { kind: 'symlink', ...base, target: node.target };
    context.set(node, state);
    return state;
  }
  const directory = node as TmpfsDirectory;
  const state: TmpfsDirectoryStateV1 = { kind: 'directory', ...base, lower: directory.lower?.path ?? null, children: new Map() };
  context.set(node, state);
  if (directory.lower === undefined) {
    for (const [name, child] of directory.children()) state.children.set(name, saveTmpfsNode(child, context));
  }
  return state;
}

/** saveTmpfs saves a tmpfs file system. */
export function saveTmpfs(filesystem: TmpfsFilesystem, context: TmpfsSaveContext): TmpfsStateV1 {
  return {
    limitBytes: filesystem.limitBytes,
    usedBytes: filesystem.usedBytes,
    root: saveTmpfsNode(filesystem.root, context) as TmpfsDirectoryStateV1,
  };
}

function loadNode(state: TmpfsNodeStateV1, filesystem: TmpfsFilesystem, parent: TmpfsDirectory, layer: LowerLayer | undefined, context: TmpfsLoadContext): TmpfsNode {
  const known = context.get(state);
  if (known !== undefined) return known;
  let node: TmpfsNode;
  if (state.kind === 'file') {
    const lower = state.lower === null ? undefined : new HostLowerFile(requireLayer(layer, state.lower.path), state.lower.path, state.lower.size);
    const file = new TmpfsFile(filesystem, lower, state.ino);
    if (state.data !== null) file.data.replace(state.data);
    node = file;
  } else if (state.kind === 'symlink') {
    node = new TmpfsSymlink(filesystem, state.target, state.ino);
  } else {
    const lower = state.lower === null ? undefined : new HostLowerDirectory(requireLayer(layer, state.lower), state.lower);
    const directory = new TmpfsDirectory(filesystem, parent, lower, state.ino);
    context.set(state, directory);
    fillDirectory(directory, state, filesystem, layer, context);
    node = directory;
  }
  context.set(state, node);
  node.nlink = state.nlink;
  node.atim = state.atim;
  node.mtim = state.mtim;
  node.ctim = state.ctim;
  return node;
}

function fillDirectory(directory: TmpfsDirectory, state: TmpfsDirectoryStateV1, filesystem: TmpfsFilesystem, layer: LowerLayer | undefined, context: TmpfsLoadContext): void {
  for (const [name, child] of state.children) directory.attach(name, loadNode(child, filesystem, directory, layer, context));
  directory.nlink = state.nlink;
}

function requireLayer(layer: LowerLayer | undefined, path: string): LowerLayer {
  if (layer === undefined) throw new Error(`the saved overlay reads ${path || '/'} from a rootfs, but no rootfs was given to restore it`);
  return layer;
}

/**
 * loadTmpfsInto rebuilds a saved tree into a fresh file system whose root was made with the
 * same inode number (the kernel makes its file systems in a fixed order, so it is).
 */
export function loadTmpfsInto(filesystem: TmpfsFilesystem, state: TmpfsStateV1, layer: LowerLayer | undefined, context: TmpfsLoadContext): void {
  const root = filesystem.root;
  if (root.ino !== state.root.ino) throw new Error(`tmpfs root inode ${root.ino} does not match the saved ${state.root.ino}`);
  context.set(state.root, root);
  root.lower = state.root.lower === null ? undefined : new HostLowerDirectory(requireLayer(layer, state.root.lower), state.root.lower);
  fillDirectory(root, state.root, filesystem, layer, context);
  root.atim = state.root.atim;
  root.mtim = state.root.mtim;
  root.ctim = state.root.ctim;
  filesystem.usedBytes = state.usedBytes;
}
