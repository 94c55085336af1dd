// Moving function bodies between two Binaryen outputs of the same module, so that a native
// `wasm-opt` run only pays for the functions it has to change: the others are given a stub body
// (withStubBodies) and their real bodies are put back afterwards (spliceBodies).
//
// Both modules must be the same module up to the code: the same imports, function signatures,
// globals, tables, data and exports, functions in the same order (Binaryen keeps the order it
// read). Binaryen writes types sorted by how often they are used, and a stub uses none, so the
// two type sections may list the same types in different orders: the splice maps the donor's
// type indices onto the skeleton's by content (type-index-remap.ts renumbers the bodies), checks
// that the imports and function signatures then agree, and requires every other section but
// custom ones to be byte-identical. Anything else is a BodySpliceError, never a guess.
import { TypeRemapError, remapTypeIndices } from './type-index-remap.js';
import { ByteReader, SectionId, type Section, encodeU32, readSections } from './wasm-binary.js';

/** BodySpliceError: the two modules are not the same module up to the code; do the work on the whole module instead. */
export class BodySpliceError extends Error {
  override name = 'BodySpliceError';
}

/** STUB_INSTRUCTIONS: `unreachable`, `end`. Valid whatever the function returns, and free to optimise. */
const STUB_INSTRUCTIONS = [0x00, 0x0b] as const;

/** CodeEntry is one code-section entry: its body (local declarations and instructions) as a byte range. */
interface CodeEntry {
  readonly start: number;
  readonly end: number;
}

/** codeEntries lists the bodies of a module's code section, in function order; none without one. */
export function codeEntries(bytes: Uint8Array, sections: readonly Section[] = readSections(bytes)): CodeEntry[] {
  const code = sections.find((section) => section.id === SectionId.CODE);
  if (!code) return [];
  const reader = new ByteReader(bytes, code.start, code.end);
  const entries: CodeEntry[] = [];
  for (let count = reader.u32(); count > 0; count--) {
    const size = reader.u32();
    entries.push({ start: reader.offset, end: reader.offset + size });
    reader.offset += size;
  }
  if (!reader.atEnd) throw new BodySpliceError('bytes after the code section entries');
  return entries;
}

/**
 * withStubBodies returns the module with the body of every defined function for which `keep`
 * (its index among the defined functions) is false replaced by `unreachable`. Local declarations
 * are kept, so a name section naming locals still fits.
 */
export function withStubBodies(bytes: Uint8Array, keep: (definedIndex: number) => boolean): Uint8Array {
  const sections = readSections(bytes);
  return replaceCode(
    bytes,
    sections,
    codeEntries(bytes, sections).map((entry, index) => {
      const body = bytes.subarray(entry.start, entry.end);
      if (keep(index)) return body;
      const reader = new ByteReader(body);
      for (let groups = reader.u32(); groups > 0; groups--) {
        reader.u32();
        reader.byte();
      }
      const stub = new Uint8Array(reader.offset + STUB_INSTRUCTIONS.length);
      stub.set(body.subarray(0, reader.offset), 0);
      stub.set(STUB_INSTRUCTIONS, reader.offset);
      return stub;
    }),
  );
}

/**
 * spliceBodies returns `skeleton` with the body of every defined function of `donor` for which
 * `take` is true put in its place, type indices renumbered. The skeleton may have functions and
 * globals the donor lacks after the donor's (what Asyncify appends) and other exports; every
 * other index space a body can name must agree (see the file comment), else a BodySpliceError.
 */
export function spliceBodies(skeleton: Uint8Array, donor: Uint8Array, take: (definedIndex: number) => boolean): Uint8Array {
  const skeletonSections = readSections(skeleton);
  const donorSections = readSections(donor);
  const section = (sections: readonly Section[], id: SectionId): Section | undefined => sections.find((candidate) => candidate.id === id);
  const skeletonTypes = typeEntries(skeleton, section(skeletonSections, SectionId.TYPE));
  const indexOf = new Map(skeletonTypes.map((entry, index) => [entry, index]));
  // A donor type the skeleton lacks stays a hole in the map: remapTypeIndices refuses a body that uses it.
  const map: number[] = [];
  typeEntries(donor, section(donorSections, SectionId.TYPE)).forEach((entry, index) => {
    const target = indexOf.get(entry);
    if (target !== undefined) map[index] = target;
  });
  const identity = skeletonTypes.map((_, index) => index);
  const ids = new Set<SectionId>([...skeletonSections, ...donorSections].map((candidate) => candidate.id as SectionId));
  for (const id of ids) {
    const own = section(skeletonSections, id);
    const theirs = section(donorSections, id);
    let agrees: boolean;
    switch (id) {
      case SectionId.CUSTOM:
      case SectionId.TYPE:
      case SectionId.EXPORT:
      case SectionId.START:
      case SectionId.CODE:
        // No body names an export or the start function; types are mapped; code is spliced.
        agrees = true;
        break;
      case SectionId.IMPORT:
        agrees = importsByKind(donor, theirs, map).join() === importsByKind(skeleton, own, identity).join();
        break;
      case SectionId.FUNCTION:
        agrees = isPrefix(functionTypes(donor, theirs, map), functionTypes(skeleton, own, identity));
        break;
      case SectionId.GLOBAL:
        agrees = globalsArePrefix(donor, theirs, skeleton, own);
        break;
      default:
        agrees = own !== undefined && theirs !== undefined && equalBytes(donor.subarray(theirs.start, theirs.end), skeleton.subarray(own.start, own.end));
    }
    if (!agrees) throw new BodySpliceError(`section ${id} differs`);
  }
  const ownEntries = codeEntries(skeleton, skeletonSections);
  const donorEntries = codeEntries(donor, donorSections);
  if (ownEntries.length < donorEntries.length) throw new BodySpliceError(`the donor has ${donorEntries.length} functions, the skeleton ${ownEntries.length}`);
  const bodies = ownEntries.map((entry, index) => {
    const from = donorEntries[index];
    if (!from || !take(index)) return skeleton.subarray(entry.start, entry.end);
    try {
      return remapTypeIndices(donor.subarray(from.start, from.end), map);
    } catch (cause) {
      if (cause instanceof TypeRemapError) throw new BodySpliceError(`function ${index}: ${cause.message}`, { cause });
      throw cause;
    }
  });
  return replaceCode(skeleton, skeletonSections, bodies);
}

