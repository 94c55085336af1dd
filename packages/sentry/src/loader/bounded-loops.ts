// Counted loops that need no preemption check. A preemption check exists so that any
// execution that runs long passes one; a loop that can run only a few iterations each time it
// is entered, and whose body neither calls nor loops, finishes in bounded time, and whatever
// repeats it (an enclosing loop, a caller's loop, recursion) has a check of its own. Leaving the
// check out matters beyond the decrement: a function whose loops are all such loops never
// calls preempt, so unless it reaches a syscall Asyncify leaves it alone (sha256's compression
// function).
//
// Two shapes are recognised, those clang's `for (i = c0; i != n; i += s)` and `i < n` take:
// bottom-tested, the loop's last expression is its only back edge,
// `br_if $loop (op (local.tee $i (i32.add|sub (local.get $i) (i32.const s))) n)` or the bare
// `br_if $loop (local.tee $i ...)` (`ne 0`, clang's down-counting loops); top-tested (Binaryen's
// reading of a `while`), the loop ends in
// `if (op (local.get $i) n) (block ... (local.set $i (i32.add ...)) ... (br $loop))`.
// In both, that is the only write to `$i` in the loop, and `n` is a constant or a local the
// loop never writes. When `$i` holds a known constant on entry and `n` is a constant, the bound
// comes from exact i32 arithmetic (boundedTrips) and the loop gets no check at all. Otherwise
// (nbody's `for (j = i + 1; j < 5; j++)`, counted down from 4 - i) the bound is known only on
// entry: planLoops lists the loop for loop-versioning.ts, which computes the same bound at run
// time and charges it to the counter once per entry. Anything else keeps its check.
import type BinaryenTypes from 'binaryen';
import type { Binaryen, BinaryenModule } from './binaryen-api.js';

type ExpressionRef = number;

/** MAX_UNCHECKED_TRIPS is the most iterations a loop may run per entry and still go without a preemption check. */
export const MAX_UNCHECKED_TRIPS = 1024;

/** LoopExitTest is the comparison of a counted loop's back edge (taken while it holds). */
export type LoopExitTest = 'ne' | 'lt_s' | 'lt_u';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;

/**
 * boundedTrips returns how many times at most the body of `do { ... i += step } while (i <test> limit)`
 * runs when `i` starts at `start` (i32 values, signed), or undefined when the loop may run
 * unboundedly long or wrap around. Exact: the values of `i` never overflow on the way.
 */
export function boundedTrips(test: LoopExitTest, start: number, step: number, limit: number): number | undefined {
  if (step === 0) return undefined;
  if (test === 'ne') {
    // i takes start + k*step; the loop ends at the first k with that value equal to limit,
    // without wrapping only if limit lies ahead of start, a whole number of steps away.
    const distance = limit - start;
    if (distance === 0 || distance % step !== 0 || distance / step <= 0) return undefined;
    return distance / step;
  }
  if (step < 0) return undefined;
  if (test === 'lt_s') {
    if (limit + step > INT32_MAX || start + step > INT32_MAX) return undefined;
    return start >= limit ? 1 : Math.ceil((limit - start) / step);
  }
  const unsignedStart = start >>> 0;
  const unsignedLimit = limit >>> 0;
  if (unsignedLimit + step > UINT32_MAX || unsignedStart + step > UINT32_MAX) return undefined;
  return unsignedStart >= unsignedLimit ? 1 : Math.ceil((unsignedLimit - unsignedStart) / step);
}

/** CountedLoopContext is what uncheckedLoops needs about one function. */
export interface CountedLoopContext {
  readonly body: ExpressionRef;
  readonly parameterCount: number;
  readonly loops: readonly ExpressionRef[];
  /** Lists an expression's children in evaluation order (function-scan.ts). */
  readonly children: (expression: ExpressionRef) => ExpressionRef[] | undefined;
}

