// A function body read out of binaryen.js once, into flat arrays. The fast-path transform and
// the per-exit saves walk each body several times (a scan, a flow analysis with loops to a
// fixed point, the routing), and each step of a walk through binaryen.js's accessors is a call
// into its wasm plus, with `expressionChildren`, an array per node: SQLite's 1.5 million
// expressions cost ~150 ns each per walk that way. Here the shape is read once and every walk
// after it reads arrays.
import type { Binaryen } from './binaryen-api.js';
import { type ChildReader, readersById } from './function-scan.js';

type ExpressionRef = number;

/**
 * ExpressionTree is the shape of one expression tree. Nodes are numbered breadth-first from the
 * root (node 0), so the children of a node are consecutive: `firstChild[node]` up to
 * `firstChild[node] + childCount[node]`, in the order `expressionChildren` lists them
 * (evaluation order, but an indirect call's target first).
 */
export interface ExpressionTree {
  /** How many nodes the tree has. */
  readonly size: number;
  /** The binaryen.js expression of each node. */
  readonly refs: Int32Array;
  /** The Binaryen expression id of each node. */
  readonly ids: Int32Array;
  readonly firstChild: Int32Array;
  /** -1 for an expression kind whose children are not known (`expressionChildren` gives undefined). */
  readonly childCount: Int32Array;
  /**
   * Which of the kind's single children (EXPRESSION_CHILDREN's `single` getters, bit i for the
   * i-th) are present: tells apart, say, a `br_if` without a value from a `br` with one.
   */
  readonly present: Int32Array;
  /** True when every node's kind is known. */
  readonly known: boolean;
  /** The expression ids to compare `ids` with. */
  readonly kinds: ExpressionKinds;
}

/** KIND_NAMES are the expression kinds the analyses over trees tell apart. */
const KIND_NAMES = ['Block', 'Loop', 'If', 'Break', 'Switch', 'Call', 'CallIndirect', 'LocalGet', 'LocalSet', 'GlobalGet', 'Return', 'Unreachable', 'Drop', 'RefFunc'] as const;

/**
 * ExpressionKinds are binaryen.js's ids of KIND_NAMES, copied into a small object: a lookup
 * among the thousands of properties of binaryen.js's own object costs several times more, and
 * the analyses compare ids at every node they visit.
 */
export type ExpressionKinds = Readonly<Record<(typeof KIND_NAMES)[number], number>>;

function expressionKinds(binaryen: Binaryen): ExpressionKinds {
  const ids = binaryen as unknown as Record<string, number>;
  return Object.fromEntries(KIND_NAMES.map((kind) => [kind, ids[`${kind}Id`] as number])) as ExpressionKinds;
}

/** ExpressionTreeReader reads expression trees of one binaryen.js instance. */
export type ExpressionTreeReader = (root: ExpressionRef) => ExpressionTree;

/** expressionTreeReader returns a function that reads the tree under an expression. */
export function expressionTreeReader(binaryen: Binaryen): ExpressionTreeReader {
  const byId = readersById(binaryen);
  let singles = 0;
  for (const reader of byId) if (reader) singles = Math.max(singles, reader.single.length);
  const kinds = expressionKinds(binaryen);
  const scratch: Scratch = { refs: new Int32Array(1024), ids: new Int32Array(1024), firstChild: new Int32Array(1024), childCount: new Int32Array(1024), present: new Int32Array(1024) };
  return (root) => readTree(binaryen, byId, singles, kinds, scratch, root);
}

/**
 * Scratch holds the arrays a tree is read into, kept from one tree to the next: a tree's size is
 * known only once it is read, and growing fresh arrays for each of thousands of bodies made
 * more garbage than the trees themselves.
 */
interface Scratch {
  refs: Int32Array<ArrayBuffer>;
  ids: Int32Array<ArrayBuffer>;
  firstChild: Int32Array<ArrayBuffer>;
  childCount: Int32Array<ArrayBuffer>;
  present: Int32Array<ArrayBuffer>;
}

function readTree(
  binaryen: Binaryen,
  readers: readonly (ChildReader | undefined)[],
  singles: number,
  kinds: ExpressionKinds,
  scratch: Scratch,
  root: ExpressionRef,
): ExpressionTree {
  const expressionId = binaryen.getExpressionId;
  let { refs, ids, firstChild, childCount, present } = scratch;
  let size = 1;
  let known = true;
  refs[0] = root;
  for (let node = 0; node < size; node++) {
    const expression = refs[node] as ExpressionRef;
    const id = expressionId(expression);
    const reader = readers[id];
    const listed = reader?.count ? reader.count(expression) : 0;
    // Room for this node's children: its single ones (`singles` at most) and its list.
    if (size + singles + listed > refs.length) {
      let capacity = refs.length;
      while (size + singles + listed > capacity) capacity *= 2;
      refs = grown(refs, capacity);
      ids = grown(ids, capacity);
      firstChild = grown(firstChild, capacity);
      childCount = grown(childCount, capacity);
      present = grown(present, capacity);
      Object.assign(scratch, { refs, ids, firstChild, childCount, present });
    }
    ids[node] = id;
    firstChild[node] = size;
    if (!reader) {
      childCount[node] = -1;
      known = false;
      continue;
    }
    const { single, at } = reader;
    let mask = 0;
    for (let index = 0; index < single.length; index++) {
      const child = (single[index] as (expression: ExpressionRef) => ExpressionRef)(expression);
      if (!child) continue;
      mask |= 1 << index;
      refs[size++] = child;
    }
    if (at) for (let index = 0; index < listed; index++) refs[size++] = at(expression, index);
    present[node] = mask;
    childCount[node] = size - (firstChild[node] as number);
  }
  // One exact-size buffer for the tree's five arrays.
  const buffer = new Int32Array(5 * size);
  const part = (index: number, from: Int32Array): Int32Array => {
    buffer.set(from.subarray(0, size), index * size);
    return buffer.subarray(index * size, (index + 1) * size);
  };
  return { size, refs: part(0, refs), ids: part(1, ids), firstChild: part(2, firstChild), childCount: part(3, childCount), present: part(4, present), known, kinds };
}

function grown(array: Int32Array<ArrayBuffer>, capacity: number): Int32Array<ArrayBuffer> {
  const larger = new Int32Array(capacity);
  larger.set(array);
  return larger;
}
