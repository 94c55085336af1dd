// Unwind exits that save only what a resume at their call can read. Runs on each fast clone
// (fast-paths.ts) after its clean-up.
//
// Asyncify saves every local of a function in one block at its end, and every unwind exit
// (`br_if $unwind (call index) (state == unwinding)` after each call that can unwind) branches
// there. To V8 every local is then live across every such call, into a merge of hundreds of
// branches: SQLite's `sqlite3VdbeExec` fast clone (68 locals, 512 exits) ran 3.4x the
// original's time, and the workload ran as fast as the original once that one save block was
// deleted (measured; the decision record has the figures).
//
// Here each exit K saves only needed(K), and exits with the same set share one save block (a
// block of their own around the body; exits that need every local keep Asyncify's). A saved
// value matters only if the slow version reads it when a rewind resumes call K. Asyncify
// (src/passes/Asyncify.cpp, AsyncifyFlow::process and makeCallSupport) makes the rewind walk
// forward: code that cannot change the state is inside `if (normal)` (skipped), an `if`
// holding a call becomes `if (cond | rewinding)` and, for its else arm, `if (!cond |
// rewinding)` (both entered whatever the condition holds), breaks are skipped, and each call is
// `if (normal | callIndex == K) { call; if (unwinding) unwind(K) else set result }`, so only call K
// runs. So what the slow version reads of the restored locals is:
//
//  - the operands of call K, when it is re-entered. For a call of a wasm function they do not
//    matter (the callee, rewinding too, restores its own parameters and locals from its own
//    frame); for an import the host runs it again, so they do. A `call_indirect` needs its
//    table index, which picks the callee again, and its arguments only if the table holds an
//    import. (Evaluating the other operands again from stale locals is harmless: Asyncify's
//    flattening leaves a resumed call's operands as reads of locals, the computations that set
//    them being guarded by `if (normal)`.);
//  - after call K returns (the state is "normal" again): what the clone reads on its
//    fall-through path after exit K. The clone is a copy of the slow version whose state reads
//    were replaced by the values they must have, then cleaned up by FAST_PATH_PASSES, which
//    neither renumber locals nor move local reads or writes across calls; so from exit K on the
//    slow version runs what the clone runs, and a local dead there is written before it is read.
//    The save blocks' own reads do not count as uses: what they save is, by the same argument at
//    the frame's next resume, either live there or never read.
//
// Asyncify's later optimizations (its default function passes, after AsyncifyLocals) rewrite
// the slow version: guards become selects on the state, the prelude is folded into the body,
// locals are coalesced. Both reads above are taken from that final code, which the clone copies.
// The rule relies on those passes never making the rewind walk write, before call K, a local
// from another local's value (code motion upward, out of `if (normal)`): they sink code rather
// than hoist it, and the select that speculates a guarded `local.set $x` keeps $x's own value
// when the state is not normal. This is not checked statically (a syntactic check of the walk
// rejected most of SQLite's functions, see the decision record); the fast-paths property and the
// checkpoint differential suite exercise it. A dropped store leaves a stale value in the slot,
// which the slow version restores into a local it writes before reading (or never reads).
//
// Save blocks are code V8 would compile with the hot clone (QuickJS's interpreter loop: 217
// blocks of ~45 stores, 60% of its body) although only an unwind runs them. So each block,
// Asyncify's own included, becomes a function of its own that the clone calls with the locals
// the block stores (outOfLineSave): what reaches the frame is the same, the clone shrinks, and
// V8 compiles a save function only if an unwind calls it. PER_EXIT_SAVES says which clones get
// per-exit sets (chosen from measurement: all of them, blocks shared). Anything
// outside the expected shape (a branch to the save block that is not an unwind check, a save
// block not at the top of the body, an exit not right after its call) leaves the clone as it was.
import type { StateTests } from './asyncify-state.js';
import type { Binaryen, BinaryenModule } from './binaryen-api.js';
import type { ExpressionTree, ExpressionTreeReader } from './expression-tree.js';

type ExpressionRef = number;

/** The accessors this file uses beyond binaryen-api.ts (present in binaryen.js, not in its index.d.ts). */
type Accessors = Binaryen & {
  readonly Block: {
    getName(block: ExpressionRef): string | null;
    getNumChildren(block: ExpressionRef): number;
    getChildAt(block: ExpressionRef, index: number): ExpressionRef;
    removeChildAt(block: ExpressionRef, index: number): ExpressionRef;
    insertChildAt(block: ExpressionRef, index: number, child: ExpressionRef): void;
  };
  readonly Loop: { getName(loop: ExpressionRef): string | null; getBody(loop: ExpressionRef): ExpressionRef };
  readonly If: { getCondition(node: ExpressionRef): ExpressionRef; getIfTrue(node: ExpressionRef): ExpressionRef; getIfFalse(node: ExpressionRef): ExpressionRef };
  readonly Break: {
    getName(node: ExpressionRef): string;
    setName(node: ExpressionRef, name: string): void;
    getCondition(node: ExpressionRef): ExpressionRef;
    getValue(node: ExpressionRef): ExpressionRef;
  };
  readonly Switch: { getNumNames(node: ExpressionRef): number; getNameAt(node: ExpressionRef, index: number): string; getDefaultName(node: ExpressionRef): string };
  readonly LocalGet: { getIndex(node: ExpressionRef): number; setIndex(node: ExpressionRef, index: number): void };
  readonly LocalSet: { getIndex(node: ExpressionRef): number; setIndex(node: ExpressionRef, index: number): void; isTee(node: ExpressionRef): boolean; getValue(node: ExpressionRef): ExpressionRef; setValue(node: ExpressionRef, value: ExpressionRef): void };
  readonly Store: { getPtr(node: ExpressionRef): ExpressionRef; getValue(node: ExpressionRef): ExpressionRef; setPtr(node: ExpressionRef, pointer: ExpressionRef): void };
  readonly Load: { getPtr(node: ExpressionRef): ExpressionRef; getOffset(node: ExpressionRef): number };
  readonly Binary: { getOp(node: ExpressionRef): number; getLeft(node: ExpressionRef): ExpressionRef; getRight(node: ExpressionRef): ExpressionRef };
  readonly GlobalGet: { getName(node: ExpressionRef): string };
  readonly Drop: { getValue(node: ExpressionRef): ExpressionRef };
  readonly Const: { getValueI32(node: ExpressionRef): number };
};