/** loopContext gathers what uncheckedLoops needs about the function `facts.name` of module. */
export function loopContext(
  binaryen: Binaryen,
  module: BinaryenModule,
  facts: { readonly name: string; readonly loops: readonly ExpressionRef[] },
  children: CountedLoopContext['children'],
): CountedLoopContext {
  const handle = module.getFunction(facts.name);
  return {
    body: binaryen.Function.getBody(handle),
    parameterCount: binaryen.expandType(binaryen.Function.getParams(handle)).length,
    loops: facts.loops,
    children,
  };
}

/** LoopLimit is what a counted loop compares its counter with: a constant, or a local the loop never writes. */
export type LoopLimit = { readonly constant: number } | { readonly local: number };

/** CountedLoop is a recognised loop counter: `local` moves by `step` each iteration and the loop goes on while `local <test> limit`. */
export interface CountedLoop {
  readonly local: number;
  readonly test: LoopExitTest;
  readonly step: number;
  readonly limit: LoopLimit;
  /** The test comes before the step (a `while`): the body runs once more than the back edge is taken. */
  readonly topTested: boolean;
}

/**
 * RuntimeCountedLoop is a counted leaf loop whose trip count is known only on entry (its
 * counter's start or its limit is a run-time value): loop-versioning.ts gives it an unchecked
 * copy for entries that run at most MAX_UNCHECKED_TRIPS iterations.
 */
export interface RuntimeCountedLoop extends CountedLoop {
  readonly loop: ExpressionRef;
  /** The block, if or loop holding it, or undefined when it is the function body itself. */
  readonly parent: ExpressionRef | undefined;
}

/** LoopPlan is how anywhere mode treats a function's loops (the rest keep a check on every iteration). */
export interface LoopPlan {
  /** Loops bounded at compile time: no check at all. */
  readonly unchecked: Set<ExpressionRef>;
  /** Loops bounded per entry at run time: versioned, checked copy kept for long entries. */
  readonly runtimeCounted: RuntimeCountedLoop[];
}

/** uncheckedLoops returns the loops of a function that run at most MAX_UNCHECKED_TRIPS bounded iterations per entry. */
export function uncheckedLoops(binaryen: Binaryen, context: CountedLoopContext): Set<ExpressionRef> {
  return planLoops(binaryen, context).unchecked;
}

/**
 * planLoops sorts a function's counted leaf loops: those bounded by constants (uncheckedLoops)
 * and those whose bound depends on values known only on entry (versioned at run time).
 */
export function planLoops(binaryen: Binaryen, context: CountedLoopContext): LoopPlan {
  const plan: LoopPlan = { unchecked: new Set(), runtimeCounted: [] };
  if (context.loops.length === 0) return plan;
  const parents = new Map<ExpressionRef, ExpressionRef>();
  const stack = [context.body];
  while (stack.length > 0) {
    const expression = stack.pop() as ExpressionRef;
    for (const child of context.children(expression) ?? []) {
      parents.set(child, expression);
      stack.push(child);
    }
  }
  // Leaf loops first: an enclosing loop may go unchecked only if its inner loops are versioned.
  const read = context.loops.map((loop) => ({ loop, found: readCountedLoop(binaryen, context, loop) }));
  const versioned = new Set<ExpressionRef>();
  for (const { loop, found } of read) {
    if (found === 'once') plan.unchecked.add(loop);
    if (!found || found === 'once' || found.inner.length > 0) continue;
    const { counted } = found;
    const trips = constantTrips(binaryen, context, parents, loop, counted);
    if (trips !== 'unknown') {
      // Everything is known now; a run-time test would always choose the same way.
      if (trips !== undefined && trips <= MAX_UNCHECKED_TRIPS) plan.unchecked.add(loop);
      continue;
    }
    const parent = parents.get(loop);
    if (!mayBeBounded(counted) || !replaceableIn(binaryen, context, loop, parent)) continue;
    plan.runtimeCounted.push({ ...counted, loop, parent });
    versioned.add(loop);
  }
  // A loop of constant bound whose inner loops are all versioned (nbody's `for (i = 0; i < 5;
  // i++)` around its `j` loop): each of its iterations either enters an inner loop's checked
  // copy or passes the charge before an unchecked copy, so between two checks it runs at most
  // its own bounded straight-line iterations and one unchecked inner run.
  for (const { loop, found } of read) {
    if (!found || found === 'once' || found.inner.length === 0 || !found.inner.every((inner) => versioned.has(inner))) continue;
    const trips = constantTrips(binaryen, context, parents, loop, found.counted);
    if (trips !== 'unknown' && trips !== undefined && trips <= MAX_UNCHECKED_TRIPS) plan.unchecked.add(loop);
  }
  return plan;
}

