// Save and load of open file descriptions. A description is saved once (the same state
// object for every fd that refers to it) with what it points at: a tmpfs node (shared with
// the tmpfs tree's state), a path in a bind mount, a /proc or /dev entry, a pipe, or a host
// stream. Host streams and descriptions the kernel did not make (test sinks) are not saved:
// the loader asks the restoring caller for them by task and fd, as stdio goes to the caller.
import { z } from 'zod';
import { DeviceDescription } from '../fsimpl/dev/dev.js';
import { HostDirectory, HostFilesystem, type HostNode } from '../fsimpl/host/host-fs.js';
import { HostInput, HostOutput } from '../fsimpl/host/host-stream.js';
import { SyntheticDirectory, SyntheticFilesystem } from '../fsimpl/synthetic/synthetic.js';
import { TmpfsDirectory, TmpfsNode } from '../fsimpl/tmpfs/node.js';
import type { TmpfsLoadContext, TmpfsNodeStateV1, TmpfsSaveContext } from '../fsimpl/tmpfs/tmpfs.state.js';
import { saveTmpfsNode } from '../fsimpl/tmpfs/tmpfs.state.js';
import { DirectoryDescription } from '../vfs/directory-description.js';
import type { FileDescription } from '../vfs/file-description.js';
import type { DirectoryInode, Inode } from '../vfs/inode.js';
import type { DirectoryLocation } from '../vfs/location.js';
import type { Mount } from '../vfs/mount.js';
import { RegularFileDescription } from '../vfs/regular-file-description.js';
import type { Kernel } from './kernel.js';
import { type Pipe, PipeReadEnd, PipeWriteEnd } from './pipe/pipe.js';
import { loadPipe, type PipeStateV1, savePipe } from './pipe/pipe.state.js';

/** InodeRefV1 names an inode: by its tmpfs node state, its path in a bind mount, or its path in /proc or /dev. */
export type InodeRefV1 =
  | { kind: 'tmpfs'; mount: number; node: TmpfsNodeStateV1 }
  | { kind: 'host'; mount: number; relative: string }
  | { kind: 'synthetic'; mount: number; path: string };

/** DescriptionStateV1 is a saved open file description. */
export type DescriptionStateV1 =
  | { kind: 'file'; inode: InodeRefV1; offset: bigint; flags: number; readable: boolean; writable: boolean }
  | { kind: 'directory'; inode: InodeRefV1; parentIno: bigint; flags: number }
  | { kind: 'pipe-read' | 'pipe-write'; pipe: PipeStateV1; flags: number }
  | { kind: 'device'; name: string; flags: number; readable: boolean; writable: boolean }
  | { kind: 'host'; direction: 'input' | 'output'; flags: number; buffered?: Uint8Array<ArrayBuffer> }
  | { kind: 'external'; flags: number };

/** DescriptionStateV1 validates the shape of a saved description (the tmpfs node it names is validated with its tree). */
export const DescriptionStateV1 = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), inode: z.any(), offset: z.bigint(), flags: z.number(), readable: z.boolean(), writable: z.boolean() }),
  z.object({ kind: z.literal('directory'), inode: z.any(), parentIno: z.bigint(), flags: z.number() }),
  z.object({ kind: z.literal('pipe-read'), pipe: z.any(), flags: z.number() }),
  z.object({ kind: z.literal('pipe-write'), pipe: z.any(), flags: z.number() }),
  z.object({ kind: z.literal('device'), name: z.string(), flags: z.number(), readable: z.boolean(), writable: z.boolean() }),
  z.object({ kind: z.literal('host'), direction: z.enum(['input', 'output']), flags: z.number(), buffered: z.instanceof(Uint8Array).optional() }),
  z.object({ kind: z.literal('external'), flags: z.number() }),
]);

/** DescriptionSaveContext keeps shared objects shared while saving one kernel. */
export interface DescriptionSaveContext {
  readonly kernel: Kernel;
  readonly nodes: TmpfsSaveContext;
  readonly pipes: Map<Pipe, PipeStateV1>;
  readonly descriptions: Map<FileDescription, DescriptionStateV1>;
}

/** DescriptionLoadContext keeps shared objects shared while loading one kernel. */
export interface DescriptionLoadContext {
  readonly kernel: Kernel;
  readonly nodes: TmpfsLoadContext;
  readonly pipes: Map<PipeStateV1, Pipe>;
  readonly descriptions: Map<DescriptionStateV1, FileDescription>;
  /** Supplies a host stream or external description the image could not hold. */
  readonly rebind: (state: DescriptionStateV1) => FileDescription;
}

function mountIndex(kernel: Kernel, mount: Mount): number {
  const index = kernel.vfs.mounts.mounts.indexOf(mount);
  if (index < 0) throw new Error('description on a mount that is not in the kernel');
  return index;
}

function syntheticPath(root: SyntheticDirectory, target: Inode): string {
  const queue: [SyntheticDirectory, string][] = [[root, '']];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const [directory, prefix] = next;
    for (const entry of directory.list()) {
      const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.ino === target.ino) return path;
      const child = directory.lookup(entry.name);
      if (child instanceof SyntheticDirectory) queue.push([child, path]);
    }
  }
  if (target === root) return '';
  throw new Error(`synthetic inode ${target.ino} is not reachable`);
}