type Children = (expression: ExpressionRef) => ExpressionRef[] | undefined;

/** UnwindSaveStats count what addUnwindSaves changed. */
export interface UnwindSaveStats {
  /** Unwind exits that save less than every local. */
  readonly exits: number;
  /** Save blocks added (exits with the same saved set share one). */
  readonly saveBlocks: number;
  /** Stores of locals left out, over all those exits. */
  readonly droppedStores: number;
  /** Functions the save blocks were moved into (each save block, Asyncify's included, becomes one). */
  readonly saveFunctions: number;
  /** Save blocks that store only what they add to a smaller set's block, then continue there. */
  readonly chainedBlocks: number;
}

/** PerExitSaveRule says which fast clones get save blocks per exit: those with at least `minExits` unwind exits and `minLocals` saved locals. */
export interface PerExitSaveRule {
  readonly minExits: number;
  readonly minLocals: number;
}

/** EVERY_CLONE applies per-exit saves to every clone that has the shape (tests use it to exercise them on small programs). */
export const EVERY_CLONE: PerExitSaveRule = { minExits: 0, minLocals: 0 };

/**
 * PER_EXIT_SAVES is the rule the instrumenter uses: every clone. Sharing a block among the exits
 * with equal sets keeps the growth to about a quarter (SQLite +24%), and on the bench's first run
 * that was no slower than limiting the saves to the big functions (64 exits and 32 locals: +10%);
 * both were faster than version 4 (the decision record has the figures).
 */
export const PER_EXIT_SAVES: PerExitSaveRule = EVERY_CLONE;

/** NO_SAVES is UnwindSaveStats of a clone left as it was. */
export const NO_SAVES: UnwindSaveStats = { exits: 0, saveBlocks: 0, droppedStores: 0, saveFunctions: 0, chainedBlocks: 0 };

/** UnwindSaveContext is what addUnwindSaves needs to know of the module. */
export interface UnwindSaveContext {
  readonly children: Children;
  /** Reads a body's tree once for the analyses (expression-tree.ts). */
  readonly readTree: ExpressionTreeReader;
  /** Recognisers of the conditions on Asyncify's state global (the exits test `state == unwinding`). */
  readonly tests: StateTests;
  /** The imported functions: a resumed call of one runs in the host again, with the operands the slow version evaluates. */
  readonly imported: ReadonlySet<string>;
  /**
   * Whether the table holds an import. If not, a resumed `call_indirect` reaches a wasm function,
   * which restores its own parameters from its frame, so of its operands only the table index
   * matters (the scan refuses table mutation: the element segments are all the table holds).
   */
  readonly hostInTable: boolean;
}

/**
 * addUnwindSaves makes each unwind exit of the fast clone `fastBody` (after its clean-up)
 * save only what a resume of its call by the slow version `slowBody` can read, exits with the
 * same set sharing one save block (see the file comment). The clone is left unchanged when
 * `rule` excludes it or when either body has not the shape expected.
 */
