// Reading a sandbox image, in the order the issue asks for: the index and labels first (the
// format version, the sandbox state version and the CPU feature set are checked before anything
// large is read), then the graph, then the module bytes (checked against their hash), and
// memory last, read straight into each task's fresh wasm memory.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { detectHost, FeatureSet } from '@stasis/cpuid';
import { ImageReader } from '@stasis/statefile';
import { sha256Hex } from '../loader/instrument.js';
import { checkImageCpuFeatures } from './cpu-gate.js';
import { HostRebindError, ImageContentError } from './errors.js';
import { type ParsedImageLabels, parseImageLabels } from './image-labels.js';
import { SECTIONS } from './image-layout.js';
import { type ModuleStateV1, SandboxStateV1 } from './sandbox-state.js';

/** OpenedImage is an image whose index, labels and CPU features passed the checks. */
export interface OpenedImage {
  readonly reader: ImageReader;
  readonly labels: ParsedImageLabels;
  /** The image's CPU feature set (a subset of the restoring host's). */
  readonly cpuFeatures: FeatureSet;
  readonly createdAt: Date;
}

/** OpenImageOptions configure openImage. */
export interface OpenImageOptions {
  readonly key?: Uint8Array;
  /** The restoring host's CPU feature set after its own policy (default: detectHost()). */
  readonly hostFeatures?: FeatureSet;
}

/** hostFeatureSet is this host's CPU feature set, or undefined on a host @stasis/cpuid cannot read (only an empty set restores there). */
export function hostFeatureSet(): FeatureSet | undefined {
  const host = detectHost();
  return host.supported ? host.features : undefined;
}

/** openImage opens an image and checks, from its index alone, that this sentry and this host can restore it. */
export async function openImage(imagePath: string, options: OpenImageOptions = {}): Promise<OpenedImage> {
  const reader = await ImageReader.open(imagePath, options.key === undefined ? {} : { key: options.key });
  try {
    const metadata = reader.metadata;
    const labels = parseImageLabels(imagePath, metadata.producer, metadata.labels);
    const recorded = labels.facts.cpuFeatures;
    // A host whose CPU cannot be read restores only images with an empty set (portable anywhere).
    const host = options.hostFeatures ?? hostFeatureSet() ?? FeatureSet.empty(recorded.split(':')[1] === 'arm64' ? 'arm64' : 'x86_64');
    const cpuFeatures = checkImageCpuFeatures(imagePath, recorded, host);
    return { reader, labels, cpuFeatures, createdAt: new Date(metadata.createdAt) };
  } catch (error) {
    await reader.close();
    throw error;
  }
}

/** readSandboxState reads and validates the graph section; shared references in it stay shared. */
export async function readSandboxState(image: OpenedImage): Promise<SandboxStateV1> {
  const path = image.reader.path;
  const graph = await image.reader.readGraph(SECTIONS.sandbox);
  // Validate without keeping zod's output: parsing copies objects, which would split the
  // references the kernel state shares (a tmpfs node and the descriptions open on it).
  const checked = SandboxStateV1.safeParse(graph);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new ImageContentError(path, `its sandbox state is malformed at ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`, { cause: checked.error });
  }
  const state = graph as SandboxStateV1;
  const hashes = new Set(state.modules.map((module) => module.hash));
  for (const task of state.tasks) {
    if (!hashes.has(task.moduleHash)) throw new ImageContentError(path, `task ${task.tid} runs module ${task.moduleHash.slice(0, 12)}, which the image does not carry`);
    if (image.reader.section(SECTIONS.memory(task.tid))?.kind !== 'memory') throw new ImageContentError(path, `task ${task.tid} has no memory section`);
    const pages = image.reader.memoryInfo(SECTIONS.memory(task.tid)).pages;
    if (pages !== task.memoryPages) throw new ImageContentError(path, `task ${task.tid} saved ${task.memoryPages} memory pages but its memory section holds ${pages}`);
  }
  if (state.kernel.tasks.length !== state.tasks.length || state.kernel.tasks.some((task, index) => task.tid !== state.tasks[index]?.tid)) {
    throw new ImageContentError(path, 'the kernel tasks and the saved machines do not match');
  }
  return state;
}

