// How many functions Asyncify would instrument (safepoint mode) under each way of resolving
// indirect calls and choosing the imports that may unwind, for the modules named on the command
// line. Prints a markdown table; the figures of docs/decisions/2026-11-28-indirect-call-precision.md
// come from it. Only the "type-based" column is what the instrumenter does; "direct calls only"
// is the unreachable ceiling of a perfect call-site analysis, so its lists are not sound, and
// neither are the field-based columns (fieldBasedTargets): they measure how close a heuristic
// that would need a run-time guard comes to that ceiling.
//
//   node --import tsx bench/asyncify-bounds.ts ../../tooling/corpus/wasm/sqlite3.wasm ...
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import binaryenModule from 'binaryen';
import type { Binaryen, BinaryenModule } from '../src/loader/binaryen-api.js';
import { CallGraph } from '../src/loader/call-graph.js';
import { type ModuleScan, expressionChildren, scanModule, signatureKey } from '../src/loader/function-scan.js';

/**
 * BLOCKING_IMPORTS are the WASI functions whose sentry handlers can throw WouldBlock (pipe read
 * and write, host stream read, poll_oneoff, sched_yield, sockets); every other import completes
 * in the call.
 */
const BLOCKING_IMPORTS = new Set(['fd_read', 'fd_write', 'poll_oneoff', 'sched_yield', 'sock_accept', 'sock_recv', 'sock_send']);

/** The parts of binaryen.js used here that binaryen-api.ts does not declare. */
interface SegmentReader {
  getNumDataSegments(): number;
  getDataSegmentByIndex(index: number): number;
  getDataSegmentInfo(segment: number): { data: ArrayBuffer; offset: number | null };
}

interface ModuleFacts {
  readonly scan: ModuleScan;
  /** Function name -> signature key, imports included. */
  readonly signatures: Map<string, string>;
  /** Imported function name -> WASI function name. */
  readonly imports: Map<string, string>;
  /** Table entries with their indices. */
  readonly table: { readonly name: string; readonly index: number }[];
  /** Values below the table size that appear as a constant in code or a word in data. */
  readonly materialised: Set<number>;
  /** Every i32 value that appears as a constant in code or a word in data (possible struct bases). */
  readonly constants: Set<number>;
  /** Where each table index is written: data words and stores of a constant. */
  readonly occurrences: Map<number, Occurrences>;
  /** Each function's indirect call sites, by where their target comes from. */
  readonly sites: Map<string, CallSite[]>;
}

/** Occurrences of one table index as a value in memory or code. */
interface Occurrences {
  /** Absolute addresses: data words, and stores of the constant to a constant address. */
  readonly cells: Set<number>;
  /** Field offsets of stores of the constant through a computed pointer. */
  readonly fields: Set<number>;
  /** Set when the constant is used other than as a stored value (passed, compared, kept in a local). */
  escapes: boolean;
}

/** Origin of a loaded value: a constant address, a field of a computed pointer, or unknown. */
type Origin = { readonly kind: 'cell'; readonly address: number } | { readonly kind: 'field'; readonly offset: number } | { readonly kind: 'index'; readonly index: number } | { readonly kind: 'unknown' };

const UNKNOWN: Origin = { kind: 'unknown' };

/** CallSite is one call_indirect: its signature and the origins its target may have. */
interface CallSite {
  readonly signature: string;
  readonly origins: readonly Origin[];
}

function tableIndicesOf(table: readonly { readonly index: number }[]): Set<number> {
  return new Set(table.map((entry) => entry.index));
}