export function addUnwindSaves(
  api: Binaryen,
  module: BinaryenModule,
  context: UnwindSaveContext,
  fastBody: ExpressionRef,
  slowBody: ExpressionRef,
  rule: PerExitSaveRule,
  fastName: string,
): UnwindSaveStats {
  const binaryen = api as Accessors;
  const { children, tests } = context;
  const fastTree = context.readTree(fastBody);
  const fast = findExits(binaryen, fastTree, tests);
  if (!fast) return NO_SAVES;
  const slowTree = context.readTree(slowBody);
  const slow = findExits(binaryen, slowTree, tests);
  if (!slow) return NO_SAVES;
  const save = saveBlock(binaryen, fastBody, fast.label);
  if (!save) return NO_SAVES;
  // Each statement's stored local, read once: every exit below counts the stores it leaves out.
  const stored = save.statements.map((statement) => storedLocal(binaryen, statement));
  const savedLocals = stored.reduce((all, local) => all | local, 0n);
  if (fast.exits.size < rule.minExits || bitCount(savedLocals) < rule.minLocals) return NO_SAVES;
  const resumed = rewindWalk(binaryen, context, slowTree, slow.label);
  if (!resumed) return NO_SAVES;
  const liveness = new Liveness(binaryen, fastTree, fast.label, fast.exitNodes);
  if (!liveness.run()) return NO_SAVES;
  const groups = new Map<bigint, ExpressionRef[]>();
  let droppedStores = 0;
  let exits = 0;
  for (const exit of fast.exits) {
    const after = liveness.afterExit.get(exit);
    const callIndex = constantIndex(binaryen, exit);
    // An exit the analysis never reached is dead code; one without a constant index is not Asyncify's.
    if (after === undefined || callIndex === undefined) continue;
    const operands = resumed.get(callIndex);
    if (operands === undefined) return NO_SAVES;
    const needed = (after | operands) & savedLocals;
    if (needed === savedLocals) continue;
    const group = groups.get(needed) ?? [];
    group.push(exit);
    groups.set(needed, group);
    exits++;
    for (const local of stored) if (local !== 0n && (local & needed) === 0n) droppedStores++;
  }
  let chainedBlocks = 0;
  if (groups.size > 0) {
    // Nest one block per saved set around the body: block $unwind ((set idx (block $unwind$1
    // ((set idx (block $unwind$0 BODY)) save0(...) return)) save1(...) return)), then
    // Asyncify's full save after $unwind. A set that contains another set of the function (its
    // parent: the largest such) stores only what it adds, then branches to the parent's block,
    // whose save does the rest: the calls pass each local once along a chain instead of once per
    // set (QuickJS's JS_CallInternal: 649 locals instead of 8 483), and no exit keeps more alive
    // than it needs. Larger sets nest inside smaller ones, so each branch goes outward.
    const frame = frameShape(binaryen, save.statements);
    const sizes = new Map([...groups.keys()].map((set) => [set, bitCount(set)]));
    const ordered = [...groups].sort(([a], [b]) => (sizes.get(b) as number) - (sizes.get(a) as number));
    const labels = new Map(ordered.map(([needed], index) => [needed, `${fast.label}$${index}`]));
    let inner = blockChildren(binaryen, save.unwindBlock);
    let number = 0;
    for (const [needed, group] of ordered) {
      const label = labels.get(needed) as string;
      for (const exit of group) binaryen.Break.setName(exit, label);
      const parent = frame ? largestSubset(needed, sizes) : undefined;
      let saveCall: ExpressionRef;
      let leave: ExpressionRef;
      if (frame && parent !== undefined) {
        chainedBlocks++;
        saveCall = outOfLineSave(binaryen, module, children, `${fastName}$save$${number++}`, addedStores(binaryen, module, save.statements, stored, needed & ~parent, frame));
        leave = module.br(labels.get(parent) as string, undefined, module.local.get(save.indexLocal, binaryen.i32));
      } else {
        saveCall = outOfLineSave(binaryen, module, children, `${fastName}$save$${number++}`, savedStatements(binaryen, module, save.statements, needed));
        leave = save.result ? module.return(module.copyExpression(save.result)) : module.return();
      }
      inner = [module.block(null, [module.local.set(save.indexLocal, module.block(label, inner, binaryen.i32)), saveCall, leave])];
    }
    binaryen.LocalSet.setValue(save.indexSet, module.block(fast.label, inner, binaryen.i32));
  }
  // Asyncify's own save block, for the exits that need every local, goes out of line too.
  const full = outOfLineSave(binaryen, module, children, `${fastName}$save`, save.statements.map((statement) => module.copyExpression(statement)));
  for (let count = 0; count < save.statements.length; count++) binaryen.Block.removeChildAt(save.block, save.start + 1);
  binaryen.Block.insertChildAt(save.block, save.start + 1, full);
  return { exits, saveBlocks: groups.size, droppedStores, saveFunctions: groups.size + 1, chainedBlocks };
}

/** largestSubset returns the largest of `sets` (each with its size) that is a proper subset of `set`, if any (the first of equal size). */
function largestSubset(set: bigint, sets: ReadonlyMap<bigint, number>): bigint | undefined {
  let best: bigint | undefined;
  let bestSize = -1;
  for (const [other, size] of sets) {
    if (other === set || (other & set) !== other) continue;
    if (size > bestSize) {
      best = other;
      bestSize = size;
    }
  }
  return best;
}

/**
 * FrameShape is how Asyncify's save block addresses the frame: it pushes the call index at the
 * data pointer (the i32 in memory at the global `data` holds), moves the pointer on by `step`,
 * then stores each local at an offset from `base`, a local it sets to the moved pointer.
 */
interface FrameShape {
  readonly data: string;
  readonly step: number;
  readonly base: number;
}

/**
 * frameShape recognises that shape: first `store (load (global.get D)) (local.get idx)`, then
 * `store (global.get D) (add (load (global.get D)) (const step))`, and every store of a local
 * through `local.tee $base (load (global.get D))` or `local.get $base`. Undefined otherwise, and
 * the sets are then not chained.
 */
