// Save and restore of a machine: everything a stopped task's wasm instance holds that its
// module bytes do not. That is the linear memory, the module's mutable globals (exported by
// the instrumenter under `stasis:global:<index>`, plus the preemption counter), and the
// Asyncify stack (the task's call frames, saved while it was unwound). The table is not
// saved: the loader refuses modules that change their table, so the module bytes define it.
// Asyncify's own globals are not saved either: between an unwind and a rewind they hold
// nothing, since the rewind hands over a fresh buffer.
//
// A restore must run the *same instrumented bytes* (the state records their hash): a fresh
// instance is created with its memory grown to the saved size, the saved bytes replace
// everything (including what the fresh instance's data segments wrote), the globals are set,
// and the next run() rewinds into the saved frames.
import { z } from 'zod';
import { MachineStateError } from './errors.js';
import { Machine, type MachineOptions } from './machine.js';

const PAGE_BYTES = 65536;

/** MachineStateV1 is the saved form of a machine stopped at a safe point. */
export const MachineStateV1 = z.object({
  version: z.literal(1),
  /** sha256 of the instrumented module bytes this state belongs to. */
  moduleHash: z.string().regex(/^[0-9a-f]{64}$/),
  /** 'ready': never ran; 'unwound': stopped at a safe point. */
  phase: z.enum(['ready', 'unwound']),
  memoryPages: z.number().int().nonnegative(),
  /** The linear memory, `memoryPages * 65536` bytes (a saver may hand over the live memory's view). */
  memory: z.instanceof(Uint8Array),
  globals: z.map(z.string(), z.union([z.number(), z.bigint()])),
  /** The Asyncify stack. */
  frames: z.instanceof(Uint8Array),
});
/** MachineStateV1 is the saved form of a machine stopped at a safe point. */
export type MachineStateV1 = z.infer<typeof MachineStateV1>;

/**
 * saveMachine returns the state of a machine stopped at a safe point. `memory` is a view of
 * the live memory, not a copy (a big memory is written once, straight from the guest's
 * buffer): serialize it before the machine runs again.
 */
export function saveMachine(machine: Machine): MachineStateV1 {
  const snapshot = machine.snapshot();
  const buffer = snapshot.memory.buffer;
  return {
    version: 1,
    moduleHash: machine.info.hash,
    phase: snapshot.phase,
    memoryPages: buffer.byteLength / PAGE_BYTES,
    memory: new Uint8Array(buffer),
    globals: new Map(snapshot.globals),
    frames: snapshot.frames.slice(),
  };
}

/** LoadMachineOptions are a machine's options plus, optionally, a custom way to fill memory. */
export interface LoadMachineOptions extends MachineOptions {
  /**
   * writeMemory fills the fresh memory (already grown to the saved size) from the image, for
   * savers that keep memory as sparse page runs. It must overwrite every byte the fresh
   * instance's data segments wrote. By default `state.memory` is copied whole.
   */
  readonly writeMemory?: (memory: WebAssembly.Memory) => void;
}

/** loadMachine rebuilds a saved machine in a fresh instance of the same instrumented module. */
export async function loadMachine(state: MachineStateV1, options: LoadMachineOptions): Promise<Machine> {
  const parsed = MachineStateV1.safeParse(state);
  if (!parsed.success) throw new MachineStateError(`malformed machine state: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  if (state.moduleHash !== options.info.hash) {
    throw new MachineStateError(`machine state belongs to module ${state.moduleHash.slice(0, 12)}, not ${options.info.hash.slice(0, 12)}`);
  }
  if (!options.writeMemory && state.memory.length !== state.memoryPages * PAGE_BYTES) {
    throw new MachineStateError(`machine state holds ${state.memory.length} bytes of memory for ${state.memoryPages} pages`);
  }
  const machine = await Machine.create(options, state.memoryPages);
  if (machine.memory.buffer.byteLength !== state.memoryPages * PAGE_BYTES) {
    throw new MachineStateError(`the module needs ${machine.memory.buffer.byteLength / PAGE_BYTES} pages, more than the ${state.memoryPages} saved`);
  }
  if (options.writeMemory) options.writeMemory(machine.memory);
  else new Uint8Array(machine.memory.buffer).set(state.memory);
  machine.adopt(state);
  return machine;
}
