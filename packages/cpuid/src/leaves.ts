// Raw CPUID leaves <-> FeatureSet and CPU identity, as gVisor's pkg/cpuid reads a Static
// (map of In{Eax, Ecx} -> Out{Eax, Ebx, Ecx, Edx}). decode() reads leaves the way a CPU
// answers: a leaf above the maximum that leaf 0 (basic) or 80000000H (extended) reports
// does not exist, and reads as zeros. encode() writes the smallest leaves that decode back
// to the same value: decode(encode(info)) equals info for every valid info.
import { assertDependencies, withoutOrphans } from './dependencies.js';
import { FeatureSet } from './feature-set.js';
import { featureTable, fromWords, toWords, X86_REGISTER_BLOCKS, x86BlockIndex } from './feature-table.js';

/** CpuidRegisters are the four 32-bit outputs of one CPUID query, as unsigned numbers. */
export interface CpuidRegisters {
  readonly eax: number;
  readonly ebx: number;
  readonly ecx: number;
  readonly edx: number;
}

/** CpuidLeaves maps cpuidKey(leaf, subleaf) to the registers CPUID returns for that query. */
export type CpuidLeaves = ReadonlyMap<string, CpuidRegisters>;

/** CpuidEntry is one query and its answer, as a list of leaves is written by hand or in JSON. */
export interface CpuidEntry extends CpuidRegisters {
  readonly leaf: number;
  readonly subleaf?: number;
}

/** CpuIdentity is what CPUID says about the processor besides its features. */
export interface CpuIdentity {
  /** The 12-character vendor string of leaf 0 (`GenuineIntel`, `AuthenticAMD`). */
  readonly vendor: string;
  /** The family, by Linux's formula (arch/x86/lib/cpu.c x86_family): base, plus extended when base is 0xF. */
  readonly family: number;
  /** The model, by Linux's formula (x86_model): base, plus extended << 4 when the family is 6 or more. */
  readonly model: number;
  readonly stepping: number;
  /** The brand string of leaves 80000002H-80000004H (Linux's `model name`), up to its first NUL; '' when absent. */
  readonly brand: string;
  /** The CLFLUSH line size in bytes (CPUID.01H:EBX[15:8] * 8). */
  readonly cacheLineSize: number;
}

/** CpuidInfo is everything decode() reads from CPUID leaves and encode() writes to them. */
export interface CpuidInfo extends CpuIdentity {
  readonly features: FeatureSet;
}

const BASIC_MAX_LEAF = 0x0;
const EXTENDED_MAX_LEAF = 0x80000000;
const EXTENDED_FEATURES_LEAF = 0x80000001;
const BRAND_LEAVES = [0x80000002, 0x80000003, 0x80000004] as const;
const ZERO: CpuidRegisters = Object.freeze({ eax: 0, ebx: 0, ecx: 0, edx: 0 });

/** cpuidKey is the CpuidLeaves key of a query: `0x7:0` for leaf 7, subleaf 0. */
export function cpuidKey(leaf: number, subleaf = 0): string {
  return `0x${leaf.toString(16)}:${subleaf}`;
}

/** cpuidLeaves builds CpuidLeaves from a list of entries (subleaf 0 when omitted). */
export function cpuidLeaves(entries: Iterable<CpuidEntry>): Map<string, CpuidRegisters> {
  const leaves = new Map<string, CpuidRegisters>();
  for (const { leaf, subleaf, eax, ebx, ecx, edx } of entries) {
    leaves.set(cpuidKey(leaf, subleaf ?? 0), { eax: eax >>> 0, ebx: ebx >>> 0, ecx: ecx >>> 0, edx: edx >>> 0 });
  }
  return leaves;
}

