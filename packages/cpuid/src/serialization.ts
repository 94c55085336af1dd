// The compact, versioned text form of a FeatureSet that the state file records.
//
//   version 1:  1:<arch>:<word>.<word>...        e.g.  1:arm64:1fb.0.0.0
//
// <arch> is x86_64 or arm64. The words are the architecture's fixed list of 32-bit words
// (FeatureTable.positions): for x86_64 the eight CPUID registers of X86_REGISTER_BLOCKS in
// Linux order, for arm64 AT_HWCAP bits 0-31 and 32-63 then AT_HWCAP2 bits 0-31 and 32-63.
// Each word is lowercase hex without leading zeros ("0" for none), so every set has one
// text and equal sets have equal texts. Bits are hardware positions, not table indexes, so
// a text stays valid when the table gains names; a set bit that this table does not name
// is an UnknownFeatureError (the reader cannot vouch for a feature it does not know).
import { type Arch, normalizeArch } from './arch.js';
import { MalformedFeatureSetError, UnknownFeatureError, UnsupportedArchitectureError, UnsupportedSerializationVersionError } from './errors.js';
import { FeatureSet } from './feature-set.js';
import { featureTable, fromWords, toWords, X86_REGISTER_BLOCKS } from './feature-table.js';

/** FEATURE_SET_SERIALIZATION_VERSION is the version serializeFeatureSet writes. */
export const FEATURE_SET_SERIALIZATION_VERSION = 1;

/** SUPPORTED_SERIALIZATION_VERSIONS are the versions deserializeFeatureSet reads. */
export const SUPPORTED_SERIALIZATION_VERSIONS: readonly number[] = Object.freeze([1]);

/** serializeFeatureSet writes a set in the current version's canonical text. */
export function serializeFeatureSet(set: FeatureSet): string {
  const words = toWords(featureTable(set.arch), set.bits);
  return `${FEATURE_SET_SERIALIZATION_VERSION}:${set.arch}:${words.map((word) => word.toString(16)).join('.')}`;
}

/**
 * deserializeFeatureSet reads a serialized set. An unknown version is an
 * UnsupportedSerializationVersionError, an unknown architecture an
 * UnsupportedArchitectureError, a set bit without a name an UnknownFeatureError, and any
 * other departure from the canonical text a MalformedFeatureSetError.
 */
export function deserializeFeatureSet(text: string): FeatureSet {
  const version = /^(\d{1,9}):/.exec(text);
  if (!version) throw new MalformedFeatureSetError(text, 'expected "<version>:<arch>:<words>"');
  const found = Number(version[1]);
  if (!SUPPORTED_SERIALIZATION_VERSIONS.includes(found)) throw new UnsupportedSerializationVersionError(found, SUPPORTED_SERIALIZATION_VERSIONS);
  const parts = text.slice(version[0].length).split(':');
  if (parts.length !== 2) throw new MalformedFeatureSetError(text, 'expected "1:<arch>:<words>"');
  const [archText, wordsText] = parts as [string, string];
  const arch: Arch | undefined = normalizeArch(archText) === archText ? (archText as Arch) : undefined;
  if (arch === undefined) throw new UnsupportedArchitectureError(archText);
  const table = featureTable(arch);
  const wordTexts = wordsText.split('.');
  if (wordTexts.length !== table.wordCount) throw new MalformedFeatureSetError(text, `expected ${table.wordCount} words for ${arch}, got ${wordTexts.length}`);
  const words = wordTexts.map((word) => {
    if (!/^(0|[1-9a-f][0-9a-f]{0,7})$/.test(word)) throw new MalformedFeatureSetError(text, `word ${JSON.stringify(word)} is not canonical lowercase hex`);
    return Number.parseInt(word, 16);
  });
  const { bits, unnamed } = fromWords(table, words);
  const stray = unnamed.findIndex((word) => word !== 0);
  if (stray !== -1) throw new UnknownFeatureError(unnamedBit(arch, stray, 31 - Math.clz32(unnamed[stray]!)), arch);
  return FeatureSet.fromBits(arch, bits);
}

/** unnamedBit describes a bit the table does not name, for the error message. */
function unnamedBit(arch: Arch, word: number, bit: number): string {
  if (arch === 'x86_64') {
    const block = X86_REGISTER_BLOCKS[word]!;
    return `CPUID(0x${block.leaf.toString(16)},${block.subleaf}).${block.register}[${bit}]`;
  }
  return `AT_HWCAP${word < 2 ? '' : '2'} bit ${(word % 2) * 32 + bit}`;
}
