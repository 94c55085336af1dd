// Loop versioning: a counted leaf loop whose trip count is known only on entry pays one
// preemption check per entry instead of one per iteration. Each such loop (bounded-loops.ts,
// planLoops) becomes
//
//   trips = <the loop's trip count from its counter and limit on entry, or a value above the bound>
//   if (trips <= MAX_UNCHECKED_TRIPS) { counter -= trips; if (counter <= 0) preempt(); <copy without check> }
//   else <the loop, which keeps its check on every iteration>
//
// The count is computed in i64 from the i32 entry values, so nothing on the way overflows, and
// mirrors boundedTrips exactly (the property test holds the two together): it is the number of
// times the body runs if the loop is left only by its test; leaving earlier only overcharges.
// An entry value the arithmetic cannot bound (a `!=` loop whose distance the step does not
// divide, a counter that would wrap) takes the checked copy. Both copies compute the same
// thing: the unchecked one is the loop itself, copied before its check is inserted.
import type BinaryenTypes from 'binaryen';
import type { Binaryen, BinaryenModule } from './binaryen-api.js';
import { MAX_UNCHECKED_TRIPS, type RuntimeCountedLoop } from './bounded-loops.js';

type ExpressionRef = number;

const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;

/** The binaryen.js setters versioning needs, which its index.d.ts does not declare. */
interface Setters {
  readonly Block: { setChildAt(block: ExpressionRef, index: number, child: ExpressionRef): void; setName(block: ExpressionRef, name: string): void };
  readonly If: { setIfTrue(conditional: ExpressionRef, arm: ExpressionRef): void; setIfFalse(conditional: ExpressionRef, arm: ExpressionRef): void };
  readonly Loop: { setBody(loop: ExpressionRef, body: ExpressionRef): void; setName(loop: ExpressionRef, name: string): void };
  readonly Break: { setName(branch: ExpressionRef, name: string): void };
  readonly Switch: { setNames(branch: ExpressionRef, names: string[]): void; setDefaultName(branch: ExpressionRef, name: string): void };
  readonly Function: { setBody(func: number, body: ExpressionRef): void };
  _BinaryenFunctionAddVar(func: number, type: number): number;
}

/** VersioningTarget is the function whose loops are versioned and what they need from the instrumenter. */
export interface VersioningTarget {
  readonly name: string;
  readonly loops: readonly RuntimeCountedLoop[];
  /** Emits a preemption check that charges `amount` (an i32 expression) to the counter (instrument.ts's check). */
  readonly check: (amount: ExpressionRef) => ExpressionRef[];
  /** Lists an expression's children (function-scan.ts). */
  readonly children: (expression: ExpressionRef) => ExpressionRef[] | undefined;
}

let labelSerial = 0;

/**
 * versionLoops rewrites every loop of target.loops as described above and returns how many it
 * rewrote: all of them (planLoops listed only loops it can rewrite, and an enclosing loop may
 * have been left unchecked on the strength of that). The original loop nodes stay in the module (as the checked copies), so a caller
 * that then inserts per-iteration checks into the function's loops checks them as before; it
 * must run before those checks are inserted, so that the copies carry none.
 */
export function versionLoops(binaryen: Binaryen, module: BinaryenModule, target: VersioningTarget): number {
  if (target.loops.length === 0) return 0;
  const setters = binaryen as unknown as Setters;
  const handle = module.getFunction(target.name);
  let trips: number | undefined;
  let versioned = 0;
  for (const counted of target.loops) {
    const type = binaryen.getExpressionType(counted.loop);
    trips ??= setters._BinaryenFunctionAddVar(handle, binaryen.i64);
    const unchecked = module.copyExpression(counted.loop);
    renameLabels(binaryen, unchecked, target.children, `stasis$unchecked${labelSerial++}$`);
    const { value, bounded, amount } = tripCount(binaryen, module, counted, trips);
    const replacement = module.block(
      null,
      [module.local.set(trips, value), module.if(bounded, module.block(null, [...target.check(amount), unchecked], type), counted.loop)],
      type,
    );
    replaceChild(binaryen, setters, handle, counted.parent, counted.loop, replacement);
    versioned++;
  }
  return versioned;
}

/**
 * tripCount returns the i64 to store in `trips`, the i32 condition (reading `trips`) under which
 * the loop runs at most MAX_UNCHECKED_TRIPS iterations, and the i32 number of iterations to
 * charge then (reading `trips`): exactly the iterations the loop runs when its test ends it.
 * Mirrors boundedTrips.
 */