/** decode reads the features and identity from raw CPUID leaves; a missing leaf reads as zeros. */
export function decode(leaves: CpuidLeaves): CpuidInfo {
  const query = (leaf: number, subleaf = 0): CpuidRegisters => leaves.get(cpuidKey(leaf, subleaf)) ?? ZERO;
  const basic = query(BASIC_MAX_LEAF);
  const maxBasic = basic.eax >>> 0;
  const maxExtendedRaw = query(EXTENDED_MAX_LEAF).eax >>> 0;
  const maxExtended = maxExtendedRaw >= EXTENDED_MAX_LEAF ? maxExtendedRaw : 0;
  const exists = (leaf: number): boolean => (leaf >= EXTENDED_MAX_LEAF ? leaf <= maxExtended : leaf <= maxBasic);
  const read = (leaf: number, subleaf = 0): CpuidRegisters => (exists(leaf) ? query(leaf, subleaf) : ZERO);

  const words = X86_REGISTER_BLOCKS.map((block) => read(block.leaf, block.subleaf)[block.register]);
  // Bits the table does not name (reserved, or features gVisor does not list) are dropped;
  // leaf 0DH subleaf 1 only means something when XSAVE is there (dependencies.ts).
  const features = withoutOrphans(FeatureSet.fromBits('x86_64', fromWords(featureTable('x86_64'), words).bits));

  const leaf1 = read(0x1);
  const signature = leaf1.eax >>> 0;
  const brand = exists(BRAND_LEAVES[2]) ? registersToString(BRAND_LEAVES.flatMap((leaf) => registerList(query(leaf)))) : '';
  return {
    features,
    vendor: registersToString([basic.ebx, basic.edx, basic.ecx]),
    family: familyOf(signature),
    model: modelOf(signature),
    stepping: signature & 0xf,
    brand,
    cacheLineSize: ((leaf1.ebx >>> 8) & 0xff) * 8,
  };
}

/**
 * encode writes the CPUID leaves that decode() reads back as info. It raises the maximum
 * basic leaf to 7 or 0DH and the maximum extended leaf to 80000001H or 80000004H only as
 * far as the features and brand need. An identity CPUID cannot express is a RangeError; a
 * set that breaks a dependency (xsaveopt without xsave) is a FeatureDependencyError.
 */
export function encode(info: CpuidInfo): Map<string, CpuidRegisters> {
  const { features } = info;
  if (features.arch !== 'x86_64') throw new RangeError(`encode: CPUID describes x86_64 features, not ${features.arch}`);
  assertDependencies(features);
  const signature = signatureOf(info);
  if (!/^[\x20-\x7e]{12}$/.test(info.vendor)) throw new RangeError(`encode: vendor must be 12 printable ASCII characters, not ${JSON.stringify(info.vendor)}`);
  if (!/^[\x20-\x7e]{0,48}$/.test(info.brand)) throw new RangeError(`encode: brand must be at most 48 printable ASCII characters`);
  if (!Number.isInteger(info.cacheLineSize) || info.cacheLineSize < 0 || info.cacheLineSize > 0xff * 8 || info.cacheLineSize % 8 !== 0) {
    throw new RangeError(`encode: cacheLineSize must be a multiple of 8 from 0 to 2040, not ${info.cacheLineSize}`);
  }

  const words = toWords(featureTable('x86_64'), features.bits);
  const word = (leaf: number, subleaf: number, register: keyof CpuidRegisters): number => words[x86BlockIndex({ leaf, subleaf, register })]!;
  const leaf7 = { eax: 0, ebx: word(0x7, 0, 'ebx'), ecx: word(0x7, 0, 'ecx'), edx: word(0x7, 0, 'edx') };
  const leafD1 = { eax: word(0xd, 1, 'eax'), ebx: 0, ecx: 0, edx: 0 };
  const extended = { eax: 0, ebx: 0, ecx: word(EXTENDED_FEATURES_LEAF, 0, 'ecx'), edx: word(EXTENDED_FEATURES_LEAF, 0, 'edx') };

  const maxBasic = leafD1.eax !== 0 ? 0xd : leaf7.ebx | leaf7.ecx | leaf7.edx ? 0x7 : 0x1;
  const maxExtended = info.brand !== '' ? BRAND_LEAVES[2] : extended.ecx | extended.edx ? EXTENDED_FEATURES_LEAF : EXTENDED_MAX_LEAF;
  const [ebx, edx, ecx] = stringToRegisters(info.vendor, 3);
  const entries: CpuidEntry[] = [
    { leaf: BASIC_MAX_LEAF, eax: maxBasic, ebx: ebx!, ecx: ecx!, edx: edx! },
    { leaf: 0x1, eax: signature, ebx: (info.cacheLineSize / 8) << 8, ecx: word(0x1, 0, 'ecx'), edx: word(0x1, 0, 'edx') },
  ];
  if (maxBasic >= 0x7) entries.push({ leaf: 0x7, subleaf: 0, ...leaf7 });
  if (maxBasic >= 0xd) entries.push({ leaf: 0xd, subleaf: 0, ...ZERO }, { leaf: 0xd, subleaf: 1, ...leafD1 });
  entries.push({ leaf: EXTENDED_MAX_LEAF, eax: maxExtended, ebx: 0, ecx: 0, edx: 0 });
  if (maxExtended >= EXTENDED_FEATURES_LEAF) entries.push({ leaf: EXTENDED_FEATURES_LEAF, ...extended });
  if (maxExtended >= BRAND_LEAVES[2]) {
    const brand = stringToRegisters(info.brand, 12);
    BRAND_LEAVES.forEach((leaf, index) => {
      const [eax, ebx, ecx, edx] = brand.slice(index * 4, index * 4 + 4) as [number, number, number, number];
      entries.push({ leaf, eax, ebx, ecx, edx });
    });
  }
  return cpuidLeaves(entries);
}