function frameShape(binaryen: Accessors, statements: readonly ExpressionRef[]): FrameShape | undefined {
  const b = binaryen;
  const id = (node: ExpressionRef): number => b.getExpressionId(node);
  const loadOfGlobal = (node: ExpressionRef): string | undefined => {
    if (id(node) !== b.LoadId || b.Load.getOffset(node) !== 0) return undefined;
    const pointer = b.Load.getPtr(node);
    return id(pointer) === b.GlobalGetId ? b.GlobalGet.getName(pointer) : undefined;
  };
  const [push, move] = statements;
  if (push === undefined || move === undefined || id(push) !== b.StoreId || id(move) !== b.StoreId) return undefined;
  const data = loadOfGlobal(b.Store.getPtr(push));
  if (data === undefined || id(b.Store.getValue(push)) !== b.LocalGetId) return undefined;
  const movePointer = b.Store.getPtr(move);
  const moved = b.Store.getValue(move);
  if (id(movePointer) !== b.GlobalGetId || b.GlobalGet.getName(movePointer) !== data || id(moved) !== b.BinaryId || b.Binary.getOp(moved) !== b.AddInt32) return undefined;
  const right = b.Binary.getRight(moved);
  if (loadOfGlobal(b.Binary.getLeft(moved)) !== data || id(right) !== b.ConstId) return undefined;
  let base: number | undefined;
  for (const statement of statements.slice(2)) {
    if (storedLocal(binaryen, statement) === 0n) continue;
    const pointer = b.Store.getPtr(statement);
    if (id(pointer) === b.LocalSetId) {
      if (base !== undefined || loadOfGlobal(b.LocalSet.getValue(pointer)) !== data) return undefined;
      base = b.LocalSet.getIndex(pointer);
    } else if (base === undefined || b.LocalGet.getIndex(pointer) !== base) {
      return undefined;
    }
  }
  return base === undefined ? undefined : { data, step: b.Const.getValueI32(right), base };
}

/**
 * addedStores copies the stores of the locals in `added`, addressed from the base the parent's
 * save will use: it has not pushed the call index yet, so the base is the data pointer plus
 * `step`.
 */
function addedStores(binaryen: Accessors, module: BinaryenModule, statements: readonly ExpressionRef[], stored: readonly bigint[], added: bigint, frame: FrameShape): ExpressionRef[] {
  const base = module.i32.add(module.i32.load(0, 4, module.global.get(frame.data, binaryen.i32)), module.i32.const(frame.step));
  const copies: ExpressionRef[] = [module.local.set(frame.base, base)];
  statements.forEach((statement, index) => {
    const local = stored[index] as bigint;
    if (local === 0n || (local & added) === 0n) return;
    const copy = module.copyExpression(statement);
    binaryen.Store.setPtr(copy, module.local.get(frame.base, binaryen.i32));
    copies.push(copy);
  });
  return copies;
}

/**
 * outOfLineSave moves a save block's statements into a function of their own, `name`, and
 * returns the call that runs them: every local the statements use becomes a parameter, passed
 * by value (what the statements write is the base pointer, dead once the clone returns).
 */
function outOfLineSave(binaryen: Accessors, module: BinaryenModule, children: Children, name: string, statements: readonly ExpressionRef[]): ExpressionRef {
  // The clone's local index -> the parameter's, numbered in the order first met.
  const parameterOf = new Map<number, number>();
  const types: number[] = [];
  const parameter = (local: number, type: number): number => {
    let index = parameterOf.get(local);
    if (index === undefined) {
      index = types.length;
      parameterOf.set(local, index);
      types.push(type);
    }
    return index;
  };
  const stack = [...statements];
  while (stack.length > 0) {
    const node = stack.pop() as ExpressionRef;
    const id = binaryen.getExpressionId(node);
    if (id === binaryen.LocalGetId) binaryen.LocalGet.setIndex(node, parameter(binaryen.LocalGet.getIndex(node), binaryen.getExpressionType(node)));
    else if (id === binaryen.LocalSetId) binaryen.LocalSet.setIndex(node, parameter(binaryen.LocalSet.getIndex(node), binaryen.getExpressionType(binaryen.LocalSet.getValue(node))));
    for (const child of children(node) ?? []) stack.push(child);
  }
  const locals = [...parameterOf.keys()];
  module.addFunction(name, binaryen.createType(types), binaryen.none, [], module.block(null, [...statements], binaryen.none));
  return module.call(name, locals.map((local, index) => module.local.get(local, types[index] as number)), binaryen.none);
}

function bitCount(bits: bigint): number {
  let count = 0;
  for (let rest = bits; rest !== 0n; rest &= rest - 1n) count++;
  return count;
}

function blockChildren(binaryen: Accessors, block: ExpressionRef): ExpressionRef[] {
  const list: ExpressionRef[] = [];
  for (let index = 0, count = binaryen.Block.getNumChildren(block); index < count; index++) list.push(binaryen.Block.getChildAt(block, index));
  return list;
}

function constantIndex(binaryen: Accessors, exit: ExpressionRef): number | undefined {
  const value = binaryen.Break.getValue(exit);
  if (!value || binaryen.getExpressionId(value) !== binaryen.ConstId) return undefined;
  return binaryen.Const.getValueI32(value);
}

