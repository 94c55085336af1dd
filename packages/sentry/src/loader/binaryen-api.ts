// The parts of binaryen.js's runtime API the loader uses that its bundled index.d.ts does not
// declare (expression-class accessors, reading with a feature set). Typed here once, so the
// rest of the loader stays checked.
import type binaryenModule from 'binaryen';

type ExpressionRef = number;
type FunctionRef = number;

/** Binaryen is binaryen.js's default export with the accessors the loader relies on. */
export type Binaryen = Omit<typeof binaryenModule, 'readBinary'> & {
  readBinary(data: Uint8Array, features?: number): binaryenModule.Module;
  readonly Call: { getTarget(call: ExpressionRef): string; isReturn(call: ExpressionRef): boolean };
  readonly CallIndirect: { isReturn(call: ExpressionRef): boolean; getParams(call: ExpressionRef): number; getResults(call: ExpressionRef): number };
  readonly RefFunc: { getFunc(reference: ExpressionRef): string };
  readonly Load: { isAtomic(load: ExpressionRef): boolean };
  readonly Store: { isAtomic(store: ExpressionRef): boolean };
  readonly Loop: { getBody(loop: ExpressionRef): ExpressionRef; setBody(loop: ExpressionRef, body: ExpressionRef): void };
  readonly Function: {
    getBody(func: FunctionRef): ExpressionRef;
    setBody(func: FunctionRef, body: ExpressionRef): void;
    getParams(func: FunctionRef): number;
    getResults(func: FunctionRef): number;
  };
};

/** BinaryenModule is a module being read or built by binaryen.js. */
export type BinaryenModule = binaryenModule.Module;
