// Renumbering the type indices inside a function body, for moving bodies between Binaryen
// outputs whose type sections list the same types in different orders (body-splice.ts): Binaryen
// writes types sorted by how often they are used, so two outputs of one module can disagree.
// A body names a type in `call_indirect` and in a block type; every other instruction is only
// walked over, so the decoder must know every opcode the prepared module may contain (the
// features of WASM_OPT_FEATURES: MVP, sign extension, saturating conversions, bulk memory,
// reference types, SIMD, multi-value). Anything else is refused, never copied blindly.
// Opcode source: https://webassembly.github.io/spec/core/binary/instructions.html
import { ByteReader, encodeU32 } from './wasm-binary.js';

/** TypeRemapError: a body holds an instruction this decoder does not know, or a type index outside the map. */
export class TypeRemapError extends Error {
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(`${message} at byte ${offset}`);
    this.name = 'TypeRemapError';
    this.offset = offset;
  }
}

/** Single-byte value types a local, a block type or a `select` may name (the features above). */
const VALUE_TYPES = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f]);
const EMPTY_BLOCK_TYPE = 0x40;
/** Heap types of `ref.null` under reference types: funcref, externref. */
const HEAP_TYPES = new Set([0x70, 0x6f]);

/** Immediates by opcode, for the one-byte opcodes that have some. */
type Immediate = 'blockType' | 'u32' | 'brTable' | 'callIndirect' | 'selectTypes' | 'byte' | 's32' | 's64' | 'f32' | 'f64' | 'heapType';
const IMMEDIATES: ReadonlyMap<number, Immediate> = new Map<number, Immediate>([
  [0x02, 'blockType'],
  [0x03, 'blockType'],
  [0x04, 'blockType'],
  [0x0c, 'u32'],
  [0x0d, 'u32'],
  [0x0e, 'brTable'],
  [0x10, 'u32'],
  [0x11, 'callIndirect'],
  [0x1c, 'selectTypes'],
  [0x20, 'u32'],
  [0x21, 'u32'],
  [0x22, 'u32'],
  [0x23, 'u32'],
  [0x24, 'u32'],
  [0x25, 'u32'],
  [0x26, 'u32'],
  [0x3f, 'byte'],
  [0x40, 'byte'],
  [0x41, 's32'],
  [0x42, 's64'],
  [0x43, 'f32'],
  [0x44, 'f64'],
  [0xd0, 'heapType'],
  [0xd2, 'u32'],
]);

/** One-byte opcodes without immediates: control, parametric, numeric (0x45-0xc4), ref.is_null. */
function isBare(opcode: number): boolean {
  return opcode === 0x00 || opcode === 0x01 || opcode === 0x05 || opcode === 0x0b || opcode === 0x0f || opcode === 0x1a || opcode === 0x1b || opcode === 0xd1 || (opcode >= 0x45 && opcode <= 0xc4);
}

/** Loads and stores (0x28-0x3e) carry a memarg. */
function isMemoryAccess(opcode: number): boolean {
  return opcode >= 0x28 && opcode <= 0x3e;
}

/** Immediates of the 0xfc prefix's sub-opcodes (saturating conversions, bulk memory, tables). */
const PREFIX_FC: Readonly<Record<number, readonly ('u32' | 'byte')[]>> = {
  0: [],
  1: [],
  2: [],
  3: [],
  4: [],
  5: [],
  6: [],
  7: [],
  8: ['u32', 'byte'],
  9: ['u32'],
  10: ['byte', 'byte'],
  11: ['byte'],
  12: ['u32', 'u32'],
  13: ['u32'],
  14: ['u32', 'u32'],
  15: ['u32'],
  16: ['u32'],
  17: ['u32'],
};

/** Immediates of the 0xfd (SIMD) sub-opcodes that have some; every other sub-opcode up to 0x113 has none. */
function simdImmediates(sub: number): 'memarg' | 'bytes16' | 'lane' | 'memargLane' | 'none' | undefined {
  if (sub <= 11 || sub === 92 || sub === 93) return 'memarg';
  if (sub === 12 || sub === 13) return 'bytes16';
  if (sub >= 21 && sub <= 34) return 'lane';
  if (sub >= 84 && sub <= 91) return 'memargLane';
  return sub <= 0x113 ? 'none' : undefined;
}

/** encodeS33 appends a non-negative type index as the signed LEB128 of a block type. */
function encodeS33(out: number[], value: number): void {
  let rest = value;
  for (;;) {
    const low = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest === 0 && (low & 0x40) === 0) {
      out.push(low);
      return;
    }
    out.push(low | 0x80);
  }
}

