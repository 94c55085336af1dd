// Fast and slow versions of every asyncified function, so that Asyncify's rewind guards leave
// the hot path. Runs on Asyncify's output.
//
// Asyncify makes a function resumable by guarding every straight-line segment with "if the
// state is normal" and every call with "if normal, or if rewinding and this is the call to
// resume", and by reading the state again after each call to unwind. Only the last check is
// needed while no rewind is in progress, and a rewind only ever starts from the host, between
// two runs of guest code (machine.ts: startRewind, then the entry point). So each asyncified
// function F gets a clone `F$fast` in which every read of the state that cannot observe an
// unwind is the constant "normal"; the optimizer then folds the rewind prologue, the segment
// guards and the call-index dispatch away. The unwind path after each call is copied unchanged,
// so the frames a fast function saves have exactly the slow function's layout (same call
// indices, same locals at the same offsets) and the slow F rewinds them.
//
// Routing: table entries, `ref.func` and exports name `F$fast`, and so do direct calls in
// fast clones; such a clone, which the host or a slow frame may enter while rewinding, first
// forwards to the slow F when the state is "rewinding". Slow bodies call slow versions, so a
// rewind goes down the saved frames with no extra frame per level, and every slow F first
// forwards to `F$fast` when the state is not "rewinding": slow code only runs to rewind a saved
// frame, and once the rewind ends (in the import that started the unwind) the calls that frame
// makes reach fast code again. A rewound frame itself stays slow until it returns (a `main`
// holding the hot loop).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ASYNCIFY_STATE, StateTests } from './asyncify-state.js';
import type { Binaryen, BinaryenModule } from './binaryen-api.js';
import { BodySpliceError, codeEntries, spliceBodies, withStubBodies } from './body-splice.js';
import { type ExpressionTree, expressionTreeReader } from './expression-tree.js';
import { expressionChildren } from './function-scan.js';
import { INSTRUMENTED_ABI } from './instrumented-abi.js';
import { type NativeWasmOpt, WASM_OPT_FEATURES } from './native-asyncify.js';
import { addUnwindSaves, NO_SAVES, PER_EXIT_SAVES, type PerExitSaveRule, type UnwindSaveStats } from './unwind-liveness.js';

type ExpressionRef = number;

/** The expression accessors this transform uses beyond binaryen-api.ts (present in binaryen.js, not in its index.d.ts). */
type Accessors = Binaryen & {
  readonly Block: { getName(block: ExpressionRef): string | null; getNumChildren(block: ExpressionRef): number; getChildAt(block: ExpressionRef, index: number): ExpressionRef };
  readonly Loop: { getName(loop: ExpressionRef): string | null };
  readonly If: { getCondition(node: ExpressionRef): ExpressionRef; getIfTrue(node: ExpressionRef): ExpressionRef; getIfFalse(node: ExpressionRef): ExpressionRef };
  readonly Break: { getName(node: ExpressionRef): string; getCondition(node: ExpressionRef): ExpressionRef; getValue(node: ExpressionRef): ExpressionRef };
  readonly Switch: {
    getNumNames(node: ExpressionRef): number;
    getNameAt(node: ExpressionRef, index: number): string;
    getDefaultName(node: ExpressionRef): string;
    getCondition(node: ExpressionRef): ExpressionRef;
    getValue(node: ExpressionRef): ExpressionRef;
  };
  readonly Call: { setTarget(call: ExpressionRef, target: string): void };
  readonly RefFunc: { setFunc(reference: ExpressionRef, name: string): void };
  readonly GlobalGet: { getName(node: ExpressionRef): string; setName(node: ExpressionRef, name: string): void };
};

/** Suffix of the fast clone's name; `$` cannot occur in a C identifier, so no clash with the program's names. */
const FAST_SUFFIX = '$fast';
/** Immutable global holding ASYNCIFY_STATE.normal: fast clones read it where the state is known, and the optimizer folds it. */
const NORMAL_STATE_GLOBAL = 'stasis$asyncify_state_normal';