interface SaveBlock {
  /** The block holding `local.set $index (block $unwind ...)`, and that statement's position in it. */
  readonly block: ExpressionRef;
  readonly start: number;
  /** `local.set $index (block $unwind ...)` and its block. */
  readonly indexSet: ExpressionRef;
  readonly unwindBlock: ExpressionRef;
  readonly indexLocal: number;
  /** The statements after it: push the call index, store the locals, move the data pointer. */
  readonly statements: ExpressionRef[];
  /** The value returned after an unwind, if the function has a result. */
  readonly result: ExpressionRef | undefined;
}

/**
 * saveBlock finds Asyncify's save block: the statements after `local.set $index (block $unwind
 * ...)` at the top of the body (less the value returned last, if the function has a result).
 */
function saveBlock(binaryen: Accessors, body: ExpressionRef, label: string): SaveBlock | undefined {
  const position = unwindBlockPosition(binaryen, body, label);
  if (!position) return undefined;
  const { block, index: start } = position;
  const statements: ExpressionRef[] = [];
  for (let index = start + 1, count = binaryen.Block.getNumChildren(block); index < count; index++) statements.push(binaryen.Block.getChildAt(block, index));
  const last = statements[statements.length - 1];
  const result = last !== undefined && binaryen.getExpressionType(last) !== binaryen.none ? statements.pop() : undefined;
  if (statements.some((statement) => binaryen.getExpressionType(statement) !== binaryen.none)) return undefined;
  const indexSet = binaryen.Block.getChildAt(block, start);
  return { block, start, indexSet, unwindBlock: binaryen.LocalSet.getValue(indexSet), indexLocal: binaryen.LocalSet.getIndex(indexSet), statements, result };
}

/**
 * unwindBlockPosition finds `local.set $index (block $unwind ...)` among the top-level
 * statements of `body`, or of the unnamed block that ends it (a forward added before the body
 * by fast-paths.ts wraps it so): the block holding it and its position there.
 */
function unwindBlockPosition(binaryen: Accessors, body: ExpressionRef, label: string): { block: ExpressionRef; index: number } | undefined {
  let block = body;
  while (binaryen.getExpressionId(block) === binaryen.BlockId) {
    const count = binaryen.Block.getNumChildren(block);
    for (let index = 0; index < count; index++) {
      const child = binaryen.Block.getChildAt(block, index);
      if (binaryen.getExpressionId(child) !== binaryen.LocalSetId) continue;
      const value = binaryen.LocalSet.getValue(child);
      if (binaryen.getExpressionId(value) === binaryen.BlockId && binaryen.Block.getName(value) === label) return { block, index };
    }
    const last = count > 0 ? binaryen.Block.getChildAt(block, count - 1) : 0;
    if (!last || binaryen.getExpressionId(last) !== binaryen.BlockId || binaryen.Block.getName(last)) return undefined;
    block = last;
  }
  return undefined;
}

/**
 * storedLocal: the bit of $x if `statement` is `store (local.get $base) (local.get $x)` or
 * `store (local.tee $base (...)) (local.get $x)` (the first store sets the base), else 0.
 */
function storedLocal(binaryen: Accessors, statement: ExpressionRef): bigint {
  if (binaryen.getExpressionId(statement) !== binaryen.StoreId) return 0n;
  const pointer = binaryen.Store.getPtr(statement);
  const value = binaryen.Store.getValue(statement);
  const pointerIsLocal = binaryen.getExpressionId(pointer) === binaryen.LocalGetId || (binaryen.getExpressionId(pointer) === binaryen.LocalSetId && binaryen.LocalSet.isTee(pointer));
  if (!pointerIsLocal || binaryen.getExpressionId(value) !== binaryen.LocalGetId) return 0n;
  return 1n << BigInt(binaryen.LocalGet.getIndex(value));
}

/** storesUnneededLocal: `statement` stores a local (storedLocal) not in `needed`. */
function storesUnneededLocal(binaryen: Accessors, statement: ExpressionRef, needed: bigint): boolean {
  const local = storedLocal(binaryen, statement);
  return local !== 0n && (local & needed) === 0n;
}

/** savedStatements copies the save block's statements for `needed`: a store left out keeps the base it sets, if any. */
function savedStatements(binaryen: Accessors, module: BinaryenModule, statements: readonly ExpressionRef[], needed: bigint): ExpressionRef[] {
  const kept: ExpressionRef[] = [];
  for (const statement of statements) {
    if (!storesUnneededLocal(binaryen, statement, needed)) {
      kept.push(module.copyExpression(statement));
      continue;
    }
    const pointer = binaryen.Store.getPtr(statement);
    if (binaryen.getExpressionId(pointer) === binaryen.LocalSetId) kept.push(module.local.set(binaryen.LocalSet.getIndex(pointer), module.copyExpression(binaryen.LocalSet.getValue(pointer))));
  }
  return kept;
}

/**
 * findExits finds the unwind exits of the body `tree`: conditional breaks on an unwind check,
 * all to one label, in the order of a depth-first walk (last child first; the order the save
 * blocks are nested in). undefined if there is none, if any other branch targets that label,
 * or if the body holds an expression kind the tree does not know.
 */
