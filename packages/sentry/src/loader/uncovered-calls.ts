// Which calls of a function run without a loop check before them. A preemption check goes at
// the start of a checked loop's body, and a loop's body is entered only at its start (falling
// in or branching back to the loop's label), so every call inside that body runs after a check
// in the same iteration. A call cycle made only of such calls passes a check on every turn and
// needs no entry check as well: recursive fib, whose recursive call sits in the loop clang
// makes of its tail call, then pays one check per call instead of two. The instrumenter gives
// entry checks only to the functions on cycles of the remaining (uncovered) calls.
import type { Binaryen } from './binaryen-api.js';
import { signatureKey } from './function-scan.js';

type ExpressionRef = number;

/** UncoveredCalls are the call targets of a function that no loop check precedes in the same iteration. */
export interface UncoveredCalls {
  readonly directCallees: Set<string>;
  /** Signatures (signatureKey) of indirect calls outside every checked loop. */
  readonly indirectSignatures: Set<string>;
}

/**
 * uncoveredCalls walks a function body and returns the targets of the calls that lie outside
 * every loop of `checkedLoops` (the loops that get a check at the start of their body), or
 * undefined if it meets an expression kind `children` (expressionChildren) does not know: the
 * caller must then count every call as uncovered.
 */
export function uncoveredCalls(
  binaryen: Binaryen,
  body: ExpressionRef,
  checkedLoops: ReadonlySet<ExpressionRef>,
  children: (expression: ExpressionRef) => ExpressionRef[] | undefined,
): UncoveredCalls | undefined {
  const result: UncoveredCalls = { directCallees: new Set(), indirectSignatures: new Set() };
  const { LoopId, CallId, CallIndirectId } = binaryen;
  // Only expressions outside checked loops are visited: nothing below a checked loop is uncovered.
  const stack: ExpressionRef[] = [body];
  while (stack.length > 0) {
    const expression = stack.pop() as ExpressionRef;
    const id = binaryen.getExpressionId(expression);
    if (id === LoopId && checkedLoops.has(expression)) continue;
    if (id === CallId) {
      result.directCallees.add(binaryen.Call.getTarget(expression));
    } else if (id === CallIndirectId) {
      result.indirectSignatures.add(signatureKey(binaryen.CallIndirect.getParams(expression), binaryen.CallIndirect.getResults(expression)));
    }
    const next = children(expression);
    if (!next) return undefined;
    for (const child of next) stack.push(child);
  }
  return result;
}