/**
 * FAST_PATH_PASSES clean the clones up once their state reads are constants: fold the reads and
 * the guards they decide, drop the dead code and blocks. None of them renumbers locals or moves
 * a local read or write across a call, which unwind-liveness.ts relies on (a clone's liveness
 * after a call is the slow version's): keep it so when changing the list (no simplify-locals,
 * coalesce-locals, code-pushing). The full -O1 pipeline gave the same
 * size within 1% and took 37 s on SQLite in binaryen.js (these: 18 s; 4 s in native wasm-opt).
 */
export const FAST_PATH_PASSES = ['precompute', 'optimize-instructions', 'remove-unused-brs', 'vacuum', 'merge-blocks'] as const;

/** FastPathStats report what addFastPaths did. */
export interface FastPathStats {
  /** Asyncified functions that got a fast clone. */
  readonly fastFunctions: number;
  /** Reads of the Asyncify state in the clones, and how many of them became the constant "normal". */
  readonly stateReads: number;
  readonly foldedStateReads: number;
  /** Unwind exits in the clones that save less than every local, the save blocks they share, and the stores left out of them (unwind-liveness.ts). */
  readonly ownSaveExits: number;
  readonly saveBlocks: number;
  readonly droppedStores: number;
  /** Functions holding the save blocks, moved out of the clones so that V8 compiles less in the hot functions. */
  readonly saveFunctions: number;
  /** Save blocks that store only what they add to a smaller set's block, then continue there (unwind-liveness.ts). */
  readonly chainedBlocks: number;
  /** Each asyncified function's fast clone, by the slow version's name. */
  readonly fastNames: ReadonlyMap<string, string>;
}

/**
 * addFastPaths gives every asyncified function of an Asyncify output a fast clone and routes
 * every reference to it (see the file comment), then runs FAST_PATH_PASSES on the clones unless
 * `optimize` is false (the caller then runs them), then gives the clones that `saves` selects
 * save blocks per unwind exit (unwind-liveness.ts; only when `optimize`, as that must follow the
 * clean-up). A module with no asyncified function is left unchanged.
 */