function findExits(
  binaryen: Accessors,
  tree: ExpressionTree,
  tests: StateTests,
): { label: string; exits: Set<ExpressionRef>; exitNodes: number[] } | undefined {
  const { refs, ids, firstChild, childCount, present, kinds } = tree;
  let label: string | undefined;
  const exits = new Set<ExpressionRef>();
  const exitNodes: number[] = [];
  const targets = new Set<string>();
  // Every node is pushed once, so the stack never holds more than the tree.
  const stack = new Int32Array(tree.size);
  let depth = 1;
  while (depth > 0) {
    const node = stack[--depth] as number;
    const id = ids[node];
    const expression = refs[node] as ExpressionRef;
    if (id === kinds.Break) {
      // A break's children are its condition, then its value, each if present.
      const condition = (present[node] as number) & 1 ? (refs[firstChild[node] as number] as ExpressionRef) : 0;
      if (condition && tests.unwinding(condition)) {
        const name = binaryen.Break.getName(expression);
        if (label !== undefined && label !== name) return undefined;
        label = name;
        exits.add(expression);
        exitNodes.push(node);
      } else {
        targets.add(binaryen.Break.getName(expression));
      }
    } else if (id === kinds.Switch) {
      for (let index = 0, count = binaryen.Switch.getNumNames(expression); index < count; index++) targets.add(binaryen.Switch.getNameAt(expression, index));
      targets.add(binaryen.Switch.getDefaultName(expression));
    }
    const count = childCount[node] as number;
    if (count < 0) return undefined;
    for (let child = firstChild[node] as number, end = child + count; child < end; child++) stack[depth++] = child;
  }
  if (label === undefined || targets.has(label)) return undefined;
  return { label, exits, exitNodes };
}

/**
 * rewindWalk reads the slow version `tree` as a rewind runs it (see the file comment) and
 * returns, for each call index, the locals a resume of that call reads in its operands when
 * they matter (an import or a `call_indirect`; 0 for a direct call of a wasm function).
 * undefined when the body has not the expected shape.
 */
function rewindWalk(binaryen: Accessors, context: UnwindSaveContext, tree: ExpressionTree, unwindLabel: string): Map<number, bigint> | undefined {
  const b = binaryen;
  const { tests, imported, hostInTable } = context;
  const { refs, ids, firstChild, childCount, present, kinds } = tree;
  const position = unwindBlockPosition(binaryen, refs[0] as ExpressionRef, unwindLabel);
  if (!position) return undefined;
  const operands = new Map<number, bigint>();
  let shaped = true;
  const first = (node: number): number => firstChild[node] as number;

  const exitIndex = (statement: number): number | undefined => {
    let node = statement;
    if (ids[node] === kinds.Drop) node = first(node);
    const expression = refs[node] as ExpressionRef;
    if (ids[node] !== kinds.Break || b.Break.getName(expression) !== unwindLabel) return undefined;
    const condition = (present[node] as number) & 1 ? (refs[first(node)] as ExpressionRef) : 0;
    return condition && tests.unwinding(condition) ? constantIndex(binaryen, expression) : undefined;
  };
  const readsOf = (expression: number): bigint => {
    let read = 0n;
    const stack = [expression];
    while (stack.length > 0) {
      const node = stack.pop() as number;
      if (ids[node] === kinds.LocalGet) read |= localBit(b.LocalGet.getIndex(refs[node] as ExpressionRef));
      const count = childCount[node] as number;
      if (count < 0) shaped = false;
      else for (let child = first(node), end = child + count; child < end; child++) stack.push(child);
    }
    return read;
  };
  /** The call statement before exit K: the call's operands are evaluated in the walk, its result is set after it returns. */
  const visitCall = (statement: number, callIndex: number): void => {
    let call = statement;
    const id = ids[call];
    // A drop's and a local.set's only child is the value.
    if (id === kinds.Drop) call = first(call);
    else if (id === kinds.LocalSet && !b.LocalSet.isTee(refs[call] as ExpressionRef)) call = first(call);
    const callId = ids[call];
    if (callId !== kinds.Call && callId !== kinds.CallIndirect) {
      shaped = false;
      return;
    }
    const start = first(call);
    const end = start + Math.max(childCount[call] as number, 0);
    for (let operand = start; operand < end; operand++) visit(operand);
    let read = 0n;
    if (callId === kinds.CallIndirect) {
      // The table index picks the callee again; the arguments matter only if that may be an import.
      if (hostInTable) for (let operand = start; operand < end; operand++) read |= readsOf(operand);
      else read = readsOf(start);
    } else if (imported.has(b.Call.getTarget(refs[call] as ExpressionRef))) {
      for (let operand = start; operand < end; operand++) read |= readsOf(operand);
    }
    operands.set(callIndex, (operands.get(callIndex) ?? 0n) | read);
  };
  const visit = (node: number): void => {
    const id = ids[node];
    const start = first(node);
    const count = childCount[node] as number;
    if (id === kinds.If) {
      // An if's children are its condition, its true arm, then its false arm if present.
      const condition = refs[start] as ExpressionRef;
      visit(start);
      // `if (normal)` is skipped; `if (rewinding)` restores the frame and pops the call index.
      if (!tests.notRewinding(condition) && !tests.rewinding(condition)) visit(start + 1);
      if (count === 3) visit(start + 2);
      return;
    }
    if (id === kinds.Block) {
      for (let index = 0; index < count; index++) {
        const callIndex = index + 1 < count ? exitIndex(start + index + 1) : undefined;
        if (callIndex !== undefined) {
          visitCall(start + index, callIndex);
          // What follows the exit runs after call K returned, in the normal state.
          return;
        }
        visit(start + index);
      }
      return;
    }
    if (id === kinds.Break && b.Break.getName(refs[node] as ExpressionRef) === unwindLabel) {
      // An exit not directly after its call in a block: not the shape expected.
      shaped = false;
      return;
    }
    if (count < 0) {
      shaped = false;
      return;
    }
    for (let child = start, end = start + count; child < end; child++) visit(child);
  };

  // Everything before the unwind block, outer levels included (a forward at the top), then the
  // unwind block's own body, but not the save block after it.
  let outer = 0;
  while (refs[outer] !== position.block) {
    const count = childCount[outer] as number;
    for (let index = 0; index < count - 1; index++) visit(first(outer) + index);
    outer = first(outer) + count - 1;
  }
  for (let index = 0; index < position.index; index++) visit(first(outer) + index);
  // The local.set's only child is the unwind block.
  visit(first(first(outer) + position.index));
  return shaped ? operands : undefined;
}