function readFacts(binaryen: Binaryen, module: BinaryenModule): ModuleFacts {
  const scan = scanModule(binaryen, module);
  if ('feature' in scan) throw new Error(`the module uses ${scan.feature}: ${scan.detail}`);
  const signatures = new Map<string, string>();
  const imports = new Map<string, string>();
  for (let index = 0, count = module.getNumFunctions(); index < count; index++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(index));
    signatures.set(info.name, signatureKey(info.params, info.results));
    if (info.module) imports.set(info.name, info.base as string);
  }
  const table: { name: string; index: number }[] = [];
  for (let index = 0, count = module.getNumElementSegments(); index < count; index++) {
    const segment = binaryen.getElementSegmentInfo(module.getElementSegmentByIndex(index));
    const offset = binaryen.getExpressionInfo(segment.offset) as { value?: unknown };
    if (typeof offset.value !== 'number') throw new Error('an element segment with a non-constant offset');
    for (const [position, name] of segment.data.entries()) table.push({ name, index: offset.value + position });
  }
  const tableSize = Math.max(0, ...table.map((entry) => entry.index + 1));
  const tableIndices = tableIndicesOf(table);
  const materialised = new Set<number>();
  const note = (value: number): void => {
    if (value >>> 0 < tableSize) materialised.add(value >>> 0);
  };
  const constants = new Set<number>();
  const occurrences = new Map<number, Occurrences>();
  const occurrencesOf = (index: number): Occurrences => {
    let found = occurrences.get(index);
    if (!found) occurrences.set(index, (found = { cells: new Set(), fields: new Set(), escapes: false }));
    return found;
  };
  const sites = new Map<string, CallSite[]>();
  const bits = new DataView(new ArrayBuffer(16));
  const children = expressionChildren(binaryen);
  const info = binaryen.getExpressionInfo as unknown as (expression: number) => Record<string, number>;
  const isTableIndex = (value: number): boolean => value >>> 0 < tableSize;
  /** origin classifies a pointer expression plus a static offset. */
  const addressOrigin = (pointer: number, offset: number): Origin => {
    const id = binaryen.getExpressionId(pointer);
    if (id === binaryen.ConstId) return { kind: 'cell', address: ((info(pointer).value as number) + offset) >>> 0 };
    if (id === binaryen.BinaryId && info(pointer).op === binaryen.AddInt32) {
      const right = info(pointer).right as number;
      if (binaryen.getExpressionId(right) === binaryen.ConstId) return { kind: 'field', offset: offset + (info(right).value as number) };
    }
    return { kind: 'field', offset };
  };
  for (let index = 0, count = module.getNumFunctions(); index < count; index++) {
    const function_ = binaryen.getFunctionInfo(module.getFunctionByIndex(index));
    if (function_.module || !function_.body) continue;
    const parameterCount = binaryen.expandType(function_.params).length;
    const localSets = new Map<number, number[]>();
    const calls: number[] = [];
    const storedConstants = new Set<number>();
    const pointerOperands = new Set<number>();
    const stack = [function_.body];
    while (stack.length > 0) {
      const expression = stack.pop() as number;
      const id = binaryen.getExpressionId(expression);
      if (id === binaryen.ConstId) {
        noteConstant(binaryen, expression, bits, note);
        // An address used only as a load or store pointer is not a pointer anyone holds.
        if (binaryen.getExpressionType(expression) === binaryen.i32 && !pointerOperands.has(expression)) constants.add((info(expression).value as number) >>> 0);
      } else if (id === binaryen.LoadId) {
        pointerOperands.add(info(expression).ptr as number);
      } else if (id === binaryen.StoreId) {
        pointerOperands.add(info(expression).ptr as number);
        const store = info(expression);
        const value = store.value as number;
        if (binaryen.getExpressionId(value) === binaryen.ConstId && binaryen.getExpressionType(value) === binaryen.i32 && store.bytes === 4 && isTableIndex(info(value).value as number)) {
          storedConstants.add(value);
          const origin = addressOrigin(store.ptr as number, store.offset as number);
          const target = occurrencesOf(info(value).value as number);
          if (origin.kind === 'cell') target.cells.add(origin.address);
          else if (origin.kind === 'field') target.fields.add(origin.offset);
        }
      } else if (id === binaryen.LocalSetId) {
        const set = info(expression);
        const sets = localSets.get(set.index as number);
        if (sets) sets.push(set.value as number);
        else localSets.set(set.index as number, [set.value as number]);
      } else if (id === binaryen.CallIndirectId) {
        calls.push(expression);
      }
      stack.push(...(children(expression) ?? []));
    }
    // A table index constant used anywhere but as a stored value escapes the field model.
    const stack2 = [function_.body];
    while (stack2.length > 0) {
      const expression = stack2.pop() as number;
      if (binaryen.getExpressionId(expression) === binaryen.ConstId && binaryen.getExpressionType(expression) === binaryen.i32 && !storedConstants.has(expression)) {
        const value = info(expression).value as number;
        if (tableIndices.has(value >>> 0)) occurrencesOf(value >>> 0).escapes = true;
      }
      stack2.push(...(children(expression) ?? []));
    }
    // Origins of a local: the union over its sets, memoized; a local on a cycle of copies is unknown.
    const localOrigins = new Map<number, Origin[] | 'pending'>();
    const valueOrigins = (value: number): Origin[] => {
      const id = binaryen.getExpressionId(value);
      if (id === binaryen.ConstId) return [{ kind: 'index', index: (info(value).value as number) >>> 0 }];
      if (id === binaryen.LoadId && info(value).bytes === 4) return [addressOrigin(info(value).ptr as number, info(value).offset as number)];
      if (id === binaryen.LocalSetId) return valueOrigins(info(value).value as number);
      if (id !== binaryen.LocalGetId) return [UNKNOWN];
      const local = info(value).index as number;
      const known = localOrigins.get(local);
      if (known === 'pending') return [UNKNOWN];
      if (known) return known;
      const sets = localSets.get(local);
      if (local < parameterCount || !sets) return [UNKNOWN];
      localOrigins.set(local, 'pending');
      const origins = sets.flatMap((set) => valueOrigins(set));
      const result = origins.some((origin) => origin.kind === 'unknown') ? [UNKNOWN] : origins;
      localOrigins.set(local, result);
      return result;
    };
    sites.set(
      function_.name,
      calls.map((call) => ({
        signature: signatureKey(info(call).params as number, info(call).results as number),
        origins: valueOrigins(info(call).target as number),
      })),
    );
  }
  for (let index = 0, count = module.getNumGlobals(); index < count; index++) {
    const init = binaryen.getGlobalInfo(module.getGlobalByIndex(index)).init;
    if (init && binaryen.getExpressionId(init) === binaryen.ConstId) noteConstant(binaryen, init, bits, note);
  }
  const segments = module as unknown as SegmentReader;
  for (let index = 0, count = segments.getNumDataSegments(); index < count; index++) {
    const data = new DataView(segments.getDataSegmentInfo(segments.getDataSegmentByIndex(index)).data);
    // Every byte offset: a packed struct may hold a function pointer unaligned.
    const start = segments.getDataSegmentInfo(segments.getDataSegmentByIndex(index)).offset ?? 0;
    for (let offset = 0; offset + 4 <= data.byteLength; offset++) {
      const word = data.getUint32(offset, true);
      note(word);
      constants.add(word);
      if (tableIndices.has(word)) occurrencesOf(word).cells.add(start + offset);
    }
  }
  return { scan, signatures, imports, table, materialised, constants, occurrences, sites };
}