/** constantTrips is a loop's iterations per entry from constants (undefined: unbounded), or 'unknown' when its start or limit is a run-time value. */
function constantTrips(
  binaryen: Binaryen,
  context: CountedLoopContext,
  parents: ReadonlyMap<ExpressionRef, ExpressionRef>,
  loop: ExpressionRef,
  counted: CountedLoop,
): number | undefined | 'unknown' {
  const start = valueOnEntry(binaryen, context, parents, loop, counted.local);
  if (start === undefined || !('constant' in counted.limit)) return 'unknown';
  const trips = boundedTrips(counted.test, start, counted.step, counted.limit.constant);
  return trips === undefined ? undefined : trips + (counted.topTested ? 1 : 0);
}

/** mayBeBounded is false for loops no entry value can bound (boundedTrips's static conditions). */
function mayBeBounded(counted: CountedLoop): boolean {
  if (counted.step === 0) return false;
  if (counted.test === 'ne') return true;
  if (counted.step < 0) return false;
  if (!('constant' in counted.limit)) return true;
  return counted.test === 'lt_s' ? counted.limit.constant + counted.step <= INT32_MAX : (counted.limit.constant >>> 0) + counted.step <= UINT32_MAX;
}

/** replaceableIn: loop-versioning.ts can put another expression of the loop's type in its place (a block child, an if arm, a loop body, the function body). */
function replaceableIn(binaryen: Binaryen, context: CountedLoopContext, loop: ExpressionRef, parent: ExpressionRef | undefined): boolean {
  if (binaryen.getExpressionType(loop) === binaryen.unreachable) return false;
  if (parent === undefined) return loop === context.body;
  const id = binaryen.getExpressionId(parent);
  if (id === binaryen.BlockId || id === binaryen.LoopId) return true;
  if (id !== binaryen.IfId) return false;
  const { condition } = binaryen.getExpressionInfo(parent) as BinaryenTypes.IfInfo;
  return condition !== loop;
}

const TESTS = (binaryen: Binaryen): ReadonlyMap<number, LoopExitTest> =>
  new Map<number, LoopExitTest>([
    [binaryen.NeInt32, 'ne'],
    [binaryen.LtSInt32, 'lt_s'],
    [binaryen.LtUInt32, 'lt_u'],
  ]);

/**
 * readCountedLoop reads a loop's counter and inner loops, or 'once' for a leaf loop without a
 * back edge, or undefined when the loop is not a counted loop: it calls, has several back
 * edges, writes its counter more than once, or compares with something the loop may change.
 */