/** skipSignedLeb steps over a signed LEB128 of at most `bits` bits. */
function skipSignedLeb(reader: ByteReader, bits: number): void {
  for (let shift = 0; ; shift += 7) {
    if (shift >= bits + 7) throw new TypeRemapError('integer too long', reader.offset);
    if ((reader.byte() & 0x80) === 0) return;
  }
}

/** readS33 reads a block type's signed LEB128: negative for a value type or empty, else a type index. */
function readS33(reader: ByteReader): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    const byte = reader.byte();
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return byte & 0x40 ? result - 2 ** shift : result;
    if (shift > 35) throw new TypeRemapError('block type too long', reader.offset);
  }
}

/**
 * remapTypeIndices returns a code-section entry's body (locals and instructions, without the
 * size prefix) with every type index `t` replaced by `map[t]`; the same bytes when nothing
 * changes.
 */
export function remapTypeIndices(body: Uint8Array, map: ArrayLike<number>): Uint8Array {
  const reader = new ByteReader(body);
  const out: number[] = [];
  let copied = 0;
  // Copy lazily: only the spans before a changed index are pushed byte by byte.
  const flushTo = (offset: number): void => {
    for (let index = copied; index < offset; index++) out.push(body[index] as number);
    copied = offset;
  };
  const mapped = (index: number, at: number): number => {
    const target = map[index];
    if (target === undefined) throw new TypeRemapError(`type index ${index} outside the map`, at);
    return target;
  };
  const rewriteU32Type = (): void => {
    const at = reader.offset;
    const index = reader.u32();
    const target = mapped(index, at);
    if (target === index) return;
    flushTo(at);
    encodeU32(out, target);
    copied = reader.offset;
  };
  for (let groups = reader.u32(); groups > 0; groups--) {
    reader.u32();
    if (!VALUE_TYPES.has(reader.byte())) throw new TypeRemapError('unknown local type', reader.offset - 1);
  }
  let depth = 1;
  while (depth > 0) {
    const at = reader.offset;
    const opcode = reader.byte();
    if (opcode === 0x0b) {
      depth--;
      continue;
    }
    if (isBare(opcode)) continue;
    if (isMemoryAccess(opcode)) {
      reader.u32();
      reader.u32();
      continue;
    }
    if (opcode === 0xfc) {
      const immediates = PREFIX_FC[reader.u32()];
      if (!immediates) throw new TypeRemapError('unknown 0xfc instruction', at);
      for (const kind of immediates) kind === 'u32' ? reader.u32() : reader.byte();
      continue;
    }
    if (opcode === 0xfd) {
      const kind = simdImmediates(reader.u32());
      if (kind === undefined) throw new TypeRemapError('unknown SIMD instruction', at);
      if (kind === 'memarg' || kind === 'memargLane') {
        reader.u32();
        reader.u32();
      }
      if (kind === 'lane' || kind === 'memargLane') reader.byte();
      if (kind === 'bytes16') reader.take(16);
      continue;
    }
    switch (IMMEDIATES.get(opcode)) {
      case 'blockType': {
        depth++;
        const typeAt = reader.offset;
        const blockType = readS33(reader);
        if (blockType < 0) {
          const byte = body[typeAt] as number;
          if (byte !== EMPTY_BLOCK_TYPE && !VALUE_TYPES.has(byte)) throw new TypeRemapError('unknown block type', typeAt);
          break;
        }
        const target = mapped(blockType, typeAt);
        if (target !== blockType) {
          flushTo(typeAt);
          encodeS33(out, target);
          copied = reader.offset;
        }
        break;
      }
      case 'u32':
        reader.u32();
        break;
      case 'brTable':
        for (let labels = reader.u32(); labels >= 0; labels--) reader.u32();
        break;
      case 'callIndirect':
        rewriteU32Type();
        reader.u32();
        break;
      case 'selectTypes':
        for (let count = reader.u32(); count > 0; count--) {
          if (!VALUE_TYPES.has(reader.byte())) throw new TypeRemapError('unknown select type', reader.offset - 1);
        }
        break;
      case 'byte':
        reader.byte();
        break;
      case 's32':
        skipSignedLeb(reader, 32);
        break;
      case 's64':
        skipSignedLeb(reader, 64);
        break;
      case 'f32':
        reader.take(4);
        break;
      case 'f64':
        reader.take(8);
        break;
      case 'heapType':
        if (!HEAP_TYPES.has(reader.byte())) throw new TypeRemapError('unknown heap type', reader.offset - 1);
        break;
      default:
        throw new TypeRemapError(`unknown opcode 0x${opcode.toString(16)}`, at);
    }
  }
  if (!reader.atEnd) throw new TypeRemapError('bytes after the body end', reader.offset);
  if (copied === 0) return body;
  flushTo(body.length);
  return Uint8Array.from(out);
}
