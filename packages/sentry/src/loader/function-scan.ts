// One pass over every function body of a Binaryen module, collecting what the instrumenter
// needs: the loops (where preemption checks go), the direct call targets and the signatures
// of indirect calls (the call graph), the functions whose address is taken (ref.func), and any
// instruction stasis cannot run or checkpoint. binaryen.js has no generic child iterator, so
// the children of each expression kind are listed below as data.
import type { Binaryen, BinaryenModule } from './binaryen-api.js';

type ExpressionRef = number;

/**
 * EXPRESSION_CHILDREN lists, per Binaryen expression class, the getters of its child
 * expressions (single children, then one list). Kinds absent here and from REFUSED_KINDS are
 * refused as unknown.
 */
const EXPRESSION_CHILDREN = {
  Block: { single: [], list: ['NumChildren', 'ChildAt'] },
  If: { single: ['Condition', 'IfTrue', 'IfFalse'] },
  Loop: { single: ['Body'] },
  Break: { single: ['Condition', 'Value'] },
  Switch: { single: ['Condition', 'Value'] },
  Call: { single: [], list: ['NumOperands', 'OperandAt'] },
  CallIndirect: { single: ['Target'], list: ['NumOperands', 'OperandAt'] },
  LocalGet: { single: [] },
  LocalSet: { single: ['Value'] },
  GlobalGet: { single: [] },
  GlobalSet: { single: ['Value'] },
  TableGet: { single: ['Index'] },
  TableSize: { single: [] },
  Load: { single: ['Ptr'] },
  Store: { single: ['Ptr', 'Value'] },
  Const: { single: [] },
  Unary: { single: ['Value'] },
  Binary: { single: ['Left', 'Right'] },
  Select: { single: ['IfTrue', 'IfFalse', 'Condition'] },
  Drop: { single: ['Value'] },
  Return: { single: ['Value'] },
  MemorySize: { single: [] },
  MemoryGrow: { single: ['Delta'] },
  Nop: { single: [] },
  Unreachable: { single: [] },
  SIMDExtract: { single: ['Vec'] },
  SIMDReplace: { single: ['Vec', 'Value'] },
  SIMDShuffle: { single: ['Left', 'Right'] },
  SIMDTernary: { single: ['A', 'B', 'C'] },
  SIMDShift: { single: ['Vec', 'Shift'] },
  SIMDLoad: { single: ['Ptr'] },
  SIMDLoadStoreLane: { single: ['Ptr', 'Vec'] },
  MemoryInit: { single: ['Dest', 'Offset', 'Size'] },
  DataDrop: { single: [] },
  MemoryCopy: { single: ['Dest', 'Source', 'Size'] },
  MemoryFill: { single: ['Dest', 'Value', 'Size'] },
  RefNull: { single: [] },
  RefIsNull: { single: ['Value'] },
  RefAs: { single: ['Value'] },
  RefFunc: { single: [] },
  RefEq: { single: ['Left', 'Right'] },
  TupleMake: { single: [], list: ['NumOperands', 'OperandAt'] },
  TupleExtract: { single: ['Tuple'] },
  Pop: { single: [] },
} as const satisfies Record<string, { single: readonly string[]; list?: readonly [string, string] }>;

/**
 * REFUSED_KINDS names the feature behind expression kinds stasis refuses, and why: Asyncify
 * cannot unwind through exception handlers, shared-memory threads are not supported, and a
 * table changed at run time could not be saved in a checkpoint.
 */
const REFUSED_KINDS = {
  Try: 'exception handling',
  Throw: 'exception handling',
  Rethrow: 'exception handling',
  AtomicRMW: 'threads (atomics)',
  AtomicCmpxchg: 'threads (atomics)',
  AtomicWait: 'threads (atomics)',
  AtomicNotify: 'threads (atomics)',
  AtomicFence: 'threads (atomics)',
  TableSet: 'table mutation',
  TableGrow: 'table mutation',
  CallRef: 'typed function references',
  RefI31: 'garbage collection (wasm GC)',
  StructNew: 'garbage collection (wasm GC)',
  ArrayNew: 'garbage collection (wasm GC)',
  StringNew: 'stringref',
} as const;

/** FeatureRefusal describes an instruction the loader refuses, for UnsupportedFeatureError. */
export interface FeatureRefusal {
  readonly feature: string;
  readonly detail: string;
}

/** FunctionFacts are what the scan learned about one defined function. */
export interface FunctionFacts {
  readonly name: string;
  /** Binaryen function type (heap type) of the function. */
  readonly signature: string;
  readonly loops: ExpressionRef[];
  readonly directCallees: Set<string>;
  /** Signatures (`params->results` Binaryen type ids) of this function's indirect calls. */
  readonly indirectSignatures: Set<string>;
}

/** ModuleScan is the result of scanning every defined function of a module. */
export interface ModuleScan {
  readonly functions: FunctionFacts[];
  /** Functions referenced by ref.func anywhere in code. */
  readonly referencedFunctions: Set<string>;
  readonly expressionCount: number;
}

/** ChildReader reads the children of one expression kind: its single children (absent ones read as 0), then its list. */
export interface ChildReader {
  readonly single: ((expression: ExpressionRef) => ExpressionRef)[];
  readonly count?: (expression: ExpressionRef) => number;
  readonly at?: (expression: ExpressionRef, index: number) => ExpressionRef;
}

type Accessors = Record<string, (expression: ExpressionRef, index?: number) => unknown>;