/** noteConstant passes every 32-bit word of a constant's bits to `note`. */
function noteConstant(binaryen: Binaryen, expression: number, bits: DataView, note: (value: number) => void): void {
  const type = binaryen.getExpressionType(expression);
  const value = (binaryen.getExpressionInfo(expression) as unknown as { value: unknown }).value;
  if (type === binaryen.i32) {
    note(value as number);
  } else if (type === binaryen.i64) {
    const { low, high } = value as { low: number; high: number };
    note(low);
    note(high);
  } else if (type === binaryen.f32 || type === binaryen.f64) {
    if (type === binaryen.f32) bits.setFloat32(0, value as number, true);
    else bits.setFloat64(0, value as number, true);
    note(bits.getUint32(0, true));
    if (type === binaryen.f64) note(bits.getUint32(4, true));
  } else {
    const bytes = value as number[];
    for (let offset = 0; offset + 4 <= bytes.length; offset++) {
      note(((bytes[offset] as number) | ((bytes[offset + 1] as number) << 8) | ((bytes[offset + 2] as number) << 16) | ((bytes[offset + 3] as number) << 24)) >>> 0);
    }
  }
}

interface Variant {
  /** Whether a table entry can be an indirect call's target. */
  readonly callable: (entry: { readonly name: string; readonly index: number }) => boolean;
  /** Whether an import (by WASI name) may unwind. */
  readonly unwinds: (wasiName: string) => boolean;
  /** false: no indirect edge; 'type': by signature (the instrumenter's rule); 'field': fieldMayHold. */
  readonly indirect: false | 'type' | 'field';
  /** With 'field': trust the model even for escaping indices and targets of unknown origin. */
  readonly optimistic?: boolean;
}

/**
 * fieldMayHold answers the field-based model's question: can a target fetched from `origin` be
 * table index `index`? A cell at a constant address holds what the data or constant-address
 * stores put there, or a store at field offset K if address - K appears as a constant; a field at offset K of a computed pointer holds what stores at offset K put
 * there, or a data word at D if D - K appears as a constant (someone may hold that struct's
 * address). An index used other than as a stored value (passed as an argument, compared) may be
 * anywhere, and a target of unknown origin (a parameter, a call's result) may be any index,
 * unless `optimistic`. Not sound (memcpy, unions, pointer arithmetic); a measure only.
 */