/** familyOf applies Linux's x86_family() to a CPUID.01H:EAX signature. */
function familyOf(signature: number): number {
  const base = (signature >>> 8) & 0xf;
  return base === 0xf ? base + ((signature >>> 20) & 0xff) : base;
}

/** modelOf applies Linux's x86_model() to a CPUID.01H:EAX signature. */
function modelOf(signature: number): number {
  const base = (signature >>> 4) & 0xf;
  return familyOf(signature) >= 0x6 ? base + (((signature >>> 16) & 0xf) << 4) : base;
}

/** signatureOf is the inverse of familyOf, modelOf and the stepping: a RangeError for values no signature gives. */
function signatureOf({ family, model, stepping }: CpuIdentity): number {
  if (!Number.isInteger(family) || family < 0 || family > 0xf + 0xff) throw new RangeError(`encode: family must be 0 to 270, not ${family}`);
  const modelLimit = family >= 0x6 ? 0xff : 0xf;
  if (!Number.isInteger(model) || model < 0 || model > modelLimit) {
    throw new RangeError(`encode: model must be 0 to ${modelLimit} for family ${family}, not ${model}`);
  }
  if (!Number.isInteger(stepping) || stepping < 0 || stepping > 0xf) throw new RangeError(`encode: stepping must be 0 to 15, not ${stepping}`);
  const baseFamily = family >= 0xf ? 0xf : family;
  const extendedFamily = family >= 0xf ? family - 0xf : 0;
  return ((extendedFamily << 20) | ((model >> 4) << 16) | (baseFamily << 8) | ((model & 0xf) << 4) | stepping) >>> 0;
}

function registerList(registers: CpuidRegisters): number[] {
  return [registers.eax, registers.ebx, registers.ecx, registers.edx];
}

/** registersToString reads little-endian ASCII from registers, up to the first NUL. */
function registersToString(registers: readonly number[]): string {
  let text = '';
  for (const register of registers) {
    for (let shift = 0; shift < 32; shift += 8) {
      const code = (register >>> shift) & 0xff;
      if (code === 0) return text;
      text += String.fromCharCode(code);
    }
  }
  return text;
}

/** stringToRegisters writes ASCII little-endian into `count` registers, NUL-padded. */
function stringToRegisters(text: string, count: number): number[] {
  const registers = new Array<number>(count).fill(0);
  for (let index = 0; index < text.length; index++) {
    const register = index >> 2;
    registers[register] = (registers[register]! | (text.charCodeAt(index) << ((index & 3) * 8))) >>> 0;
  }
  return registers;
}
