// The instrumenter: turns a validated WASI command into a module the machine can stop and
// resume. Done once per (module, mode) and cached (cache.ts). Steps, all in one Binaryen
// session:
//
//  1. Scan every function (function-scan.ts) and refuse what Asyncify cannot unwind.
//  2. anywhere mode: insert a preemption check at every loop header (but counted loops,
//     bounded-loops.ts; loops counted from values known on entry get an unchecked copy
//     charged once per entry, loop-versioning.ts) and at the entry of every function on a
//     cycle of calls that no loop check precedes (uncovered-calls.ts), so any execution that runs long passes a check. A check is
//     `counter -= 1; if (counter <= 0) stasis.preempt()`: a global decrement in the common
//     case; the clock is read only inside the preempt import.
//  3. Compute the functions that can be on the stack when an unwind starts: the callers,
//     transitively, of the WASI imports and of preempt, resolving indirect calls by signature
//     (call-graph.ts). Only those are given to Asyncify (asyncify-onlylist): by default Asyncify
//     assumes every indirect call can unwind, which instruments nearly all of a program like
//     SQLite.
//  4. Export every mutable global (wasm-ld exports none, not even __stack_pointer), and turn
//     the memory into an import so the machine can cap its growth and restore it.
//  5. Run Asyncify, then emit.
import { createHash } from 'node:crypto';
import type { Binaryen, BinaryenModule } from './binaryen-api.js';
import { CallGraph } from './call-graph.js';
import { InstrumentationError, UnsupportedFeatureError } from './errors.js';
import { type RuntimeCountedLoop, loopContext, planLoops } from './bounded-loops.js';
import { addFastPathsToBinary } from './fast-paths.js';
import { expressionChildren, scanModule, signatureKey } from './function-scan.js';
import { INSTRUMENTED_ABI, INSTRUMENTER_VERSION } from './instrumented-abi.js';
import { versionLoops } from './loop-versioning.js';
import { asyncifyWithWasmOpt, findWasmOpt } from './native-asyncify.js';
import { uncoveredCalls } from './uncovered-calls.js';
import { SectionId, readSections } from './wasm-binary.js';

/** InstrumentMode: `anywhere` can stop a task at any moment (preemption points); `safepoint` only at syscalls, and runs faster. */
export type InstrumentMode = 'anywhere' | 'safepoint';

/** InstrumentOptions configure one instrumentation. */
export interface InstrumentOptions {
  /** The program as the user named it, for messages. */
  readonly program: string;
  readonly mode: InstrumentMode;
  /** Binaryen optimization level for the code Asyncify rewrites (0-3; default DEFAULT_OPTIMIZE_LEVEL). */
  readonly optimizeLevel?: number;
  /**
   * Run the Asyncify pass with a native `wasm-opt` (this path, or `$STASIS_WASM_OPT`, or
   * `wasm-opt` on PATH) in a child process when one of a recent enough version is found:
   * several times faster than binaryen.js on big modules, and the event loop keeps running
   * meanwhile. false: always binaryen.js. Default: true.
   */
  readonly wasmOpt?: string | boolean;
  /** Give asyncified functions a fast clone without rewind guards (fast-paths.ts). Default: true. */
  readonly fastPaths?: boolean;
}

/** InstrumentStats report what instrumentation did and cost. */
export interface InstrumentStats {
  readonly milliseconds: number;
  readonly inputBytes: number;
  readonly outputBytes: number;
  readonly functions: number;
  /** Functions Asyncify instruments (those that can be on the stack during an unwind). */
  readonly asyncifiedFunctions: number;
  readonly loops: number;
  /** Functions on a call cycle. Entry checks go only to those on a cycle of calls no loop check precedes: preemptionChecks less the checked loops. */
  readonly recursiveFunctions: number;
  readonly preemptionChecks: number;
  /** Loops left without a check in anywhere mode: counted, at most MAX_UNCHECKED_TRIPS iterations, no call inside (bounded-loops.ts). */
  readonly boundedLoops?: number;
  /** Loops whose trip count is known on entry, given an unchecked copy for entries of at most MAX_UNCHECKED_TRIPS iterations (loop-versioning.ts); counted in preemptionChecks once, for their checked copy. */
  readonly versionedLoops?: number;
  /** What ran Asyncify, e.g. `wasm-opt 108` or `binaryen.js`. */
  readonly asyncifyTool?: string;
  /** Asyncified functions given a fast clone (fast-paths.ts). */
  readonly fastFunctions?: number;
  /** Milliseconds per step (INSTRUMENT_PHASES), measured as they ran; `milliseconds` is their sum less `import`. */
  readonly phases?: InstrumentPhases;
}