/** RestoredModule is a module read from an image and compiled. */
export interface RestoredModule {
  readonly state: ModuleStateV1;
  readonly bytes: Uint8Array;
  readonly module: WebAssembly.Module;
}

/** readModules reads each module's bytes, checks them against their hash and compiles them. */
export async function readModules(image: OpenedImage, state: SandboxStateV1): Promise<Map<string, RestoredModule>> {
  const modules = new Map<string, RestoredModule>();
  for (const module of state.modules) {
    const bytes = await image.reader.readBlob(SECTIONS.module(module.hash));
    if (sha256Hex(bytes) !== module.hash || module.info.hash !== module.hash) {
      throw new ImageContentError(image.reader.path, `module ${module.program} does not have the hash recorded for it`);
    }
    let compiled: WebAssembly.Module;
    try {
      compiled = await WebAssembly.compile(bytes);
    } catch (cause) {
      throw new ImageContentError(image.reader.path, `module ${module.program} does not compile`, { cause });
    }
    modules.set(module.hash, { state: module, bytes, module: compiled });
  }
  return modules;
}

/**
 * checkLowerLayer refuses a restore whose rootfs lacks, or has resized, a lower-layer file the
 * guest holds open: the guest would read other bytes than it was reading (gVisor refuses the
 * same way). Files it does not hold open are bound to the new rootfs as they are.
 */
export async function checkLowerLayer(state: SandboxStateV1, rootfs: string | undefined): Promise<void> {
  if (!state.kernel.root.overlay) return;
  if (rootfs === undefined) throw new HostRebindError('/', '(none)', 'is the root of an overlay whose rootfs was not given to the restore');
  const checked = new Set<string>();
  for (const task of state.kernel.tasks) {
    for (const entry of task.fdTable.entries) {
      const description = entry.description as { kind: string; inode?: { kind: string; node?: { kind: string; lower?: { path: string; size: number } | null } } };
      const node = description.kind === 'file' && description.inode?.kind === 'tmpfs' ? description.inode.node : undefined;
      const lower = node?.kind === 'file' ? node.lower : undefined;
      if (lower === undefined || lower === null || checked.has(lower.path)) continue;
      checked.add(lower.path);
      const hostPath = join(rootfs, lower.path);
      const guestPath = `/${lower.path}`;
      let size: number;
      try {
        const found = await stat(hostPath);
        if (!found.isFile()) throw new HostRebindError(guestPath, hostPath, 'is open in the guest but is no longer a regular file in the rootfs');
        size = found.size;
      } catch (error) {
        if (error instanceof HostRebindError) throw error;
        throw new HostRebindError(guestPath, hostPath, 'is open in the guest but is missing from the rootfs', { cause: error });
      }
      if (size !== lower.size) throw new HostRebindError(guestPath, hostPath, `is open in the guest but changed size in the rootfs (${lower.size} bytes at the checkpoint, ${size} now)`);
    }
  }
}

/**
 * readTaskMemory fills a task's fresh memory (already grown to the saved size) from its
 * section. `onProgress` gets how many of the section's bytes are restored: in proportion to
 * the stored (non-zero) content read so far, since zero pages cost nothing, and the whole
 * size at the end.
 */
export async function readTaskMemory(image: OpenedImage, tid: number, memory: WebAssembly.Memory, onProgress?: (restoredBytes: number) => void): Promise<void> {
  const name = SECTIONS.memory(tid);
  const byteLength = image.reader.memoryInfo(name).byteLength;
  const report = onProgress && (({ bytes, total }: { bytes: number; total: number }) => onProgress(total === 0 ? byteLength : Math.floor((byteLength * bytes) / total)));
  await image.reader.readMemoryInto(name, memory, report === undefined ? {} : { onProgress: report });
  onProgress?.(byteLength);
}