/** signatureKey names a function signature by its Binaryen param and result type ids. */
export function signatureKey(params: number, results: number): string {
  return `${params}->${results}`;
}

/** childReaders maps each expression id of EXPRESSION_CHILDREN to the accessors of its children. */
function childReaders(binaryen: Binaryen): Map<number, ChildReader> {
  const readers = new Map<number, ChildReader>();
  for (const [kind, spec] of Object.entries(EXPRESSION_CHILDREN)) {
    const accessors = (binaryen as unknown as Record<string, Accessors>)[kind] as Accessors;
    const id = (binaryen as unknown as Record<string, number>)[`${kind}Id`] as number;
    const list = 'list' in spec ? spec.list : undefined;
    readers.set(id, {
      single: spec.single.map((field) => accessors[`get${field}`] as (expression: ExpressionRef) => ExpressionRef),
      count: list ? (accessors[`get${list[0]}`] as (expression: ExpressionRef) => number) : undefined,
      at: list ? (accessors[`get${list[1]}`] as (expression: ExpressionRef, index: number) => ExpressionRef) : undefined,
    });
  }
  return readers;
}

/**
 * expressionChildren returns a function that lists an expression's children in evaluation
 * order; undefined for an expression kind the scan does not know (scanModule refuses those).
 */
export function expressionChildren(binaryen: Binaryen): (expression: ExpressionRef) => ExpressionRef[] | undefined {
  // By id in an array, and binaryen.js's accessor held here: a Map lookup and a property lookup
  // on binaryen.js's large object per node cost more than reading the node.
  const readers = readersById(binaryen);
  const expressionId = binaryen.getExpressionId;
  return (expression) => {
    const reader = readers[expressionId(expression)];
    if (!reader) return undefined;
    const { single, count, at } = reader;
    const children: ExpressionRef[] = [];
    for (let index = 0; index < single.length; index++) {
      const child = (single[index] as (expression: ExpressionRef) => ExpressionRef)(expression);
      if (child) children.push(child);
    }
    if (count && at) {
      for (let index = 0, length = count(expression); index < length; index++) children.push(at(expression, index));
    }
    return children;
  };
}

/** readersById is childReaders as an array indexed by expression id. */
export function readersById(binaryen: Binaryen): (ChildReader | undefined)[] {
  const readers: (ChildReader | undefined)[] = [];
  for (const [id, reader] of childReaders(binaryen)) readers[id] = reader;
  return readers;
}

/** scanModule walks every defined function body once; it returns the facts or the first refusal. */
export function scanModule(binaryen: Binaryen, module: BinaryenModule): ModuleScan | FeatureRefusal {
  const readers = readersById(binaryen);
  const expressionId = binaryen.getExpressionId;
  const refusedIds = new Map<number, string>();
  for (const [kind, feature] of Object.entries(REFUSED_KINDS)) {
    const id = (binaryen as unknown as Record<string, number | undefined>)[`${kind}Id`];
    if (id !== undefined) refusedIds.set(id, feature);
  }
  const { LoopId, CallId, CallIndirectId, RefFuncId, LoadId, StoreId } = binaryen;

  const functions: FunctionFacts[] = [];
  const referencedFunctions = new Set<string>();
  let expressionCount = 0;
  const stack: ExpressionRef[] = [];
  for (let index = 0, count = module.getNumFunctions(); index < count; index++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(index));
    if (info.module || !info.body) continue;
    const facts: FunctionFacts = {
      name: info.name,
      signature: signatureKey(info.params, info.results),
      loops: [],
      directCallees: new Set(),
      indirectSignatures: new Set(),
    };
    stack.push(info.body);
    while (stack.length > 0) {
      const expression = stack.pop() as ExpressionRef;
      expressionCount++;
      const id = expressionId(expression);
      if (id === LoopId) {
        facts.loops.push(expression);
      } else if (id === CallId) {
        if (binaryen.Call.isReturn(expression)) return { feature: 'tail calls', detail: `return_call in ${info.name}; Asyncify cannot unwind through tail calls` };
        facts.directCallees.add(binaryen.Call.getTarget(expression));
      } else if (id === CallIndirectId) {
        if (binaryen.CallIndirect.isReturn(expression)) return { feature: 'tail calls', detail: `return_call_indirect in ${info.name}; Asyncify cannot unwind through tail calls` };
        facts.indirectSignatures.add(signatureKey(binaryen.CallIndirect.getParams(expression), binaryen.CallIndirect.getResults(expression)));
      } else if (id === RefFuncId) {
        referencedFunctions.add(binaryen.RefFunc.getFunc(expression));
      } else if ((id === LoadId && binaryen.Load.isAtomic(expression)) || (id === StoreId && binaryen.Store.isAtomic(expression))) {
        return { feature: 'threads (atomics)', detail: `atomic memory access in function ${info.name}` };
      }
      const reader = readers[id];
      if (!reader) {
        const feature = refusedIds.get(id);
        return feature
          ? { feature, detail: `found in function ${info.name}` }
          : { feature: 'an instruction stasis does not support', detail: `Binaryen expression id ${id} in function ${info.name}` };
      }
      for (const getter of reader.single) {
        const child = getter(expression);
        if (child) stack.push(child);
      }
      if (reader.count && reader.at) {
        for (let child = reader.count(expression) - 1; child >= 0; child--) stack.push(reader.at(expression, child));
      }
    }
    functions.push(facts);
  }
  return { functions, referencedFunctions, expressionCount };
}