/** LOCAL_BITS[i] is the set {i}, NOT_LOCAL_BITS[i] its complement: made once, not per use. */
const LOCAL_BITS: bigint[] = [];
const NOT_LOCAL_BITS: bigint[] = [];

function localBit(index: number): bigint {
  for (let next = LOCAL_BITS.length; next <= index; next++) {
    LOCAL_BITS.push(1n << BigInt(next));
    NOT_LOCAL_BITS.push(~(1n << BigInt(next)));
  }
  return LOCAL_BITS[index] as bigint;
}

function notLocalBit(index: number): bigint {
  localBit(index);
  return NOT_LOCAL_BITS[index] as bigint;
}

/**
 * Liveness is a backward analysis of which locals may be read before being written, over
 * structured control flow (loops to a fixed point). Branches to the unwind label contribute
 * nothing (see the file comment); for each unwind exit it records the set live on its
 * fall-through path, joined over the fixed-point rounds.
 */
class Liveness {
  readonly afterExit = new Map<ExpressionRef, bigint>();
  private readonly labels = new Map<string, bigint>();
  /** Each loop's entry set from its last fixed point: a later one is never smaller, so it starts there. */
  private readonly loopEntries = new Map<number, bigint>();
  private readonly binaryen: Accessors;
  private readonly tree: ExpressionTree;
  private readonly unwindLabel: string;
  private readonly isExit: Uint8Array;
  /** The label of each block, loop and break, and the local of each local.get and local.set, read once: loops are walked again until their fixed point. */
  private readonly names: (string | null)[];
  private readonly locals: Int32Array;
  /**
   * Straight-line expressions (no branch, block, loop, if, return or unknown kind inside: 1 in
   * `straight`) are summarised the first time they are visited, as live before = (live after &
   * keep) | gen, gen being the locals read before any write inside and keep leaving out those
   * written: the same sets as walking them, without walking them again in every round of an
   * enclosing loop's fixed point.
   */
  private readonly straight: Uint8Array;
  private readonly gen: (bigint | undefined)[];
  private readonly keep: (bigint | undefined)[];
  private summaryGen = 0n;
  private summaryKill = 0n;
  private failed = false;

  constructor(binaryen: Accessors, tree: ExpressionTree, unwindLabel: string, exitNodes: readonly number[]) {
    this.binaryen = binaryen;
    this.tree = tree;
    this.unwindLabel = unwindLabel;
    this.isExit = new Uint8Array(tree.size);
    for (const node of exitNodes) this.isExit[node] = 1;
    const b = binaryen;
    const { refs, ids, size, kinds } = tree;
    this.names = new Array<string | null>(size).fill(null);
    this.locals = new Int32Array(size);
    for (let node = 0; node < size; node++) {
      const id = ids[node];
      const expression = refs[node] as ExpressionRef;
      if (id === kinds.Block) this.names[node] = b.Block.getName(expression);
      else if (id === kinds.Loop) this.names[node] = b.Loop.getName(expression);
      else if (id === kinds.Break) this.names[node] = b.Break.getName(expression);
      else if (id === kinds.LocalGet) this.locals[node] = b.LocalGet.getIndex(expression);
      else if (id === kinds.LocalSet) this.locals[node] = b.LocalSet.getIndex(expression);
    }
    this.straight = new Uint8Array(size);
    this.gen = new Array<bigint | undefined>(size);
    this.keep = new Array<bigint | undefined>(size);
    // Children are numbered after their parent: mark them first.
    for (let node = size - 1; node >= 0; node--) {
      const id = ids[node];
      const count = tree.childCount[node] as number;
      if (count < 0 || id === kinds.Block || id === kinds.Loop || id === kinds.If || id === kinds.Break || id === kinds.Switch || id === kinds.Return || id === kinds.Unreachable) continue;
      let all = 1;
      for (let child = tree.firstChild[node] as number, end = child + count; child < end && all === 1; child++) all = this.straight[child] as number;
      this.straight[node] = all;
    }
  }

  /** run analyses the body; false when it met something it cannot analyse. */
  run(): boolean {
    this.visit(0, 0n);
    return !this.failed;
  }