function tripCount(
  binaryen: Binaryen,
  module: BinaryenModule,
  counted: RuntimeCountedLoop,
  trips: number,
): { value: ExpressionRef; bounded: ExpressionRef; amount: ExpressionRef } {
  const { test, step, limit } = counted;
  const unsigned = test === 'lt_u';
  const widen = (value: ExpressionRef): ExpressionRef => (unsigned ? module.i64.extend_u(value) : module.i64.extend_s(value));
  const start = (): ExpressionRef => module.local.get(counted.local, binaryen.i32);
  const end = (): ExpressionRef => ('constant' in limit ? module.i32.const(limit.constant) : module.local.get(limit.local, binaryen.i32));
  const distance = (): ExpressionRef => module.i64.sub(widen(end()), widen(start()));
  const read = (): ExpressionRef => module.local.get(trips, binaryen.i64);
  // A top-tested loop runs its body once more than it steps.
  const charge = (count: ExpressionRef): ExpressionRef => module.i32.add(module.i32.wrap(count), module.i32.const(counted.topTested ? 1 : 0));
  const most = MAX_UNCHECKED_TRIPS - (counted.topTested ? 1 : 0);
  // binaryen.js 132 takes an i64 constant as one bigint; its index.d.ts still says number.
  const i64 = (value: number): ExpressionRef => module.i64.const(BigInt(value) as unknown as number);
  if (test === 'ne') {
    // trips = distance / step when that divides exactly and lands in [1, most]: then the
    // counter meets the limit after exactly that many steps, before any wrap-around.
    const value = step === 1 ? distance() : step === -1 ? module.i64.sub(widen(start()), widen(end())) : module.i64.div_s(distance(), i64(step));
    const inRange = module.i64.lt_u(module.i64.sub(read(), i64(1)), i64(most));
    const exact = Math.abs(step) === 1 ? undefined : module.i64.eq(module.i64.mul(read(), i64(step)), distance());
    return { value, bounded: exact === undefined ? inRange : module.i32.and(inRange, exact), amount: charge(read()) };
  }
  // `<` with a positive step: max(1, ceil(distance / step)) iterations, provided neither the
  // counter nor the limit is within one step of the top, where the counter would wrap.
  const value = step === 1 ? distance() : module.i64.div_s(module.i64.add(distance(), i64(step - 1)), i64(step));
  const top = (unsigned ? UINT32_MAX - step : INT32_MAX - step) | 0;
  const below = (value: ExpressionRef): ExpressionRef => (unsigned ? module.i32.le_u(value, module.i32.const(top)) : module.i32.le_s(value, module.i32.const(top)));
  let bounded = module.i32.and(module.i64.le_s(read(), i64(most)), below(start()));
  if ('local' in limit) bounded = module.i32.and(bounded, below(end()));
  // A count of 0 or less (the counter starts at or past the limit) means the body runs once.
  return { value, bounded, amount: charge(module.select(module.i64.gt_s(read(), i64(1)), read(), i64(1))) };
}

/** renameLabels gives the labels a copied loop defines (its own and its blocks') fresh names, and points its branches at them. */
function renameLabels(binaryen: Binaryen, root: ExpressionRef, children: VersioningTarget['children'], prefix: string): void {
  const setters = binaryen as unknown as Setters;
  const renamed = new Map<string, string>();
  const fresh = (name: string): string => {
    const known = renamed.get(name);
    if (known !== undefined) return known;
    renamed.set(name, `${prefix}${name}`);
    return `${prefix}${name}`;
  };
  // Definitions first, then branches: a branch to a label outside the copy keeps its name.
  const all: ExpressionRef[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const expression = stack.pop() as ExpressionRef;
    all.push(expression);
    const id = binaryen.getExpressionId(expression);
    if (id === binaryen.BlockId || id === binaryen.LoopId) {
      const { name } = binaryen.getExpressionInfo(expression) as BinaryenTypes.BlockInfo;
      if (name) (id === binaryen.BlockId ? setters.Block : setters.Loop).setName(expression, fresh(name));
    }
    stack.push(...(children(expression) ?? []));
  }
  const target = (name: string): string => renamed.get(name) ?? name;
  for (const expression of all) {
    const id = binaryen.getExpressionId(expression);
    if (id === binaryen.BreakId) {
      const { name } = binaryen.getExpressionInfo(expression) as BinaryenTypes.BreakInfo;
      if (name) setters.Break.setName(expression, target(name));
    } else if (id === binaryen.SwitchId) {
      const { names, defaultName } = binaryen.getExpressionInfo(expression) as BinaryenTypes.SwitchInfo;
      setters.Switch.setNames(expression, names.map(target));
      if (defaultName) setters.Switch.setDefaultName(expression, target(defaultName));
    }
  }
}

/** replaceChild puts `replacement` where `child` is in `parent` (planLoops checked it is a place this can reach). */
function replaceChild(binaryen: Binaryen, setters: Setters, handle: number, parent: ExpressionRef | undefined, child: ExpressionRef, replacement: ExpressionRef): void {
  if (parent === undefined) {
    setters.Function.setBody(handle, replacement);
    return;
  }
  const id = binaryen.getExpressionId(parent);
  if (id === binaryen.LoopId) {
    setters.Loop.setBody(parent, replacement);
  } else if (id === binaryen.IfId) {
    const { ifTrue } = binaryen.getExpressionInfo(parent) as BinaryenTypes.IfInfo;
    if (ifTrue === child) setters.If.setIfTrue(parent, replacement);
    else setters.If.setIfFalse(parent, replacement);
  } else {
    const { children } = binaryen.getExpressionInfo(parent) as BinaryenTypes.BlockInfo;
    setters.Block.setChildAt(parent, children.indexOf(child), replacement);
  }
}
