// The contract between an instrumented module and the machine that runs it: the names the
// instrumenter adds and the machine looks up. One place, so the two cannot drift apart.

/** INSTRUMENTED_ABI names the imports and exports the instrumenter adds to a module. */
export const INSTRUMENTED_ABI = {
  /** Import module of everything stasis adds. */
  importModule: 'stasis',
  /** `stasis.preempt: () -> ()`, called when the preemption counter reaches zero (anywhere mode). */
  preemptImport: 'preempt',
  /** `stasis.memory`: the module's linear memory, supplied by the machine so it can cap and restore it. */
  memoryImport: 'memory',
  /** Exported mutable i32: preemption checks decrement it and call preempt when it reaches zero. */
  counterExport: 'stasis:preempt_counter',
  /** Prefix of the exports of the module's own mutable globals (`stasis:global:<index>`), saved in checkpoints. */
  globalExportPrefix: 'stasis:global:',
  /** Asyncify's control functions (Binaryen src/passes/Asyncify.cpp). */
  startUnwind: 'asyncify_start_unwind',
  stopUnwind: 'asyncify_stop_unwind',
  startRewind: 'asyncify_start_rewind',
  stopRewind: 'asyncify_stop_rewind',
  getState: 'asyncify_get_state',
  /** The WASI command entry point. */
  entry: '_start',
} as const;

/**
 * INSTRUMENTER_VERSION changes whenever the transformation changes, so cached outputs are not
 * reused (it is part of the cache key). 2: counted loops of at most 1024 iterations with no call
 * inside carry no preemption check. 3: asyncified functions have a fast clone without rewind
 * guards (fast-paths.ts). 4: entry checks only on cycles of calls that no loop check precedes
 * (uncovered-calls.ts). 5: each unwind exit of a fast clone that pays for it has its own save
 * block, storing only what a resume at that call can read (unwind-liveness.ts).
 * 6: the functions Asyncify leaves alone keep their prepared bodies (wasm-opt 108 no longer
 * re-optimises them), and FAST_PATH_PASSES run on the fast clones only (body-splice.ts).
 * 7: counted leaf loops with a trip count known only on entry are versioned, one check per
 * entry when it is at most 1024 (loop-versioning.ts).
 * 8: every save block of a fast clone is a function of its own that the clone calls, so V8
 * compiles smaller hot functions (unwind-liveness.ts, outOfLineSave).
 * 9: an unwind exit after a `call_indirect` saves the locals its arguments read only when the
 * table holds an import (unwind-liveness.ts, rewindWalk).
 * 10: a save set that contains another stores only what it adds, then branches to that set's
 * save (unwind-liveness.ts, addedStores).
 */
export const INSTRUMENTER_VERSION = 10;