function readCountedLoop(binaryen: Binaryen, context: CountedLoopContext, loop: ExpressionRef): { counted: CountedLoop; inner: ExpressionRef[] } | 'once' | undefined {
  const { name, body } = binaryen.getExpressionInfo(loop) as BinaryenTypes.LoopInfo;
  // Walk the body: no call, no inner loop, and collect the branches back to this loop and
  // the writes to each local.
  const backEdges: ExpressionRef[] = [];
  const inner: ExpressionRef[] = [];
  const writes = new Map<number, number>();
  const stack = [body];
  while (stack.length > 0) {
    const expression = stack.pop() as ExpressionRef;
    const id = binaryen.getExpressionId(expression);
    if (id === binaryen.CallId || id === binaryen.CallIndirectId) return undefined;
    if (id === binaryen.LoopId) inner.push(expression);
    if (id === binaryen.BreakId && name && (binaryen.getExpressionInfo(expression) as BinaryenTypes.BreakInfo).name === name) backEdges.push(expression);
    if (id === binaryen.SwitchId && name) {
      const info = binaryen.getExpressionInfo(expression) as BinaryenTypes.SwitchInfo;
      if (info.defaultName === name || info.names.includes(name)) return undefined;
    }
    if (id === binaryen.LocalSetId) {
      const index = (binaryen.getExpressionInfo(expression) as BinaryenTypes.LocalSetInfo).index;
      writes.set(index, (writes.get(index) ?? 0) + 1);
    }
    const children = context.children(expression);
    if (!children) return undefined;
    stack.push(...children);
  }
  if (backEdges.length === 0) return inner.length === 0 ? 'once' : undefined;
  if (backEdges.length !== 1) return undefined;
  const backEdge = backEdges[0] as ExpressionRef;
  const { last, block } = lastExpression(binaryen, body);
  const counted = last === backEdge ? bottomTestedCounter(binaryen, backEdge, block) : topTestedCounter(binaryen, last, backEdge);
  if (!counted || writes.get(counted.local) !== 1) return undefined;
  if ('local' in counted.limit && (counted.limit.local === counted.local || writes.has(counted.limit.local))) return undefined;
  return { counted, inner };
}

/**
 * bottomTestedCounter reads `br_if $loop (test (local.tee $i (add|sub (local.get $i) (const s))) limit)`,
 * or the bare `br_if $loop (local.tee $i ...)` (test `ne 0`), or `br_if $loop (test (local.get
 * $i) limit)` after `local.set $i (add|sub ...)` earlier in the block the branch ends: every
 * path to the branch runs that step, since only a branch out of the block skips a child.
 */
function bottomTestedCounter(binaryen: Binaryen, backEdge: ExpressionRef, block: ExpressionRef | undefined): CountedLoop | undefined {
  const branch = infoOf<BinaryenTypes.BreakInfo>(binaryen, backEdge, binaryen.BreakId);
  if (!branch?.condition || branch.value) return undefined;
  const comparison = readComparison(binaryen, branch.condition);
  const tee = infoOf<BinaryenTypes.LocalSetInfo>(binaryen, comparison.operand, binaryen.LocalSetId);
  if (tee?.isTee) {
    const step = readStep(binaryen, tee.value, tee.index);
    return step === undefined ? undefined : { local: tee.index, test: comparison.test, step, limit: comparison.limit, topTested: false };
  }
  const counter = infoOf<BinaryenTypes.LocalGetInfo>(binaryen, comparison.operand, binaryen.LocalGetId);
  const siblings = block === undefined ? [] : (binaryen.getExpressionInfo(block) as BinaryenTypes.BlockInfo).children;
  if (!counter) return undefined;
  for (const sibling of siblings) {
    const set = infoOf<BinaryenTypes.LocalSetInfo>(binaryen, sibling, binaryen.LocalSetId);
    if (!set || set.isTee || set.index !== counter.index) continue;
    const step = readStep(binaryen, set.value, counter.index);
    return step === undefined ? undefined : { local: counter.index, test: comparison.test, step, limit: comparison.limit, topTested: false };
  }
  return undefined;
}

/**
 * topTestedCounter reads `if (test (local.get $i) limit) (block ... (local.set $i (add|sub
 * (local.get $i) (const s))) ... (br $loop))`, the shape Binaryen gives `while` loops: the
 * increment is a direct child of the arm, so every path to the back edge runs it.
 */
