// FeatureSet: an immutable set of named CPU features of one architecture. It is a value:
// two sets are equal when they hold the same features (equals compares two bigints), and
// it is what the sentry records in a checkpoint image (see serialization.ts).
import type { Arch } from './arch.js';
import { featureTable } from './feature-table.js';

/**
 * FeatureSet is a frozen set of CPU features of one architecture: a bitset over the
 * architecture's feature table, so names() come out in the order Linux prints them.
 * Build one with FeatureSet.of, FeatureSet.empty or FeatureSet.all, or get one from
 * decode, detectHost or deserializeFeatureSet; combine them with union, intersect and
 * subtract.
 */
export class FeatureSet {
  /** The architecture whose table the set is over. */
  readonly arch: Arch;
  /**
   * The bitset: bit i is the feature at index i of the architecture's table. Indexes may
   * change between releases of this package; persist sets with serializeFeatureSet.
   */
  readonly bits: bigint;

  private constructor(arch: Arch, bits: bigint) {
    this.arch = arch;
    this.bits = bits;
    Object.freeze(this);
  }

  /** FeatureSet.empty returns the set with no features. */
  static empty(arch: Arch): FeatureSet {
    return new FeatureSet(arch, 0n);
  }

  /** FeatureSet.all returns the set of every feature the architecture's table names. */
  static all(arch: Arch): FeatureSet {
    return new FeatureSet(arch, fullMask(arch));
  }

  /** FeatureSet.of returns the set of the named features; an unknown name is an UnknownFeatureError. */
  static of(arch: Arch, names: Iterable<string>): FeatureSet {
    const table = featureTable(arch);
    let bits = 0n;
    for (const name of names) bits |= 1n << BigInt(table.indexOf(name));
    return new FeatureSet(arch, bits);
  }

  /** FeatureSet.fromBits returns the set with the given bitset (see bits); a bit beyond the table is a RangeError. */
  static fromBits(arch: Arch, bits: bigint): FeatureSet {
    if (bits < 0n || (bits & ~fullMask(arch)) !== 0n) throw new RangeError(`FeatureSet.fromBits: bits beyond the ${arch} table`);
    return new FeatureSet(arch, bits);
  }

  /** has reports whether the set holds a feature; an unknown name is an UnknownFeatureError. */
  has(name: string): boolean {
    return (this.bits & (1n << BigInt(featureTable(this.arch).indexOf(name)))) !== 0n;
  }

  /** with returns the set plus one feature. */
  with(name: string): FeatureSet {
    return new FeatureSet(this.arch, this.bits | (1n << BigInt(featureTable(this.arch).indexOf(name))));
  }

  /** without returns the set minus one feature. */
  without(name: string): FeatureSet {
    return new FeatureSet(this.arch, this.bits & ~(1n << BigInt(featureTable(this.arch).indexOf(name))));
  }

  /** names returns the features' names in the order Linux prints them. */
  names(): string[] {
    const table = featureTable(this.arch);
    const names: string[] = [];
    for (let index = 0; index < table.names.length; index++) {
      if ((this.bits >> BigInt(index)) & 1n) names.push(table.names[index] as string);
    }
    return names;
  }

  /** size is the number of features in the set. */
  get size(): number {
    let count = 0;
    for (let rest = this.bits; rest !== 0n; rest &= rest - 1n) count++;
    return count;
  }

  /** isEmpty reports whether the set has no features. */
  isEmpty(): boolean {
    return this.bits === 0n;
  }

  /** equals reports whether two sets are of the same architecture and hold the same features. */
  equals(other: FeatureSet): boolean {
    return this.arch === other.arch && this.bits === other.bits;
  }

  /** toJSON gives `{ arch, features }` with the names in Linux order, for logs and `--format json`. */
  toJSON(): { arch: Arch; features: string[] } {
    return { arch: this.arch, features: this.names() };
  }

  /** toString gives the architecture and the names, as in `x86_64: fpu vme de`. */
  toString(): string {
    return `${this.arch}: ${this.names().join(' ')}`;
  }
}

function fullMask(arch: Arch): bigint {
  return (1n << BigInt(featureTable(arch).names.length)) - 1n;
}
