// A minimal reader for the WebAssembly binary format: enough to classify a file and to read
// a module's sections, imports, exports and memory limits without compiling it. The loader
// reads untrusted bytes here, so every length and index is checked against the buffer and a
// malformed module is a MalformedModuleError, never a RangeError or a huge allocation.
// Layout source: https://webassembly.github.io/spec/core/binary/modules.html
import { MalformedModuleError } from './errors.js';

/** WASM_MAGIC is `\0asm`, the first four bytes of every WebAssembly binary. */
export const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d] as const;

/** SectionId names the module section ids this package looks at (custom sections are 0). */
export const SectionId = {
  CUSTOM: 0,
  TYPE: 1,
  IMPORT: 2,
  FUNCTION: 3,
  TABLE: 4,
  MEMORY: 5,
  GLOBAL: 6,
  EXPORT: 7,
  START: 8,
  ELEMENT: 9,
  CODE: 10,
  DATA: 11,
  DATA_COUNT: 12,
  TAG: 13,
} as const;
export type SectionId = (typeof SectionId)[keyof typeof SectionId];

/** ExternalKind maps the import/export kind byte to a name. */
export const ExternalKind = { 0: 'function', 1: 'table', 2: 'memory', 3: 'global', 4: 'tag' } as const;
export type ExternalKindName = (typeof ExternalKind)[keyof typeof ExternalKind];

/** Section is one section of a module: its id, custom name, and payload range in the file. */
export interface Section {
  readonly id: number;
  /** The name of a custom section (id 0). */
  readonly name?: string;
  /** Offset of the section's id byte. */
  readonly headerStart: number;
  /** Offset of the payload (after the custom section name for custom sections). */
  readonly start: number;
  readonly end: number;
}

/** MemoryLimits are a memory's limits in 64 KiB pages. */
export interface MemoryLimits {
  readonly minimum: number;
  readonly maximum?: number;
  readonly shared: boolean;
  readonly memory64: boolean;
}

/** ImportEntry is one import of a module. */
export interface ImportEntry {
  readonly module: string;
  readonly name: string;
  readonly kind: ExternalKindName;
  /** Set for memory imports. */
  readonly memory?: MemoryLimits;
}

/** ExportEntry is one export of a module. */
export interface ExportEntry {
  readonly name: string;
  readonly kind: ExternalKindName;
  readonly index: number;
}

/** ModuleLayout is what the loader reads from a core module without compiling it. */
export interface ModuleLayout {
  readonly sections: readonly Section[];
  readonly imports: readonly ImportEntry[];
  readonly exports: readonly ExportEntry[];
  /** The module's own (non-imported) memories. */
  readonly memories: readonly MemoryLimits[];
  readonly hasStart: boolean;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** ByteReader reads LEB128 integers, bytes and names from a bounded range of a buffer. */
export class ByteReader {
  readonly bytes: Uint8Array;
  offset: number;
  readonly end: number;

  constructor(bytes: Uint8Array, offset = 0, end = bytes.length) {
    this.bytes = bytes;
    this.offset = offset;
    this.end = end;
  }

  /** atEnd reports whether every byte of the range has been read. */
  get atEnd(): boolean {
    return this.offset >= this.end;
  }

  /** byte reads one byte. */
  byte(): number {
    if (this.offset >= this.end) throw new MalformedModuleError('unexpected end of section', { offset: this.offset });
    return this.bytes[this.offset++] as number;
  }

  /** u32 reads an unsigned LEB128 integer of at most 32 bits. */
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.byte();
      if (shift === 28 && byte > 0x0f) throw new MalformedModuleError('integer too large', { offset: this.offset - 1 });
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  }

  /** u64 reads an unsigned LEB128 integer of at most 64 bits as a number (precise to 2^53). */
  u64(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.byte();
      if (shift > 63) throw new MalformedModuleError('integer too large', { offset: this.offset - 1 });
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
  }