function topTestedCounter(binaryen: Binaryen, last: ExpressionRef, backEdge: ExpressionRef): CountedLoop | undefined {
  const branch = infoOf<BinaryenTypes.BreakInfo>(binaryen, backEdge, binaryen.BreakId);
  if (!branch || branch.condition || branch.value) return undefined;
  const conditional = infoOf<BinaryenTypes.IfInfo>(binaryen, last, binaryen.IfId);
  if (!conditional || conditional.ifFalse || !conditional.ifTrue) return undefined;
  const arm = infoOf<BinaryenTypes.BlockInfo>(binaryen, conditional.ifTrue, binaryen.BlockId);
  if (!arm || arm.children[arm.children.length - 1] !== backEdge) return undefined;
  const comparison = readComparison(binaryen, conditional.condition);
  const counter = infoOf<BinaryenTypes.LocalGetInfo>(binaryen, comparison.operand, binaryen.LocalGetId);
  if (!counter) return undefined;
  for (const child of arm.children) {
    const set = infoOf<BinaryenTypes.LocalSetInfo>(binaryen, child, binaryen.LocalSetId);
    if (!set || set.isTee || set.index !== counter.index) continue;
    const step = readStep(binaryen, set.value, counter.index);
    return step === undefined ? undefined : { local: counter.index, test: comparison.test, step, limit: comparison.limit, topTested: true };
  }
  return undefined;
}

/**
 * readComparison reads `(test X limit)` with a constant or local limit, `i32.eqz (i32.eq X
 * limit)` as `ne`, and anything else as `X` itself tested `ne 0` (the caller then requires X
 * to be the counter, so an unknown comparison is never taken for one).
 */
function readComparison(binaryen: Binaryen, expression: ExpressionRef): { test: LoopExitTest; operand: ExpressionRef; limit: LoopLimit } {
  const bare = { test: 'ne', operand: expression, limit: { constant: 0 } } as const;
  let operand = expression;
  let negatedEquality = false;
  const unary = infoOf<BinaryenTypes.UnaryInfo>(binaryen, expression, binaryen.UnaryId);
  if (unary?.op === binaryen.EqZInt32) {
    operand = unary.value;
    negatedEquality = true;
  }
  const binary = infoOf<BinaryenTypes.BinaryInfo>(binaryen, operand, binaryen.BinaryId);
  if (!binary) return bare;
  const test = negatedEquality ? (binary.op === binaryen.EqInt32 ? 'ne' : undefined) : TESTS(binaryen).get(binary.op);
  const constant = constantI32(binaryen, binary.right);
  const local = infoOf<BinaryenTypes.LocalGetInfo>(binaryen, binary.right, binaryen.LocalGetId);
  const limit = constant !== undefined ? { constant } : local ? { local: local.index } : undefined;
  if (test === undefined || limit === undefined) return bare;
  return { test, operand: binary.left, limit };
}

/** readStep reads `(i32.add|sub (local.get $local) (i32.const s))` as the signed step. */
function readStep(binaryen: Binaryen, expression: ExpressionRef, local: number): number | undefined {
  const increment = infoOf<BinaryenTypes.BinaryInfo>(binaryen, expression, binaryen.BinaryId);
  if (!increment || (increment.op !== binaryen.AddInt32 && increment.op !== binaryen.SubInt32)) return undefined;
  // `(local.tee $t (local.get $i))` (clang keeps the old value) reads the counter too.
  const copy = infoOf<BinaryenTypes.LocalSetInfo>(binaryen, increment.left, binaryen.LocalSetId);
  const counter = infoOf<BinaryenTypes.LocalGetInfo>(binaryen, copy?.isTee ? copy.value : increment.left, binaryen.LocalGetId);
  const amount = constantI32(binaryen, increment.right);
  if (counter?.index !== local || amount === undefined) return undefined;
  const step = increment.op === binaryen.AddInt32 ? amount : -amount;
  return step < INT32_MIN || step > INT32_MAX ? undefined : step;
}