function fieldMayHold(facts: ModuleFacts, origin: Origin, index: number, optimistic: boolean): boolean {
  if (origin.kind === 'unknown') return !optimistic;
  if (origin.kind === 'index') return origin.index === index;
  const occurrences = facts.occurrences.get(index);
  if (!occurrences) return false;
  if (occurrences.escapes && !optimistic) return true;
  if (origin.kind === 'cell') {
    if (occurrences.cells.has(origin.address)) return true;
    for (const field of occurrences.fields) if (facts.constants.has((origin.address - field) >>> 0)) return true;
    return false;
  }
  if (occurrences.fields.has(origin.offset)) return true;
  for (const cell of occurrences.cells) if (facts.constants.has((cell - origin.offset) >>> 0)) return true;
  return false;
}

/** asyncifiedCount counts the defined functions from which an unwinding import is reachable. */
function asyncifiedCount(facts: ModuleFacts, variant: Variant): number {
  const graph = new CallGraph();
  for (const name of facts.signatures.keys()) graph.node(name);
  const targets = new Map<string, string[]>();
  for (const entry of facts.table) {
    if (!variant.callable(entry)) continue;
    const signature = facts.signatures.get(entry.name) as string;
    targets.set(signature, [...(targets.get(signature) ?? []), entry.name]);
  }
  const entriesBySignature = new Map<string, { name: string; index: number }[]>();
  for (const entry of facts.table) {
    const signature = facts.signatures.get(entry.name) as string;
    const entries = entriesBySignature.get(signature);
    if (entries) entries.push(entry);
    else entriesBySignature.set(signature, [entry]);
  }
  for (const function_ of facts.scan.functions) {
    for (const callee of function_.directCallees) graph.addEdge(function_.name, callee);
    if (variant.indirect === 'type') {
      for (const signature of function_.indirectSignatures) {
        for (const callee of targets.get(signature) ?? []) graph.addEdge(function_.name, callee);
      }
    } else if (variant.indirect === 'field') {
      for (const site of facts.sites.get(function_.name) ?? []) {
        for (const entry of entriesBySignature.get(site.signature) ?? []) {
          if (variant.callable(entry) && site.origins.some((origin) => fieldMayHold(facts, origin, entry.index, variant.optimistic === true))) graph.addEdge(function_.name, entry.name);
        }
      }
    }
  }
  const roots = [...facts.imports].filter(([, wasiName]) => variant.unwinds(wasiName)).map(([name]) => name);
  return [...graph.callersOf(roots)].filter((name) => !facts.imports.has(name)).length;
}

const binaryen = binaryenModule as unknown as Binaryen;
const every = (): boolean => true;
const blocking = (wasiName: string): boolean => BLOCKING_IMPORTS.has(wasiName);
console.log('| program | functions | table entries | indices materialised | type-based (today) | + only materialised indices | only blocking imports unwind | field-based (unsound) | field-based + only blocking imports | same, optimistic | direct calls only | direct calls + only blocking imports |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const path of process.argv.slice(2)) {
  const module = binaryen.readBinary(readFileSync(path), binaryen.Features.All);
  try {
    const facts = readFacts(binaryen, module);
    const materialised = (entry: { readonly index: number }): boolean => facts.materialised.has(entry.index);
    const counts = [
      asyncifiedCount(facts, { callable: every, unwinds: every, indirect: 'type' }),
      asyncifiedCount(facts, { callable: materialised, unwinds: every, indirect: 'type' }),
      asyncifiedCount(facts, { callable: every, unwinds: blocking, indirect: 'type' }),
      asyncifiedCount(facts, { callable: every, unwinds: every, indirect: 'field' }),
      asyncifiedCount(facts, { callable: every, unwinds: blocking, indirect: 'field' }),
      asyncifiedCount(facts, { callable: every, unwinds: blocking, indirect: 'field', optimistic: true }),
      asyncifiedCount(facts, { callable: every, unwinds: every, indirect: false }),
      asyncifiedCount(facts, { callable: every, unwinds: blocking, indirect: false }),
    ];
    const row = [basename(path, '.wasm'), facts.scan.functions.length, facts.table.length, facts.table.filter(materialised).length, ...counts];
    console.log(`| ${row.join(' | ')} |`);
  } finally {
    module.dispose();
  }
}