  private target(name: string): bigint {
    if (name === this.unwindLabel) return 0n;
    const live = this.labels.get(name);
    if (live === undefined) this.failed = true;
    return live ?? 0n;
  }

  /** visit returns the locals live before `node`, given those live after it. */
  private visit(node: number, after: bigint): bigint {
    if (this.straight[node] === 1) {
      let keep = this.keep[node];
      let gen = this.gen[node];
      if (keep === undefined || gen === undefined) {
        this.summaryGen = 0n;
        this.summaryKill = 0n;
        this.summarize(node);
        gen = this.summaryGen;
        keep = ~this.summaryKill;
        this.gen[node] = gen;
        this.keep[node] = keep;
      }
      const kept = keep === -1n ? after : after & keep;
      return gen === 0n ? kept : kept | gen;
    }
    const b = this.binaryen;
    const { ids, firstChild, childCount, present, kinds } = this.tree;
    const id = ids[node];
    const start = firstChild[node] as number;
    const count = childCount[node] as number;
    switch (id) {
      case kinds.Block: {
        const name = this.names[node];
        const outer = name ? this.labels.get(name) : undefined;
        if (name) this.labels.set(name, after);
        let live = after;
        for (let index = count - 1; index >= 0; index--) live = this.visit(start + index, live);
        if (name) this.restore(name, outer);
        return live;
      }
      case kinds.Loop: {
        // A loop's only child is its body.
        const name = this.names[node];
        const outer = name ? this.labels.get(name) : undefined;
        let entry = this.loopEntries.get(node) ?? 0n;
        for (;;) {
          if (name) this.labels.set(name, entry);
          const next = this.visit(start, after) | entry;
          if (next === entry || !name) {
            entry = next;
            break;
          }
          entry = next;
        }
        this.loopEntries.set(node, entry);
        if (name) this.restore(name, outer);
        return entry;
      }
      case kinds.If: {
        // Condition, true arm, false arm if present.
        const live = this.visit(start + 1, after) | (count === 3 ? this.visit(start + 2, after) : after);
        return this.visit(start, live);
      }
      case kinds.Break: {
        // Condition, then value, each if present.
        const mask = present[node] as number;
        const condition = mask & 1 ? start : -1;
        const value = mask & 2 ? start + (mask & 1) : -1;
        const taken = this.target(this.names[node] as string);
        if (this.isExit[node]) {
          const expression = this.tree.refs[node] as ExpressionRef;
          this.afterExit.set(expression, (this.afterExit.get(expression) ?? 0n) | after);
        }
        let live = condition >= 0 ? taken | after : taken;
        if (condition >= 0) live = this.visit(condition, live);
        return value >= 0 ? this.visit(value, live) : live;
      }
      case kinds.Switch: {
        const expression = this.tree.refs[node] as ExpressionRef;
        let live = this.target(b.Switch.getDefaultName(expression));
        for (let index = 0, names = b.Switch.getNumNames(expression); index < names; index++) live |= this.target(b.Switch.getNameAt(expression, index));
        return this.visitBackward(start, Math.max(count, 0), live);
      }
      case kinds.Return:
      case kinds.Unreachable:
        return this.visitBackward(start, Math.max(count, 0), 0n);
      case kinds.LocalGet:
        return after | localBit(this.locals[node] as number);
      case kinds.LocalSet:
        return this.visit(start, after & notLocalBit(this.locals[node] as number));
      case kinds.CallIndirect: {
        // Evaluated operands first, then the table index (the tree lists the index first).
        if (count <= 0) return after;
        return this.visitBackward(start + 1, count - 1, this.visit(start, after));
      }
      default: {
        if (count < 0) {
          this.failed = true;
          return after;
        }
        return this.visitBackward(start, count, after);
      }
    }
  }

  /**
   * summarize composes the step of the straight-line `node` into summaryGen and summaryKill,
   * which hold the step of what is evaluated after it: the same order visit walks in.
   */
  private summarize(node: number): void {
    const { ids, firstChild, childCount, kinds } = this.tree;
    const id = ids[node];
    const start = firstChild[node] as number;
    const count = childCount[node] as number;
    if (id === kinds.LocalGet) {
      this.summaryGen |= localBit(this.locals[node] as number);
      return;
    }
    if (id === kinds.LocalSet) {
      // The local is written after its value is evaluated.
      const local = this.locals[node] as number;
      this.summaryGen &= notLocalBit(local);
      this.summaryKill |= localBit(local);
    }
    if (id === kinds.CallIndirect && count > 0) {
      // Evaluated operands first, then the table index (the tree lists the index first).
      this.summarize(start);
      for (let child = start + count - 1; child > start; child--) this.summarize(child);
      return;
    }
    for (let child = start + count - 1; child >= start; child--) this.summarize(child);
  }

  /** visitBackward visits the `count` nodes from `start`, evaluated in that order, last first. */
  private visitBackward(start: number, count: number, after: bigint): bigint {
    let live = after;
    for (let index = count - 1; index >= 0; index--) live = this.visit(start + index, live);
    return live;
  }

  private restore(name: string, outer: bigint | undefined): void {
    if (outer === undefined) this.labels.delete(name);
    else this.labels.set(name, outer);
  }
}