  /** take reads `length` raw bytes, checked against the range. */
  take(length: number): Uint8Array {
    if (length > this.end - this.offset) throw new MalformedModuleError('length beyond end of section', { offset: this.offset });
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  /** name reads a length-prefixed UTF-8 string. */
  name(): string {
    const at = this.offset;
    const raw = this.take(this.u32());
    try {
      return decoder.decode(raw);
    } catch (cause) {
      throw new MalformedModuleError('name is not valid UTF-8', { offset: at, cause });
    }
  }
}

/** encodeU32 appends the unsigned LEB128 of `value` to `out` and returns `out` (ByteReader.u32 reads it). */
export function encodeU32(out: number[], value: number): number[] {
  let rest = value;
  do {
    const low = rest & 0x7f;
    rest = Math.floor(rest / 128);
    out.push(rest === 0 ? low : low | 0x80);
  } while (rest !== 0);
  return out;
}

/** readSections splits a core module into its sections, checking every section size. */
export function readSections(bytes: Uint8Array): Section[] {
  const reader = new ByteReader(bytes, 8);
  const sections: Section[] = [];
  while (!reader.atEnd) {
    const headerStart = reader.offset;
    const id = reader.byte();
    const size = reader.u32();
    const start = reader.offset;
    if (size > reader.end - start) throw new MalformedModuleError(`section ${id} runs past the end of the file`, { offset: start });
    const end = start + size;
    if (id === SectionId.CUSTOM) {
      const payload = new ByteReader(bytes, start, end);
      sections.push({ id, name: payload.name(), headerStart, start: payload.offset, end });
    } else {
      sections.push({ id, headerStart, start, end });
    }
    reader.offset = end;
  }
  return sections;
}

function readLimits(reader: ByteReader): MemoryLimits {
  const flags = reader.byte();
  if (flags > 0x07) throw new MalformedModuleError(`unknown memory limits flags ${flags}`, { offset: reader.offset - 1 });
  const memory64 = (flags & 0x04) !== 0;
  const minimum = memory64 ? reader.u64() : reader.u32();
  const maximum = flags & 0x01 ? (memory64 ? reader.u64() : reader.u32()) : undefined;
  return { minimum, maximum, shared: (flags & 0x02) !== 0, memory64 };
}

function skipTableType(reader: ByteReader): void {
  reader.byte(); // reference type
  const flags = reader.byte();
  reader.u32();
  if (flags & 0x01) reader.u32();
}

function skipGlobalType(reader: ByteReader): void {
  reader.byte(); // value type (MVP value types are one byte; others are refused at compile time)
  reader.byte(); // mutability
}

function kindOf(byte: number, offset: number): ExternalKindName {
  const kind = ExternalKind[byte as keyof typeof ExternalKind];
  if (!kind) throw new MalformedModuleError(`unknown external kind ${byte}`, { offset });
  return kind;
}

/** readModuleLayout reads the sections, imports, exports, memories and start of a core module. */
export function readModuleLayout(bytes: Uint8Array): ModuleLayout {
  const sections = readSections(bytes);
  const imports: ImportEntry[] = [];
  const exports: ExportEntry[] = [];
  const memories: MemoryLimits[] = [];
  let hasStart = false;
  for (const section of sections) {
    const reader = new ByteReader(bytes, section.start, section.end);
    if (section.id === SectionId.IMPORT) {
      for (let count = reader.u32(); count > 0; count--) {
        const module = reader.name();
        const name = reader.name();
        const kind = kindOf(reader.byte(), reader.offset - 1);
        if (kind === 'function') {
          reader.u32();
          imports.push({ module, name, kind });
        } else if (kind === 'memory') {
          imports.push({ module, name, kind, memory: readLimits(reader) });
        } else if (kind === 'table') {
          skipTableType(reader);
          imports.push({ module, name, kind });
        } else if (kind === 'global') {
          skipGlobalType(reader);
          imports.push({ module, name, kind });
        } else {
          reader.byte();
          reader.u32();
          imports.push({ module, name, kind });
        }
      }
    } else if (section.id === SectionId.MEMORY) {
      for (let count = reader.u32(); count > 0; count--) memories.push(readLimits(reader));
    } else if (section.id === SectionId.EXPORT) {
      for (let count = reader.u32(); count > 0; count--) {
        const name = reader.name();
        const kind = kindOf(reader.byte(), reader.offset - 1);
        exports.push({ name, kind, index: reader.u32() });
      }
    } else if (section.id === SectionId.START) {
      hasStart = true;
    }
  }
  return { sections, imports, exports, memories, hasStart };
}