export function addFastPaths(api: Binaryen, module: BinaryenModule, optimize = true, saves: PerExitSaveRule | false = PER_EXIT_SAVES): FastPathStats {
  const binaryen = api as Accessors;
  const state = asyncifyStateGlobal(binaryen, module);
  const helpers = asyncifyHelpers(binaryen, module);
  const readTree = expressionTreeReader(binaryen);
  const defined: string[] = [];
  const imported = new Set<string>();
  for (let index = 0, count = module.getNumFunctions(); index < count; index++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(index));
    if (info.module) imported.add(info.name);
    else if (!helpers.has(info.name)) defined.push(info.name);
  }
  // Each body's tree is read once, for the test below and the routing (neither changes its shape).
  const trees = new Map<string, ExpressionTree>();
  for (const name of defined) trees.set(name, readTree(binaryen.getFunctionInfo(module.getFunction(name)).body));
  const asyncified = defined.filter((name) => readsGlobal(binaryen, trees.get(name) as ExpressionTree, state));
  if (asyncified.length === 0) return { fastFunctions: 0, stateReads: 0, foldedStateReads: 0, ownSaveExits: 0, saveBlocks: 0, droppedStores: 0, saveFunctions: 0, chainedBlocks: 0, fastNames: new Map() };
  const fastName = new Map(asyncified.map((name) => [name, uniqueName(module, `${name}${FAST_SUFFIX}`)]));
  module.addGlobal(NORMAL_STATE_GLOBAL, binaryen.i32, false, module.i32.const(ASYNCIFY_STATE.normal));

  // A call can leave the state "unwinding" only if its callee can: an import or an asyncified
  // function (the clones still name the slow versions here; calls are redirected below).
  const mayUnwind = (callee: string): boolean => imported.has(callee) || fastName.has(callee);
  let stateReads = 0;
  let folded = 0;
  for (const name of asyncified) {
    const info = binaryen.getFunctionInfo(module.getFunction(name));
    const body = module.copyExpression(info.body);
    const tree = readTree(body);
    const reads = new StateFlow(binaryen, tree, state, mayUnwind).run();
    stateReads += reads.all.size;
    for (const read of reads.all) {
      if (reads.mayObserveUnwind.has(read)) continue;
      binaryen.GlobalGet.setName(read, NORMAL_STATE_GLOBAL);
      folded++;
    }
    const fast = fastName.get(name) as string;
    module.addFunction(fast, info.params, info.results, info.vars, body);
    trees.set(fast, tree);
  }

  // Direct calls in fast clones (and in functions outside Asyncify, which are never on a rewind
  // path) go to fast clones. Slow bodies keep calling slow versions, so a rewind goes from slow
  // frame to slow frame with no extra frame per level: a deep recursion rewinds in the stack it
  // needed before. A `ref.func` anywhere names the fast clone.
  const slow = new Set(asyncified);
  const referenced = new Set<string>();
  for (const name of [...defined, ...fastName.values()]) {
    redirect(binaryen, trees.get(name) as ExpressionTree, fastName, !slow.has(name), referenced);
  }
  for (const name of routeTable(binaryen, module, fastName)) referenced.add(name);
  for (const name of routeExports(binaryen, module, fastName)) referenced.add(name);
  // A slow version entered while not rewinding (a call from a rewound slow frame) continues in
  // the fast clone; a fast clone reachable through the table, an export or a reference, which
  // the host or a slow frame may enter while rewinding, forwards to the slow version. A clone
  // only called directly from fast code never sees a rewind and needs no check.
  const isRewinding = (): number => module.i32.eq(module.global.get(state, binaryen.i32), module.i32.const(ASYNCIFY_STATE.rewinding));
  for (const [name, fast] of fastName) {
    forwardWhen(binaryen, module, name, fast, module.i32.eqz(isRewinding()));
    if (referenced.has(name)) forwardWhen(binaryen, module, fast, name, isRewinding());
  }
  let saved = NO_SAVES;
  if (optimize) {
    for (const fast of fastName.values()) module.runPassesOnFunction(fast, FAST_PATH_PASSES);
    if (saves) saved = addUnwindSavesOf(binaryen, module, fastName, saves);
  }
  return { fastFunctions: asyncified.length, stateReads, foldedStateReads: folded, ownSaveExits: saved.exits, saveBlocks: saved.saveBlocks, droppedStores: saved.droppedStores, saveFunctions: saved.saveFunctions, chainedBlocks: saved.chainedBlocks, fastNames: fastName };
}

/**
 * addUnwindSavesOf runs addUnwindSaves under `rule` on every fast clone of `fastName`
 * (slow name to clone name) once the clones are cleaned up: the clean-up removes reads only the
 * rewind path had, and the liveness must be that of the code V8 compiles.
 */