/**
 * INSTRUMENT_PHASES names the steps of one instrumentation, in order: loading binaryen.js
 * (once per process; not part of `milliseconds`), reading the module, the function scan, the
 * call graph, the preemption checks (bounded-loop analysis and insertion), exports and the
 * memory import, emitting the prepared module, Asyncify (native wasm-opt child or binaryen.js),
 * the fast clones (fast-paths.ts), V8's validation of the output, hashing.
 */
export const INSTRUMENT_PHASES = ['import', 'read', 'scan', 'callGraph', 'checks', 'exports', 'emit', 'asyncify', 'fastPaths', 'validate', 'hash'] as const;

/** InstrumentPhase is one step of INSTRUMENT_PHASES. */
export type InstrumentPhase = (typeof INSTRUMENT_PHASES)[number];

/** InstrumentPhases are the milliseconds spent in each step of one instrumentation. */
export type InstrumentPhases = Readonly<Partial<Record<InstrumentPhase, number>>>;

/** PhaseClock adds the time since its last lap to a phase. */
class PhaseClock {
  readonly phases: Partial<Record<InstrumentPhase, number>> = {};
  private last = performance.now();

  /** lap charges the time since the previous lap to `phase`. */
  lap(phase: InstrumentPhase): void {
    const now = performance.now();
    this.phases[phase] = Math.round(((this.phases[phase] ?? 0) + now - this.last) * 10) / 10;
    this.last = now;
  }
}

/** InstrumentedModuleInfo describes an instrumented module; it is stored beside the bytes in the cache. */
export interface InstrumentedModuleInfo {
  readonly instrumenterVersion: number;
  readonly mode: InstrumentMode;
  /** sha256 (hex) of the original module bytes. */
  readonly sourceHash: string;
  /** sha256 (hex) of the instrumented bytes: a checkpoint records it, a restore checks it. */
  readonly hash: string;
  /** Limits the module declares for its memory, in 64 KiB pages. */
  readonly memory: { readonly minimum: number; readonly maximum?: number };
  /** Export names of the module's mutable globals, in global index order. */
  readonly globals: readonly string[];
  readonly stats: InstrumentStats;
}

/** InstrumentedModule is an instrumented module's bytes and description. */
export interface InstrumentedModule {
  readonly bytes: Uint8Array;
  readonly info: InstrumentedModuleInfo;
}

/** Features Node 20's V8 runs that Binaryen may keep or use in its output. */
function outputFeatures(binaryen: Binaryen): number {
  const F = binaryen.Features;
  return F.MutableGlobals | F.NontrappingFPToInt | F.SIMD128 | F.BulkMemory | F.SignExt | F.ReferenceTypes | F.Multivalue | F.BulkMemoryOpt;
}

/** DEFAULT_OPTIMIZE_LEVEL is the Binaryen optimization level Asyncify uses unless told otherwise. */
export const DEFAULT_OPTIMIZE_LEVEL = 1;

/** Initial and reset value of the preemption counter (the preempt import adapts it at run time). */
const INITIAL_COUNTER = 10_000;

const SAFE_NAME = /^[A-Za-z0-9_.$]+$/;

/** sha256Hex hashes bytes to lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

let binaryenPromise: Promise<Binaryen> | undefined;

/** loadBinaryen imports binaryen.js once, on first need (it takes most of a second). */
function loadBinaryen(): Promise<Binaryen> {
  binaryenPromise ??= import('binaryen').then((namespace) => namespace.default as unknown as Binaryen);
  return binaryenPromise;
}