/**
 * infoOf returns an expression's Binaryen info when it is of the given kind, else undefined.
 * binaryen.js's getExpressionInfo throws on some kinds, so the kind is checked first.
 */
function infoOf<Info>(binaryen: Binaryen, expression: ExpressionRef, id: number): Info | undefined {
  if (!expression || binaryen.getExpressionId(expression) !== id) return undefined;
  return binaryen.getExpressionInfo(expression) as Info;
}

/** lastExpression is the expression a block (or a plain expression) evaluates last, and the innermost block it ends. */
function lastExpression(binaryen: Binaryen, expression: ExpressionRef, block?: ExpressionRef): { last: ExpressionRef; block: ExpressionRef | undefined } {
  if (binaryen.getExpressionId(expression) !== binaryen.BlockId) return { last: expression, block };
  const { children } = binaryen.getExpressionInfo(expression) as BinaryenTypes.BlockInfo;
  const last = children[children.length - 1];
  return last === undefined ? { last: expression, block } : lastExpression(binaryen, last, expression);
}

function constantI32(binaryen: Binaryen, expression: ExpressionRef): number | undefined {
  const info = infoOf<BinaryenTypes.ConstInfo>(binaryen, expression, binaryen.ConstId);
  if (!info || info.type !== binaryen.i32 || typeof info.value !== 'number') return undefined;
  return info.value | 0;
}

/**
 * valueOnEntry finds the constant a local holds when control enters `loop`, or undefined.
 * Control enters a block only at its start and an if arm only after its condition, so the
 * code that runs before the loop is, going outwards, the earlier children of each enclosing
 * block and the condition of each enclosing if. The nearest of those that writes the local
 * must be `local.set $i (i32.const c)` at that level; any other write (nested, a tee, a
 * non-constant) gives up, as does an enclosing loop (its back edge brings other values). With
 * no write at all up to the function body, a declared local holds its zero default; a
 * parameter is unknown.
 */
function valueOnEntry(binaryen: Binaryen, context: CountedLoopContext, parents: ReadonlyMap<ExpressionRef, ExpressionRef>, loop: ExpressionRef, local: number): number | undefined {
  let current = loop;
  for (;;) {
    const parent = parents.get(current);
    if (parent === undefined) return current === context.body && local >= context.parameterCount ? 0 : undefined;
    const id = binaryen.getExpressionId(parent);
    let before: ExpressionRef[];
    if (id === binaryen.BlockId) {
      const { children } = binaryen.getExpressionInfo(parent) as BinaryenTypes.BlockInfo;
      before = children.slice(0, children.indexOf(current));
    } else if (id === binaryen.IfId) {
      const { condition } = binaryen.getExpressionInfo(parent) as BinaryenTypes.IfInfo;
      if (current === condition) return undefined;
      before = [condition];
    } else {
      return undefined;
    }
    for (let index = before.length - 1; index >= 0; index--) {
      const sibling = before[index] as ExpressionRef;
      const info = infoOf<BinaryenTypes.LocalSetInfo>(binaryen, sibling, binaryen.LocalSetId);
      if (info && !info.isTee && info.index === local) return constantI32(binaryen, info.value);
      if (writesLocal(binaryen, context, sibling, local)) return undefined;
    }
    current = parent;
  }
}

function writesLocal(binaryen: Binaryen, context: CountedLoopContext, root: ExpressionRef, local: number): boolean {
  const stack = [root];
  while (stack.length > 0) {
    const expression = stack.pop() as ExpressionRef;
    if (binaryen.getExpressionId(expression) === binaryen.LocalSetId && (binaryen.getExpressionInfo(expression) as BinaryenTypes.LocalSetInfo).index === local) return true;
    const children = context.children(expression);
    if (!children) return true;
    stack.push(...children);
  }
  return false;
}
