// Counted loops that need no preemption check. A preemption check exists so that any
// execution that runs long passes one; a loop that can run only a few iterations each time it
// is entered, and whose body neither calls nor loops, finishes in bounded time, and whatever
// repeats it (an enclosing loop, a caller's loop, recursion) has a check of its own. Leaving the
// check out matters beyond the decrement: a function whose loops are all such loops never
// calls preempt, so unless it reaches a syscall Asyncify leaves it alone (sha256's compression
// function, nbody's inner loops).
//
// Two shapes are recognised, those clang's `for (i = c0; i != n; i += s)` and `i < n` take:
// bottom-tested, the loop's last expression is its only back edge,
// `br_if $loop (op (local.tee $i (i32.add|sub (local.get $i) (i32.const s))) (i32.const n))`;
// top-tested (Binaryen's reading of a `while`), the loop ends in
// `if (op (local.get $i) (i32.const n)) (block ... (local.set $i (i32.add ...)) ... (br $loop))`.
// In both, that is the only write to `$i` in the loop and `$i` holds a known constant on entry.
// The bound comes from exact i32 arithmetic (boundedTrips); anything else keeps its check.
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

/** uncheckedLoops returns the loops of a function that run at most MAX_UNCHECKED_TRIPS bounded iterations per entry. */
export function uncheckedLoops(binaryen: Binaryen, context: CountedLoopContext): Set<ExpressionRef> {
  const found = new Set<ExpressionRef>();
  if (context.loops.length === 0) return found;
  const parents = new Map<ExpressionRef, ExpressionRef>();
  const stack = [context.body];
  while (stack.length > 0) {
    const expression = stack.pop() as ExpressionRef;
    for (const child of context.children(expression) ?? []) {
      parents.set(child, expression);
      stack.push(child);
    }
  }
  for (const loop of context.loops) {
    const trips = countedLoopTrips(binaryen, context, parents, loop);
    if (trips !== undefined && trips <= MAX_UNCHECKED_TRIPS) found.add(loop);
  }
  return found;
}

const TESTS = (binaryen: Binaryen): ReadonlyMap<number, LoopExitTest> =>
  new Map<number, LoopExitTest>([
    [binaryen.NeInt32, 'ne'],
    [binaryen.LtSInt32, 'lt_s'],
    [binaryen.LtUInt32, 'lt_u'],
  ]);

function countedLoopTrips(binaryen: Binaryen, context: CountedLoopContext, parents: ReadonlyMap<ExpressionRef, ExpressionRef>, loop: ExpressionRef): number | undefined {
  const { name, body } = binaryen.getExpressionInfo(loop) as BinaryenTypes.LoopInfo;
  // Walk the body: no call, no inner loop, and collect the branches back to this loop and
  // the writes to each local.
  const backEdges: ExpressionRef[] = [];
  const writes = new Map<number, number>();
  const stack = [body];
  while (stack.length > 0) {
    const expression = stack.pop() as ExpressionRef;
    const id = binaryen.getExpressionId(expression);
    if (id === binaryen.LoopId || id === binaryen.CallId || id === binaryen.CallIndirectId) return undefined;
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
  if (backEdges.length === 0) return 1;
  if (backEdges.length !== 1) return undefined;
  const backEdge = backEdges[0] as ExpressionRef;
  const last = lastExpression(binaryen, body);
  const counted = last === backEdge ? bottomTestedCounter(binaryen, backEdge) : topTestedCounter(binaryen, last, backEdge);
  if (!counted || writes.get(counted.local) !== 1) return undefined;
  const start = valueOnEntry(binaryen, context, parents, loop, counted.local);
  if (start === undefined) return undefined;
  const trips = boundedTrips(counted.test, start, counted.step, counted.limit);
  // A top-tested loop runs its body once more than it takes the back edge.
  return trips === undefined ? undefined : trips + (counted.topTested ? 1 : 0);
}

/** CountedLoop is a recognised loop counter: `local` moves by `step` each iteration and the loop goes on while `local <test> limit`. */
interface CountedLoop {
  readonly local: number;
  readonly test: LoopExitTest;
  readonly step: number;
  readonly limit: number;
  readonly topTested: boolean;
}

/** bottomTestedCounter reads `br_if $loop (test (local.tee $i (add|sub (local.get $i) (const s))) (const n))`. */
function bottomTestedCounter(binaryen: Binaryen, backEdge: ExpressionRef): CountedLoop | undefined {
  const branch = infoOf<BinaryenTypes.BreakInfo>(binaryen, backEdge, binaryen.BreakId);
  if (!branch?.condition || branch.value) return undefined;
  const comparison = readComparison(binaryen, branch.condition);
  if (!comparison) return undefined;
  const tee = infoOf<BinaryenTypes.LocalSetInfo>(binaryen, comparison.operand, binaryen.LocalSetId);
  if (!tee?.isTee) return undefined;
  const step = readStep(binaryen, tee.value, tee.index);
  return step === undefined ? undefined : { local: tee.index, test: comparison.test, step, limit: comparison.limit, topTested: false };
}

/**
 * topTestedCounter reads `if (test (local.get $i) (const n)) (block ... (local.set $i (add|sub
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
  if (!comparison) return undefined;
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

/** readComparison reads `(test X (i32.const n))`, with `i32.eqz (i32.eq X n)` read as `ne`. */
function readComparison(binaryen: Binaryen, expression: ExpressionRef): { test: LoopExitTest; operand: ExpressionRef; limit: number } | undefined {
  let operand = expression;
  let negatedEquality = false;
  const unary = infoOf<BinaryenTypes.UnaryInfo>(binaryen, expression, binaryen.UnaryId);
  if (unary?.op === binaryen.EqZInt32) {
    operand = unary.value;
    negatedEquality = true;
  }
  const binary = infoOf<BinaryenTypes.BinaryInfo>(binaryen, operand, binaryen.BinaryId);
  if (!binary) return undefined;
  const test = negatedEquality ? (binary.op === binaryen.EqInt32 ? 'ne' : undefined) : TESTS(binaryen).get(binary.op);
  const limit = constantI32(binaryen, binary.right);
  if (test === undefined || limit === undefined) return undefined;
  return { test, operand: binary.left, limit };
}

/** readStep reads `(i32.add|sub (local.get $local) (i32.const s))` as the signed step. */
function readStep(binaryen: Binaryen, expression: ExpressionRef, local: number): number | undefined {
  const increment = infoOf<BinaryenTypes.BinaryInfo>(binaryen, expression, binaryen.BinaryId);
  if (!increment || (increment.op !== binaryen.AddInt32 && increment.op !== binaryen.SubInt32)) return undefined;
  const counter = infoOf<BinaryenTypes.LocalGetInfo>(binaryen, increment.left, binaryen.LocalGetId);
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

/** lastExpression is the expression a block (or a plain expression) evaluates last. */
function lastExpression(binaryen: Binaryen, expression: ExpressionRef): ExpressionRef {
  if (binaryen.getExpressionId(expression) !== binaryen.BlockId) return expression;
  const { children } = binaryen.getExpressionInfo(expression) as BinaryenTypes.BlockInfo;
  const last = children[children.length - 1];
  return last === undefined ? expression : lastExpression(binaryen, last);
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