/** instrumentModule instruments a validated module for the given mode. */
export async function instrumentModule(source: Uint8Array, options: InstrumentOptions): Promise<InstrumentedModule> {
  const clock = new PhaseClock();
  // Probed while binaryen.js loads: neither waits for the other.
  const nativeProbe = options.wasmOpt === false ? undefined : findWasmOpt(typeof options.wasmOpt === 'string' ? options.wasmOpt : undefined);
  const binaryen = await loadBinaryen();
  clock.lap('import');
  const started = performance.now();
  let module = binaryen.readBinary(source, binaryen.Features.All);
  if (!allFunctionNamesSafe(binaryen, module)) {
    // Asyncify's only-list names functions in a comma-separated list; names from a name
    // section can contain anything, so fall back to Binaryen's index names.
    module.dispose();
    module = binaryen.readBinary(withoutNameSection(source), binaryen.Features.All);
  }
  clock.lap('read');
  let plan: AsyncifyPlan;
  let prepared: Uint8Array;
  try {
    plan = prepare(binaryen, module, options, clock);
    binaryen.setDebugInfo(true);
    prepared = module.emitBinary();
    clock.lap('emit');
  } finally {
    module.dispose();
  }
  const level = options.optimizeLevel ?? DEFAULT_OPTIMIZE_LEVEL;
  const native = await nativeProbe;
  let bytes: Uint8Array | undefined;
  let tool = 'binaryen.js';
  if (native) {
    try {
      bytes = await asyncifyWithWasmOpt(native, prepared, plan.asyncImports, plan.onlyList, level, (definedIndex) => plan.instrumented[definedIndex] === 1);
      tool = native.tool;
    } catch {
      // A native tool that fails (an old build, a crash) is not the program's fault: fall back.
      bytes = undefined;
    }
  }
  bytes ??= asyncifyInProcess(binaryen, prepared, plan, level, options.program);
  clock.lap('asyncify');
  let fastFunctions: number | undefined;
  if (options.fastPaths !== false) {
    try {
      ({ bytes, stats: { fastFunctions } } = await addFastPathsToBinary(binaryen, bytes, outputFeatures(binaryen), native));
    } catch (cause) {
      throw new InstrumentationError(options.program, `fast paths: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
  }
  clock.lap('fastPaths');
  if (!WebAssembly.validate(bytes)) throw new InstrumentationError(options.program, `${tool} produced a module V8 rejects`);
  clock.lap('validate');
  const sourceHash = sha256Hex(source);
  const hash = sha256Hex(bytes);
  clock.lap('hash');
  return {
    bytes,
    info: {
      instrumenterVersion: INSTRUMENTER_VERSION,
      mode: options.mode,
      sourceHash,
      hash,
      memory: plan.memory,
      globals: plan.globals,
      stats: {
        milliseconds: Math.round(performance.now() - started),
        inputBytes: source.length,
        outputBytes: bytes.length,
        ...plan.counts,
        asyncifyTool: tool,
        ...(fastFunctions !== undefined ? { fastFunctions } : {}),
        phases: clock.phases,
      },
    },
  };
}

/** AsyncifyPlan is what the preparation decided, for the Asyncify step and the module's description. */
interface AsyncifyPlan {
  /** Imports that may unwind, as `module.base`. */
  readonly asyncImports: readonly string[];
  /** Functions Asyncify instruments (never empty: see prepare). */
  readonly onlyList: readonly string[];
  /** 1 for each defined function, in module order, that is on the only-list. */
  readonly instrumented: Uint8Array;
  readonly globals: string[];
  readonly memory: { readonly minimum: number; readonly maximum?: number };
  readonly counts: Pick<InstrumentStats, 'functions' | 'asyncifiedFunctions' | 'loops' | 'recursiveFunctions' | 'preemptionChecks' | 'boundedLoops' | 'versionedLoops'>;
}

function asyncifyInProcess(binaryen: Binaryen, prepared: Uint8Array, plan: AsyncifyPlan, level: number, program: string): Uint8Array {
  const module = binaryen.readBinary(prepared, outputFeatures(binaryen));
  try {
    binaryen.setPassArgument('asyncify-imports', plan.asyncImports.join(','));
    binaryen.setPassArgument('asyncify-onlylist', plan.onlyList.join(','));
    binaryen.setOptimizeLevel(level);
    binaryen.setShrinkLevel(0);
    binaryen.setDebugInfo(true);
    module.runPasses(['asyncify']);
    return module.emitBinary();
  } catch (cause) {
    throw new InstrumentationError(program, cause instanceof Error ? cause.message : String(cause), { cause });
  } finally {
    module.dispose();
    binaryen.clearPassArguments();
  }
}

/** prepare does everything but Asyncify: scan, preemption checks, the call graph, exports, the memory import. */
function prepare(binaryen: Binaryen, module: BinaryenModule, options: InstrumentOptions, clock: PhaseClock): AsyncifyPlan {
  const { program, mode } = options;
  const scan = scanModule(binaryen, module);
  if ('feature' in scan) throw new UnsupportedFeatureError(program, scan.feature, scan.detail);
  clock.lap('scan');

  const graph = new CallGraph();
  const functionImports: string[] = [];
  const asyncImports: string[] = [];
  const signatureOf = new Map<string, string>();
  for (let index = 0, count = module.getNumFunctions(); index < count; index++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(index));
    graph.node(info.name);
    signatureOf.set(info.name, signatureKey(info.params, info.results));
    if (info.module) {
      functionImports.push(info.name);
      // Every WASI import may stop the task: it may block, and a pause or a checkpoint is
      // taken at the next import call (see machine.ts).
      asyncImports.push(`${info.module}.${info.base}`);
    }
  }
  const tableTargets = new Map<string, Set<string>>();
  const addTableTarget = (name: string): void => {
    const signature = signatureOf.get(name);
    if (signature === undefined) return;
    let targets = tableTargets.get(signature);
    if (!targets) tableTargets.set(signature, (targets = new Set()));
    targets.add(name);
  };
  for (let index = 0, count = module.getNumElementSegments(); index < count; index++) {
    for (const name of binaryen.getElementSegmentInfo(module.getElementSegmentByIndex(index)).data) addTableTarget(name);
  }
  for (const name of scan.referencedFunctions) addTableTarget(name);
  for (const facts of scan.functions) {
    for (const callee of facts.directCallees) graph.addEdge(facts.name, callee);
    for (const signature of facts.indirectSignatures) {
      for (const callee of tableTargets.get(signature) ?? []) graph.addEdge(facts.name, callee);
    }
  }

  let recursiveCount = 0;
  let loopCount = 0;
  let checks = 0;
  let boundedCount = 0;
  let versionedCount = 0;
  const unwindRoots = [...functionImports];
  clock.lap('callGraph');
  if (mode === 'anywhere') {
    const children = expressionChildren(binaryen);
    // Found before any check is inserted: the analysis reads the loops as the compiler wrote them.
    const boundedLoops = new Map<string, Set<number>>();
    const runtimeCounted = new Map<string, RuntimeCountedLoop[]>();
    // The calls no loop check precedes (uncovered-calls.ts): only cycles of these need entry checks.
    const uncoveredGraph = new CallGraph();
    for (const facts of scan.functions) {
      const context = loopContext(binaryen, module, facts, children);
      const plan = planLoops(binaryen, context);
      const bounded = plan.unchecked;
      boundedLoops.set(facts.name, bounded);
      runtimeCounted.set(facts.name, plan.runtimeCounted);
      const checkedLoops = new Set(facts.loops.filter((loop) => !bounded.has(loop)));
      const calls = (checkedLoops.size > 0 ? uncoveredCalls(binaryen, context.body, checkedLoops, children) : undefined) ?? facts;
      uncoveredGraph.node(facts.name);
      for (const callee of calls.directCallees) uncoveredGraph.addEdge(facts.name, callee);
      for (const signature of calls.indirectSignatures) {
        for (const callee of tableTargets.get(signature) ?? []) uncoveredGraph.addEdge(facts.name, callee);
      }
    }
    recursiveCount = graph.recursiveFunctions().size;
    const entryChecked = uncoveredGraph.recursiveFunctions();
    const preempt = addPreemption(binaryen, module);
    unwindRoots.push(preempt.name);
    asyncImports.push(`${INSTRUMENTED_ABI.importModule}.${INSTRUMENTED_ABI.preemptImport}`);
    for (const facts of scan.functions) {
      loopCount += facts.loops.length;
      const handle = module.getFunction(facts.name);
      const bounded = boundedLoops.get(facts.name) as Set<number>;
      boundedCount += bounded.size;
      // Before the loop checks go in: the unchecked copies are copies of the loops as they are now.
      const loops = runtimeCounted.get(facts.name) ?? [];
      versionedCount += versionLoops(binaryen, module, { name: facts.name, loops, check: preempt.check, children });
      let checked = false;
      for (const loop of facts.loops) {
        if (bounded.has(loop)) continue;
        const body = binaryen.Loop.getBody(loop);
        binaryen.Loop.setBody(loop, module.block(null, [...preempt.check(), body], binaryen.getExpressionType(body)));
        checks++;
        checked = true;
      }
      if (entryChecked.has(facts.name)) {
        const body = binaryen.Function.getBody(handle);
        binaryen.Function.setBody(handle, module.block(null, [...preempt.check(), body], binaryen.Function.getResults(handle)));
        checks++;
        checked = true;
      }
      if (checked) graph.addEdge(facts.name, preempt.name);
    }
  } else {
    for (const facts of scan.functions) loopCount += facts.loops.length;
  }

  clock.lap('checks');
  const imported = new Set(functionImports);
  const asyncified = [...graph.callersOf(unwindRoots)].filter((name) => !imported.has(name) && name !== INSTRUMENTED_PREEMPT_NAME);
  clock.lap('callGraph');
  const onlyListed = new Set(asyncified);
  const instrumented: number[] = [];
  for (let index = 0, count = module.getNumFunctions(); index < count; index++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(index));
    if (!info.module) instrumented.push(onlyListed.has(info.name) ? 1 : 0);
  }
  const globals = exportMutableGlobals(binaryen, module, program);
  const memoryInfo = module.getMemoryInfo();
  module.addMemoryImport('0', INSTRUMENTED_ABI.importModule, INSTRUMENTED_ABI.memoryImport, false);
  module.setFeatures(outputFeatures(binaryen));
  clock.lap('exports');
  return {
    asyncImports,
    // An empty only-list means "no list" to Asyncify; a module with nothing to instrument
    // still gets a harmless entry so that Asyncify does not fall back to instrumenting all.
    onlyList: asyncified.length > 0 ? asyncified : [INSTRUMENTED_ABI.entry],
    instrumented: Uint8Array.from(instrumented),
    globals,
    memory: { minimum: memoryInfo.initial, ...(memoryInfo.max !== undefined ? { maximum: memoryInfo.max } : {}) },
    counts: {
      functions: scan.functions.length,
      asyncifiedFunctions: asyncified.length,
      loops: loopCount,
      recursiveFunctions: recursiveCount,
      preemptionChecks: checks,
      boundedLoops: boundedCount,
      versionedLoops: versionedCount,
    },
  };
}

/** Internal Binaryen names of what addPreemption adds. */
const INSTRUMENTED_PREEMPT_NAME = 'stasis$preempt';
const INSTRUMENTED_COUNTER_NAME = 'stasis$preempt_counter';

/** addPreemption adds the preempt import and the counter; `check(amount)` emits a check charging `amount` iterations (an i32 expression; default 1). */
function addPreemption(binaryen: Binaryen, module: BinaryenModule): { name: string; check: (amount?: number) => number[] } {
  module.addFunctionImport(INSTRUMENTED_PREEMPT_NAME, INSTRUMENTED_ABI.importModule, INSTRUMENTED_ABI.preemptImport, binaryen.none, binaryen.none);
  module.addGlobal(INSTRUMENTED_COUNTER_NAME, binaryen.i32, true, module.i32.const(INITIAL_COUNTER));
  module.addGlobalExport(INSTRUMENTED_COUNTER_NAME, INSTRUMENTED_ABI.counterExport);
  const check = (amount: number = module.i32.const(1)): number[] => [
    module.global.set(INSTRUMENTED_COUNTER_NAME, module.i32.sub(module.global.get(INSTRUMENTED_COUNTER_NAME, binaryen.i32), amount)),
    module.if(
      module.i32.le_s(module.global.get(INSTRUMENTED_COUNTER_NAME, binaryen.i32), module.i32.const(0)),
      module.call(INSTRUMENTED_PREEMPT_NAME, [], binaryen.none),
    ),
  ];
  return { name: INSTRUMENTED_PREEMPT_NAME, check };
}

function exportMutableGlobals(binaryen: Binaryen, module: BinaryenModule, program: string): string[] {
  const names: string[] = [];
  const scalar = new Set([binaryen.i32, binaryen.i64, binaryen.f32, binaryen.f64]);
  for (let index = 0, count = module.getNumGlobals(); index < count; index++) {
    const info = binaryen.getGlobalInfo(module.getGlobalByIndex(index));
    if (!info.mutable || info.module || info.name === INSTRUMENTED_COUNTER_NAME) continue;
    if (!scalar.has(info.type)) {
      throw new UnsupportedFeatureError(program, 'a mutable reference or vector global', `global ${info.name} could not be saved in a checkpoint`);
    }
    const exportName = `${INSTRUMENTED_ABI.globalExportPrefix}${index}`;
    module.addGlobalExport(info.name, exportName);
    names.push(exportName);
  }
  return names;
}

function allFunctionNamesSafe(binaryen: Binaryen, module: BinaryenModule): boolean {
  for (let index = 0, count = module.getNumFunctions(); index < count; index++) {
    if (!SAFE_NAME.test(binaryen.getFunctionInfo(module.getFunctionByIndex(index)).name)) return false;
  }
  return true;
}

/** withoutNameSection returns the module bytes without the `name` custom section. */
function withoutNameSection(bytes: Uint8Array): Uint8Array {
  const name = readSections(bytes).find((section) => section.id === SectionId.CUSTOM && section.name === 'name');
  if (!name) return bytes;
  const out = new Uint8Array(bytes.length - (name.end - name.headerStart));
  out.set(bytes.subarray(0, name.headerStart), 0);
  out.set(bytes.subarray(name.end), name.headerStart);
  return out;
}