export function addUnwindSavesOf(api: Binaryen, module: BinaryenModule, fastName: ReadonlyMap<string, string>, rule: PerExitSaveRule): UnwindSaveStats {
  const binaryen = api as Accessors;
  const stateGlobal = asyncifyStateGlobal(binaryen, module);
  const imported = new Set<string>();
  for (let index = 0, count = module.getNumFunctions(); index < count; index++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(index));
    if (info.module) imported.add(info.name);
  }
  let hostInTable = false;
  for (let index = 0, count = module.getNumElementSegments(); index < count && !hostInTable; index++) {
    hostInTable = binaryen.getElementSegmentInfo(module.getElementSegmentByIndex(index)).data.some((name) => imported.has(name));
  }
  const context = { children: expressionChildren(binaryen), readTree: expressionTreeReader(binaryen), imported, hostInTable, tests: new StateTests(binaryen, stateGlobal) };
  let exits = 0;
  let saveBlocks = 0;
  let droppedStores = 0;
  let saveFunctions = 0;
  let chainedBlocks = 0;
  for (const [slow, fast] of fastName) {
    const slowHandle = module.getFunction(slow);
    const fastHandle = module.getFunction(fast);
    if (!slowHandle || !fastHandle) continue;
    const result = addUnwindSaves(binaryen, module, context, binaryen.getFunctionInfo(fastHandle).body, binaryen.getFunctionInfo(slowHandle).body, rule, fast);
    exits += result.exits;
    saveBlocks += result.saveBlocks;
    droppedStores += result.droppedStores;
    saveFunctions += result.saveFunctions;
    chainedBlocks += result.chainedBlocks;
  }
  return { exits, saveBlocks, droppedStores, saveFunctions, chainedBlocks };
}

/** The Asyncify state global: the one `asyncify_get_state` returns. */
function asyncifyStateGlobal(binaryen: Accessors, module: BinaryenModule): string {
  const exported = module.getExport(INSTRUMENTED_ABI.getState);
  if (!exported) throw new FastPathError(`the module has no ${INSTRUMENTED_ABI.getState} export`);
  const body = binaryen.getFunctionInfo(module.getFunction(binaryen.getExportInfo(exported).value)).body;
  const children = expressionChildren(binaryen);
  const stack = [body];
  while (stack.length > 0) {
    const expression = stack.pop() as ExpressionRef;
    if (binaryen.getExpressionId(expression) === binaryen.GlobalGetId) return binaryen.GlobalGet.getName(expression);
    stack.push(...(children(expression) ?? []));
  }
  throw new FastPathError(`${INSTRUMENTED_ABI.getState} reads no global`);
}

/** The functions behind Asyncify's exports: the host calls them, the guest never does. */
function asyncifyHelpers(binaryen: Accessors, module: BinaryenModule): Set<string> {
  const helpers = new Set<string>();
  for (const name of [INSTRUMENTED_ABI.startUnwind, INSTRUMENTED_ABI.stopUnwind, INSTRUMENTED_ABI.startRewind, INSTRUMENTED_ABI.stopRewind, INSTRUMENTED_ABI.getState]) {
    const exported = module.getExport(name);
    if (exported) helpers.add(binaryen.getExportInfo(exported).value);
  }
  return helpers;
}

/** readsGlobal: the body `tree` reads `global`. Throws on an expression kind the tree does not know. */
function readsGlobal(binaryen: Accessors, tree: ExpressionTree, global: string): boolean {
  const { refs, ids, childCount, size, kinds } = tree;
  for (let node = 0; node < size; node++) {
    if ((childCount[node] as number) < 0) throw new FastPathError(`unknown Binaryen expression id ${ids[node]}`);
  }
  for (let node = 0; node < size; node++) {
    if (ids[node] === kinds.GlobalGet && binaryen.GlobalGet.getName(refs[node] as ExpressionRef) === global) return true;
  }
  return false;
}

function uniqueName(module: BinaryenModule, wanted: string): string {
  let name = wanted;
  for (let suffix = 2; module.getFunction(name); suffix++) name = `${wanted}${suffix}`;
  return name;
}

/**
 * Flow is what is known of the state at a program point: `true` if it may be "unwinding" (a
 * call that can unwind ran and no unwind check has been passed since), `false` if it is
 * "normal", undefined if the point is unreachable.
 */
type Flow = boolean | undefined;

function joinFlow(a: Flow, b: Flow): Flow {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a || b;
}

/**
 * StateFlow finds, in a fast clone, the reads of the Asyncify state that may run while it is
 * "unwinding". In a fast clone the state is "normal" on entry (rewinds go to the slow version)
 * and only a call can change it; a read after a call is safe again once an unwind check
 * (`br_if` or `if` on `state == unwinding`) has been passed without branching. Walked in
 * evaluation order, loops to a fixed point, every branch joined into its target.
 */
