// One view over the per-architecture feature tables (features-x86.ts, features-arm64.ts),
// which every other module reads: a feature's index in its table is its bit in a
// FeatureSet, and the order of the table is the order Linux prints the names.
import type { Arch } from './arch.js';
import { UnknownFeatureError } from './errors.js';
import { ARM64_FEATURES } from './features-arm64.js';
import { X86_FEATURES, type X86Feature } from './features-x86.js';

/** CpuidRegisterBlock is one 32-bit register of one CPUID leaf that holds named feature bits. */
export interface CpuidRegisterBlock {
  readonly leaf: number;
  readonly subleaf: number;
  readonly register: X86Feature['register'];
}

/**
 * X86_REGISTER_BLOCKS are the CPUID registers holding named features, in the order Linux
 * prints them (the x86_capability words of arch/x86/include/asm/cpufeatures.h that have
 * names in gVisor's table).
 */
export const X86_REGISTER_BLOCKS: readonly CpuidRegisterBlock[] = Object.freeze([
  { leaf: 0x1, subleaf: 0, register: 'edx' },
  { leaf: 0x80000001, subleaf: 0, register: 'edx' },
  { leaf: 0x1, subleaf: 0, register: 'ecx' },
  { leaf: 0x80000001, subleaf: 0, register: 'ecx' },
  { leaf: 0x7, subleaf: 0, register: 'ebx' },
  { leaf: 0xd, subleaf: 1, register: 'eax' },
  { leaf: 0x7, subleaf: 0, register: 'ecx' },
  { leaf: 0x7, subleaf: 0, register: 'edx' },
]);

/** FeatureTable is an architecture's features, indexed by their bit in a FeatureSet. */
export interface FeatureTable {
  readonly arch: Arch;
  /** Feature names by index, in Linux order. */
  readonly names: readonly string[];
  /** Whether Linux shows each feature in /proc/cpuinfo, by index. */
  readonly shown: readonly boolean[];
  /**
   * Where each feature lives in the architecture's fixed list of 32-bit words, by index:
   * for x86_64 the words are X86_REGISTER_BLOCKS; for arm64 they are AT_HWCAP bits 0-31,
   * 32-63, then AT_HWCAP2 bits 0-31, 32-63. Serialization uses these, not the indexes,
   * so that a serialized set survives names being inserted into a table.
   */
  readonly positions: readonly { readonly word: number; readonly bit: number }[];
  /** How many words positions refer to. */
  readonly wordCount: number;
  /** indexOf returns the index of a name, or throws UnknownFeatureError. */
  indexOf(name: string): number;
  /** lookup returns the index of a name, or undefined. */
  lookup(name: string): number | undefined;
}

function makeTable(
  arch: Arch,
  entries: readonly { name: string; shown: boolean; word: number; bit: number }[],
  wordCount: number,
): FeatureTable {
  const byName = new Map(entries.map((entry, index) => [entry.name, index]));
  if (byName.size !== entries.length) throw new Error(`cpuid: duplicate feature names in the ${arch} table`);
  return Object.freeze({
    arch,
    names: Object.freeze(entries.map((entry) => entry.name)),
    shown: Object.freeze(entries.map((entry) => entry.shown)),
    positions: Object.freeze(entries.map((entry) => Object.freeze({ word: entry.word, bit: entry.bit }))),
    wordCount,
    lookup: (name: string) => byName.get(name),
    indexOf(name: string): number {
      const index = byName.get(name);
      if (index === undefined) throw new UnknownFeatureError(name, arch);
      return index;
    },
  });
}

/** x86BlockIndex returns the index in X86_REGISTER_BLOCKS of the register holding a feature. */
export function x86BlockIndex(feature: Pick<X86Feature, 'leaf' | 'subleaf' | 'register'>): number {
  const index = X86_REGISTER_BLOCKS.findIndex(
    (block) => block.leaf === feature.leaf && block.subleaf === feature.subleaf && block.register === feature.register,
  );
  if (index === -1) throw new Error(`cpuid: no register block for leaf ${feature.leaf.toString(16)}`);
  return index;
}

const TABLES: Readonly<Record<Arch, FeatureTable>> = {
  x86_64: makeTable(
    'x86_64',
    X86_FEATURES.map((feature) => ({ name: feature.name, shown: feature.shown, word: x86BlockIndex(feature), bit: feature.bit })),
    X86_REGISTER_BLOCKS.length,
  ),
  arm64: makeTable(
    'arm64',
    ARM64_FEATURES.map((feature) => ({ name: feature.name, shown: true, word: (feature.hwcap - 1) * 2 + (feature.bit >> 5), bit: feature.bit & 31 })),
    4,
  ),
};

/** toWords spreads a FeatureSet bitset over the table's words (see FeatureTable.positions). */
export function toWords(table: FeatureTable, bits: bigint): number[] {
  const words = new Array<number>(table.wordCount).fill(0);
  table.positions.forEach((position, index) => {
    if ((bits >> BigInt(index)) & 1n) words[position.word] = (words[position.word]! | (1 << position.bit)) >>> 0;
  });
  return words;
}

/** fromWords gathers the table's bits from its words; `unnamed` is what is left: set bits no feature names. */
export function fromWords(table: FeatureTable, words: readonly number[]): { bits: bigint; unnamed: number[] } {
  const unnamed = words.map((word) => word >>> 0);
  let bits = 0n;
  table.positions.forEach((position, index) => {
    if ((unnamed[position.word]! >>> position.bit) & 1) {
      bits |= 1n << BigInt(index);
      unnamed[position.word] = (unnamed[position.word]! & ~(1 << position.bit)) >>> 0;
    }
  });
  return { bits, unnamed };
}

/** featureTable returns the table of an architecture. */
export function featureTable(arch: Arch): FeatureTable {
  return TABLES[arch];
}
