// Asyncify's state, as its output tests it: the values (one place) and the recognisers the
// fast-path transform (fast-paths.ts) and the per-exit saves (unwind-liveness.ts) read
// Asyncify's conditions with.
import type { Binaryen } from './binaryen-api.js';

type ExpressionRef = number;

/** Asyncify's state values (Binaryen src/passes/Asyncify.cpp, `enum class State`). */
export const ASYNCIFY_STATE = { normal: 0, unwinding: 1, rewinding: 2 } as const;

/** The expression accessors the tests read (present in binaryen.js, not in its index.d.ts). */
type Accessors = Binaryen & {
  readonly GlobalGet: { getName(node: ExpressionRef): string };
  readonly Binary: { getOp(node: ExpressionRef): number; getLeft(node: ExpressionRef): ExpressionRef; getRight(node: ExpressionRef): ExpressionRef };
  readonly Unary: { getOp(node: ExpressionRef): number; getValue(node: ExpressionRef): ExpressionRef };
  readonly Const: { getValueI32(node: ExpressionRef): number };
};

/** StateTests recognises the conditions on Asyncify's state global `stateGlobal` that its output uses. */
export class StateTests {
  private readonly binaryen: Accessors;
  private readonly stateGlobal: string;

  constructor(binaryen: Binaryen, stateGlobal: string) {
    this.binaryen = binaryen as Accessors;
    this.stateGlobal = stateGlobal;
  }

  /** isState: `node` reads the state global. */
  isState(node: ExpressionRef): boolean {
    const b = this.binaryen;
    return b.getExpressionId(node) === b.GlobalGetId && b.GlobalGet.getName(node) === this.stateGlobal;
  }

  /** unwinding: the condition is `state == unwinding`, as Asyncify writes it after every call that can unwind. */
  unwinding(condition: ExpressionRef): boolean {
    return this.comparesState(condition, this.binaryen.EqInt32, ASYNCIFY_STATE.unwinding);
  }

  /** rewinding: the condition is `state == rewinding`. */
  rewinding(condition: ExpressionRef): boolean {
    return this.comparesState(condition, this.binaryen.EqInt32, ASYNCIFY_STATE.rewinding);
  }

  /** notRewinding: the condition holds only when the state is not "rewinding". */
  notRewinding(condition: ExpressionRef): boolean {
    const b = this.binaryen;
    if (b.getExpressionId(condition) === b.UnaryId && b.Unary.getOp(condition) === b.EqZInt32) {
      const operand = b.Unary.getValue(condition);
      return this.isState(operand) || this.rewinding(operand);
    }
    return this.comparesState(condition, b.EqInt32, ASYNCIFY_STATE.normal) || this.comparesState(condition, b.NeInt32, ASYNCIFY_STATE.rewinding);
  }

  /** comparesState: `node` is `state <op> value` or `value <op> state`. */
  private comparesState(node: ExpressionRef, op: number, value: number): boolean {
    const b = this.binaryen;
    if (b.getExpressionId(node) !== b.BinaryId || b.Binary.getOp(node) !== op) return false;
    const left = b.Binary.getLeft(node);
    const right = b.Binary.getRight(node);
    const isValue = (operand: ExpressionRef): boolean => b.getExpressionId(operand) === b.ConstId && b.getExpressionType(operand) === b.i32 && b.Const.getValueI32(operand) === value;
    return (this.isState(left) && isValue(right)) || (isValue(left) && this.isState(right));
  }
}