class StateFlow {
  readonly all = new Set<ExpressionRef>();
  readonly mayObserveUnwind = new Set<ExpressionRef>();
  private readonly labels = new Map<string, Flow>();
  private readonly binaryen: Accessors;
  private readonly tree: ExpressionTree;
  private readonly tests: StateTests;
  private readonly mayUnwind: (callee: string) => boolean;
  /**
   * What each node needs, read from binaryen.js once (loops are walked again until their fixed
   * point): 1 in `inert` for an expression with no control flow, call or state read inside,
   * which leaves the flow as it is; 1 in `stateRead` for a read of the state; the label of
   * each block, loop and break.
   */
  private readonly inert: Uint8Array;
  private readonly stateRead: Uint8Array;
  private readonly names: (string | null)[];
  /** Each `if` and `br_if` condition's unwind test and each call's callee, read on first need. */
  private readonly unwindChecks: Int8Array;
  private readonly callees: (string | undefined)[];

  constructor(binaryen: Accessors, tree: ExpressionTree, state: string, mayUnwind: (callee: string) => boolean) {
    this.binaryen = binaryen;
    this.tree = tree;
    this.tests = new StateTests(binaryen, state);
    this.mayUnwind = mayUnwind;
    const b = binaryen;
    const { refs, ids, firstChild, childCount, size, kinds } = tree;
    this.inert = new Uint8Array(size);
    this.stateRead = new Uint8Array(size);
    this.names = new Array<string | null>(size).fill(null);
    this.unwindChecks = new Int8Array(size).fill(-1);
    this.callees = new Array<string | undefined>(size);
    const ownMeaning = new Set(CONTROL_OR_CALL.map((kind) => b[kind]));
    // Children are numbered after their parent: settle them first.
    for (let node = size - 1; node >= 0; node--) {
      const id = ids[node];
      const expression = refs[node] as ExpressionRef;
      const count = childCount[node] as number;
      if (id === kinds.Block) this.names[node] = b.Block.getName(expression);
      else if (id === kinds.Loop) this.names[node] = b.Loop.getName(expression);
      else if (id === kinds.Break) this.names[node] = b.Break.getName(expression);
      else if (id === kinds.GlobalGet && b.GlobalGet.getName(expression) === state) this.stateRead[node] = 1;
      if (count < 0 || this.stateRead[node] === 1 || ownMeaning.has(id as number)) continue;
      let all = 1;
      for (let child = firstChild[node] as number, end = child + count; child < end && all === 1; child++) all = this.inert[child] as number;
      this.inert[node] = all;
    }
  }

  run(): this {
    this.visit(0, false);
    return this;
  }