function saveInode(context: DescriptionSaveContext, mount: Mount, inode: Inode): InodeRefV1 {
  const index = mountIndex(context.kernel, mount);
  if (inode instanceof TmpfsNode) return { kind: 'tmpfs', mount: index, node: saveTmpfsNode(inode, context.nodes) };
  if (inode.filesystem instanceof HostFilesystem) return { kind: 'host', mount: index, relative: (inode as HostNode).relative };
  if (inode.filesystem instanceof SyntheticFilesystem) return { kind: 'synthetic', mount: index, path: syntheticPath(mount.root as SyntheticDirectory, inode) };
  throw new Error(`cannot save an inode of a ${inode.filesystem.type} file system`);
}

function loadInode(context: DescriptionLoadContext, ref: InodeRefV1): { mount: Mount; inode: Inode } {
  const mount = context.kernel.vfs.mounts.mounts[ref.mount];
  if (mount === undefined) throw new Error(`saved mount ${ref.mount} does not exist`);
  if (ref.kind === 'tmpfs') {
    const inode = context.nodes.get(ref.node);
    if (inode === undefined) throw new Error(`saved tmpfs inode ${ref.node.ino} is not in any saved tree`);
    return { mount, inode };
  }
  let inode: Inode = mount.root;
  const path = ref.kind === 'host' ? ref.relative : ref.path;
  for (const name of path.split('/').filter((part) => part !== '')) {
    const next = (inode as DirectoryInode).lookup?.(name);
    if (next === undefined) throw new Error(`${mount.path}/${path} no longer exists`);
    inode = next;
  }
  return { mount, inode };
}

/** saveDescription returns the state of `description` (the same object when it was saved already). */
export function saveDescription(description: FileDescription, context: DescriptionSaveContext): DescriptionStateV1 {
  const known = context.descriptions.get(description);
  if (known !== undefined) return known;
  let state: DescriptionStateV1;
  const flags = description.flags;
  if (description instanceof RegularFileDescription) {
    const location = findMount(context.kernel, description.inode);
    state = { kind: 'file', inode: saveInode(context, location, description.inode), offset: description.offset, flags, readable: description.readable, writable: description.writable };
  } else if (description instanceof DirectoryDescription) {
    const location = description.location;
    state = { kind: 'directory', inode: saveInode(context, location.mount, location.inode), parentIno: description.parentIno, flags };
  } else if (description instanceof PipeReadEnd || description instanceof PipeWriteEnd) {
    state = { kind: description instanceof PipeReadEnd ? 'pipe-read' : 'pipe-write', pipe: savePipe(description.pipe, context.pipes), flags };
  } else if (description instanceof DeviceDescription) {
    state = { kind: 'device', name: description.device.name, flags, readable: description.readable, writable: description.writable };
  } else if (description instanceof HostInput) {
    // Bytes read ahead from the host but not by the guest are gone from the host: keep them.
    const buffered = description.buffered();
    state = { kind: 'host', direction: 'input', flags, ...(buffered.length > 0 ? { buffered } : {}) };
  } else if (description instanceof HostOutput) {
    state = { kind: 'host', direction: 'output', flags };
  } else {
    state = { kind: 'external', flags };
  }
  context.descriptions.set(description, state);
  return state;
}

/** A regular file's mount: the one whose file system holds the inode (a file system is mounted once). */
function findMount(kernel: Kernel, inode: Inode): Mount {
  const mount = kernel.vfs.mounts.mounts.find((candidate) => candidate.filesystem === inode.filesystem);
  if (mount === undefined) throw new Error(`the file system of inode ${inode.ino} is not mounted`);
  return mount;
}

/** loadDescription rebuilds a description (once per state object). */
export function loadDescription(state: DescriptionStateV1, context: DescriptionLoadContext): FileDescription {
  const known = context.descriptions.get(state);
  if (known !== undefined) return known;
  let description: FileDescription;
  switch (state.kind) {
    case 'file': {
      const { inode } = loadInode(context, state.inode);
      const opened = inode.open({ read: state.readable, write: state.writable, truncate: false, flags: state.flags });
      if (opened instanceof RegularFileDescription) opened.offset = state.offset;
      description = opened;
      break;
    }
    case 'directory': {
      const { mount, inode } = loadInode(context, state.inode);
      if (!(inode instanceof TmpfsDirectory || inode instanceof HostDirectory || inode instanceof SyntheticDirectory)) {
        throw new Error(`saved directory ${inode.ino} is no longer a directory`);
      }
      description = new DirectoryDescription({ mount, inode } as DirectoryLocation, state.parentIno, state.flags);
      break;
    }
    case 'pipe-read':
      description = new PipeReadEnd(loadPipe(state.pipe, context.pipes));
      break;
    case 'pipe-write':
      description = new PipeWriteEnd(loadPipe(state.pipe, context.pipes));
      break;
    case 'device':
      description = context.kernel.dev.openDevice(state.name, { read: state.readable, write: state.writable, truncate: false, flags: state.flags });
      break;
    default:
      description = context.rebind(state);
      // The guest reads what the saved reader held before anything of the new host input.
      if (state.kind === 'host' && state.buffered !== undefined) {
        if (description instanceof HostInput) description.unread(state.buffered);
        else context.kernel.log(`restore: ${state.buffered.length} bytes of stdin read ahead before the checkpoint are dropped (stdin is no longer a host fd)`);
      }
  }
  description.flags = state.flags;
  context.descriptions.set(state, description);
  return description;
}