/** replaceCode returns the module with its code section's bodies replaced by `bodies`, in order. */
function replaceCode(bytes: Uint8Array, sections: readonly Section[], bodies: readonly Uint8Array[]): Uint8Array {
  const code = sections.find((section) => section.id === SectionId.CODE);
  if (!code) return bytes;
  const payload: number[] = [];
  const chunks: Uint8Array[] = [];
  let payloadLength = 0;
  const push = (chunk: Uint8Array): void => {
    chunks.push(chunk);
    payloadLength += chunk.length;
  };
  push(Uint8Array.from(encodeU32(payload, bodies.length)));
  for (const body of bodies) {
    push(Uint8Array.from(encodeU32([], body.length)));
    push(body);
  }
  const header = Uint8Array.from([SectionId.CODE, ...encodeU32([], payloadLength)]);
  const out = new Uint8Array(code.headerStart + header.length + payloadLength + (bytes.length - code.end));
  out.set(bytes.subarray(0, code.headerStart), 0);
  let offset = code.headerStart;
  out.set(header, offset);
  offset += header.length;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  out.set(bytes.subarray(code.end), offset);
  return out;
}

/** typeEntries returns each entry of a type section as its bytes in hex (function types only: the features used). */
function typeEntries(bytes: Uint8Array, section: Section | undefined): string[] {
  if (!section) return [];
  const reader = new ByteReader(bytes, section.start, section.end);
  const entries: string[] = [];
  for (let count = reader.u32(); count > 0; count--) {
    const start = reader.offset;
    if (reader.byte() !== 0x60) throw new BodySpliceError('a type section entry that is not a function type');
    reader.take(reader.u32());
    reader.take(reader.u32());
    entries.push(Buffer.from(bytes.subarray(start, reader.offset)).toString('hex'));
  }
  if (!reader.atEnd) throw new BodySpliceError('bytes after the type section entries');
  return entries;
}

/**
 * importsByKind lists an import section's entries as hex strings, function imports with their
 * type index mapped, grouped by kind: each kind has its own index space, so the order across
 * kinds means nothing (binaryen.js 132 writes the memory import before the functions, wasm-opt
 * 108 after them).
 */
function importsByKind(bytes: Uint8Array, section: Section | undefined, map: readonly number[]): string[] {
  if (!section) return [];
  const reader = new ByteReader(bytes, section.start, section.end);
  const entries: Array<{ kind: number; entry: string }> = [];
  for (let count = reader.u32(); count > 0; count--) {
    const start = reader.offset;
    reader.take(reader.u32());
    reader.take(reader.u32());
    const kind = reader.byte();
    let entry = Buffer.from(bytes.subarray(start, reader.offset)).toString('hex');
    if (kind === 0) {
      entry += Buffer.from(encodeU32([], mapped(map, reader.u32()))).toString('hex');
      entries.push({ kind, entry });
      continue;
    }
    const descriptor = reader.offset;
    if (kind === 1) reader.byte();
    if (kind === 1 || kind === 2) {
      const flags = reader.byte();
      if (flags > 0x03) throw new BodySpliceError(`an import with limits flags ${flags}`);
      reader.u32();
      if (flags & 0x01) reader.u32();
    } else if (kind === 3) {
      reader.take(2);
    } else {
      throw new BodySpliceError(`an import of kind ${kind}`);
    }
    entries.push({ kind, entry: entry + Buffer.from(bytes.subarray(descriptor, reader.offset)).toString('hex') });
  }
  if (!reader.atEnd) throw new BodySpliceError('bytes after the import section entries');
  return entries.sort((a, b) => a.kind - b.kind).map(({ entry }) => entry);
}

/** functionTypes lists a function section's type indices, mapped. */
function functionTypes(bytes: Uint8Array, section: Section | undefined, map: readonly number[]): number[] {
  if (!section) return [];
  const reader = new ByteReader(bytes, section.start, section.end);
  const types: number[] = [];
  for (let count = reader.u32(); count > 0; count--) types.push(mapped(map, reader.u32()));
  return types;
}

/** globalsArePrefix says whether the donor's globals are the skeleton's first globals, byte for byte. */
function globalsArePrefix(donor: Uint8Array, theirs: Section | undefined, skeleton: Uint8Array, own: Section | undefined): boolean {
  if (!theirs) return true;
  if (!own) return false;
  const donorReader = new ByteReader(donor, theirs.start, theirs.end);
  const ownReader = new ByteReader(skeleton, own.start, own.end);
  if (donorReader.u32() > ownReader.u32()) return false;
  const entries = donor.subarray(donorReader.offset, theirs.end);
  return entries.length <= own.end - ownReader.offset && equalBytes(entries, skeleton.subarray(ownReader.offset, ownReader.offset + entries.length));
}

function isPrefix(prefix: readonly number[], list: readonly number[]): boolean {
  return prefix.length <= list.length && prefix.every((value, index) => value === list[index]);
}

function mapped(map: readonly number[], index: number): number {
  const target = map[index];
  if (target === undefined) throw new BodySpliceError(`type ${index} of the donor is not in the skeleton`);
  return target;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}