  private visit(node: number, flow: Flow): Flow {
    if (this.inert[node] === 1) return flow;
    const b = this.binaryen;
    const { refs, ids, firstChild, childCount, present, kinds } = this.tree;
    const id = ids[node];
    const start = firstChild[node] as number;
    const count = childCount[node] as number;
    switch (id) {
      case kinds.Block: {
        const name = this.names[node];
        const outer = name ? this.labels.get(name) : undefined;
        if (name) this.labels.set(name, undefined);
        let current = flow;
        for (let child = start, end = start + count; child < end; child++) current = this.visit(child, current);
        if (!name) return current;
        current = joinFlow(current, this.labels.get(name));
        this.labels.set(name, outer);
        return current;
      }
      case kinds.Loop: {
        // A loop's only child is its body.
        const name = this.names[node];
        const outer = name ? this.labels.get(name) : undefined;
        let entry = flow;
        let exit: Flow;
        for (;;) {
          if (name) this.labels.set(name, undefined);
          exit = this.visit(start, entry);
          const next = joinFlow(entry, name ? this.labels.get(name) : undefined);
          if (next === entry) break;
          entry = next;
        }
        if (name) this.labels.set(name, outer);
        return exit;
      }
      case kinds.If: {
        // Condition, true arm, false arm if present.
        const afterCondition = this.visit(start, flow);
        const whenFalse = afterCondition !== undefined && this.isUnwindCheck(start) ? false : afterCondition;
        return joinFlow(this.visit(start + 1, afterCondition), count === 3 ? this.visit(start + 2, whenFalse) : whenFalse);
      }
      case kinds.Break: {
        // The tree lists the condition, then the value, each if present; the value is evaluated first.
        const mask = present[node] as number;
        const condition = mask & 1 ? start : -1;
        const value = mask & 2 ? start + (mask & 1) : -1;
        let current = value >= 0 ? this.visit(value, flow) : flow;
        if (condition >= 0) current = this.visit(condition, current);
        this.branch(this.names[node] as string, current);
        if (condition < 0) return undefined;
        return current !== undefined && this.isUnwindCheck(condition) ? false : current;
      }
      case kinds.Switch: {
        // The tree lists the condition, then the value if present; the value is evaluated first.
        const expression = refs[node] as ExpressionRef;
        let current = (present[node] as number) & 2 ? this.visit(start + 1, flow) : flow;
        current = this.visit(start, current);
        for (let index = 0, names = b.Switch.getNumNames(expression); index < names; index++) this.branch(b.Switch.getNameAt(expression, index), current);
        this.branch(b.Switch.getDefaultName(expression), current);
        return undefined;
      }
      case kinds.Call: {
        const current = this.visitAll(start, count, flow);
        if (current === undefined) return current;
        let callee = this.callees[node];
        if (callee === undefined) {
          callee = b.Call.getTarget(refs[node] as ExpressionRef);
          this.callees[node] = callee;
        }
        return this.mayUnwind(callee) ? true : current;
      }
      case kinds.CallIndirect: {
        // Operands first, then the table index (the tree lists the index first).
        const current = count > 0 ? this.visit(start, this.visitAll(start + 1, count - 1, flow)) : flow;
        return current === undefined ? undefined : true;
      }
      case kinds.Return:
      case kinds.Unreachable:
        this.visitAll(start, Math.max(count, 0), flow);
        return undefined;
      case kinds.GlobalGet:
        if (this.stateRead[node] === 1) {
          const expression = refs[node] as ExpressionRef;
          this.all.add(expression);
          if (flow === true) this.mayObserveUnwind.add(expression);
        }
        return flow;
      default: {
        if (count < 0) throw new FastPathError(`unknown Binaryen expression id ${id}`);
        return this.visitAll(start, count, flow);
      }
    }
  }

  private visitAll(start: number, count: number, flow: Flow): Flow {
    let current = flow;
    for (let child = start, end = start + count; child < end; child++) current = this.visit(child, current);
    return current;
  }

  private branch(label: string, flow: Flow): void {
    this.labels.set(label, joinFlow(this.labels.get(label), flow));
  }

  private isUnwindCheck(condition: number): boolean {
    let known = this.unwindChecks[condition] as number;
    if (known < 0) {
      known = this.tests.unwinding(this.tree.refs[condition] as ExpressionRef) ? 1 : 0;
      this.unwindChecks[condition] = known;
    }
    return known === 1;
  }
}

/** The expression kinds StateFlow gives a meaning of their own (the others pass the flow through their children). */
const CONTROL_OR_CALL = ['BlockId', 'LoopId', 'IfId', 'BreakId', 'SwitchId', 'CallId', 'CallIndirectId', 'ReturnId', 'UnreachableId'] as const;

/** forwardWhen makes `from` begin with `if (condition) return to(its parameters)`. */
function forwardWhen(binaryen: Accessors, module: BinaryenModule, from: string, to: string, condition: ExpressionRef): void {
  const handle = module.getFunction(from);
  const info = binaryen.getFunctionInfo(handle);
  const params = binaryen.expandType(info.params).map((type, index) => module.local.get(index, type));
  const call = module.call(to, params, info.results);
  const forward = info.results === binaryen.none ? module.block(null, [call, module.return()]) : module.return(call);
  binaryen.Function.setBody(handle, module.block(null, [module.if(condition, forward), info.body], info.results));
}

/**
 * redirect points `ref.func` of asyncified functions at their fast clones (recording them in
 * `referenced`), and direct calls too when `calls`, in the body `tree`.
 */
function redirect(binaryen: Accessors, tree: ExpressionTree, fastName: ReadonlyMap<string, string>, calls: boolean, referenced: Set<string>): void {
  const { refs, ids, size, kinds } = tree;
  for (let node = 0; node < size; node++) {
    const id = ids[node];
    const expression = refs[node] as ExpressionRef;
    if (id === kinds.Call && calls) {
      const fast = fastName.get(binaryen.Call.getTarget(expression));
      if (fast) binaryen.Call.setTarget(expression, fast);
    } else if (id === kinds.RefFunc) {
      const name = binaryen.RefFunc.getFunc(expression);
      const fast = fastName.get(name);
      if (fast) {
        binaryen.RefFunc.setFunc(expression, fast);
        referenced.add(name);
      }
    }
  }
}

/**
 * routeTable makes table entries name the fast clones and returns the functions routed.
 * Segments are rebuilt in their original order (their indices matter to table.init).
 */
function routeTable(binaryen: Accessors, module: BinaryenModule, fastName: ReadonlyMap<string, string>): string[] {
  const segments = [];
  for (let index = 0, count = module.getNumElementSegments(); index < count; index++) segments.push(binaryen.getElementSegmentInfo(module.getElementSegmentByIndex(index)));
  const routed = segments.flatMap((segment) => segment.data.filter((name) => fastName.has(name)));
  // Only active segments are rebuilt; a passive one keeps naming the slow versions, which are
  // correct in every state (they forward to the fast clones), one call slower.
  if (routed.length === 0 || segments.some((segment) => !segment.table)) return [];
  const rebuilt = segments.map((segment) => ({ ...segment, offset: module.copyExpression(segment.offset), data: segment.data.map((name) => fastName.get(name) ?? name) }));
  for (const segment of segments) module.removeElementSegment(segment.name);
  for (const segment of rebuilt) module.addActiveElementSegment(segment.table, segment.name, segment.data, segment.offset);
  return routed;
}

/** routeExports makes function exports name the fast clones and returns the functions routed. */
function routeExports(binaryen: Accessors, module: BinaryenModule, fastName: ReadonlyMap<string, string>): string[] {
  const moves: { external: string; name: string; fast: string }[] = [];
  for (let index = 0, count = module.getNumExports(); index < count; index++) {
    const info = binaryen.getExportInfo(module.getExportByIndex(index));
    const fast = info.kind === binaryen.ExternalFunction ? fastName.get(info.value) : undefined;
    if (fast) moves.push({ external: info.name, name: info.value, fast });
  }
  for (const { external, fast } of moves) {
    module.removeExport(external);
    module.addFunctionExport(fast, external);
  }
  return moves.map((move) => move.name);
}

/** FastPathError: Asyncify's output does not have the shape the transform relies on. */
export class FastPathError extends Error {
  override name = 'FastPathError';
}

/**
 * addFastPathsToBinary is addFastPaths on the bytes of an Asyncify output, read and written
 * with binaryen.js under `features`. With a native wasm-opt, FAST_PATH_PASSES run there on the
 * fast clones only (optimizedClones), several times faster than binaryen.js, and the per-exit
 * saves (`saves`) are added to its output read back; if it fails, binaryen.js runs them.
 */
export async function addFastPathsToBinary(
  binaryen: Binaryen,
  bytes: Uint8Array,
  features: number,
  native?: NativeWasmOpt,
  saves: PerExitSaveRule | false = PER_EXIT_SAVES,
): Promise<{ bytes: Uint8Array; stats: FastPathStats }> {
  if (native) {
    const routed = transformBinary(binaryen, bytes, features, false, false);
    if (routed.stats.fastFunctions === 0) return routed;
    let cleaned: Uint8Array | undefined;
    try {
      cleaned = await optimizedClones(native, routed.bytes, codeEntries(bytes).length);
    } catch {
      // As for Asyncify: a native tool that fails is not the program's fault.
    }
    if (cleaned) return saves && routed.stats.fastFunctions > 0 ? addSavesToBinary(binaryen, cleaned, features, routed.stats, saves) : { bytes: cleaned, stats: routed.stats };
  }
  return transformBinary(binaryen, bytes, features, true, saves);
}

/**
 * optimizedClones runs FAST_PATH_PASSES on the fast clones of `routed` (addFastPaths's output
 * without its passes), which are the defined functions from `firstClone` on: addFastPaths
 * appends them. The other functions, the slow versions Asyncify already optimized and the
 * functions it left alone, go to wasm-opt as stubs and keep their bytes (body-splice.ts): the
 * passes would barely change them, and they are half of SQLite's code. Should the splice
 * refuse, the passes run on the whole module.
 */
async function optimizedClones(native: NativeWasmOpt, routed: Uint8Array, firstClone: number): Promise<Uint8Array> {
  const isClone = (definedIndex: number): boolean => definedIndex >= firstClone;
  const optimized = await runWasmOptPasses(native, withStubBodies(routed, isClone), FAST_PATH_PASSES);
  try {
    return spliceBodies(routed, optimized, isClone);
  } catch (cause) {
    if (!(cause instanceof BodySpliceError)) throw cause;
    return runWasmOptPasses(native, routed, FAST_PATH_PASSES);
  }
}

function addSavesToBinary(binaryen: Binaryen, bytes: Uint8Array, features: number, stats: FastPathStats, rule: PerExitSaveRule): { bytes: Uint8Array; stats: FastPathStats } {
  const module = binaryen.readBinary(bytes, features);
  try {
    const saved = addUnwindSavesOf(binaryen, module, stats.fastNames, rule);
    if (saved.saveFunctions === 0) return { bytes, stats };
    binaryen.setDebugInfo(true);
    return { bytes: module.emitBinary(), stats: { ...stats, ownSaveExits: saved.exits, saveBlocks: saved.saveBlocks, droppedStores: saved.droppedStores, saveFunctions: saved.saveFunctions, chainedBlocks: saved.chainedBlocks } };
  } finally {
    module.dispose();
  }
}

function transformBinary(binaryen: Binaryen, bytes: Uint8Array, features: number, optimize: boolean, saves: PerExitSaveRule | false): { bytes: Uint8Array; stats: FastPathStats } {
  const module = binaryen.readBinary(bytes, features);
  try {
    const stats = addFastPaths(binaryen, module, optimize, saves);
    binaryen.setDebugInfo(true);
    return { bytes: module.emitBinary(), stats };
  } finally {
    module.dispose();
  }
}

const run = promisify(execFile);

async function runWasmOptPasses(tool: NativeWasmOpt, input: Uint8Array, passes: readonly string[]): Promise<Uint8Array> {
  const directory = await mkdtemp(join(tmpdir(), 'stasis-fast-paths-'));
  try {
    const inputPath = join(directory, 'input.wasm');
    const outputPath = join(directory, 'output.wasm');
    await writeFile(inputPath, input);
    await run(tool.path, [inputPath, ...WASM_OPT_FEATURES, ...passes.map((pass) => `--${pass}`), '--debuginfo', '-o', outputPath], { maxBuffer: 16 * 1024 * 1024 });
    return new Uint8Array(await readFile(outputPath));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
