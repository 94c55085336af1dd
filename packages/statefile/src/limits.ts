// Limits bound what a reader will allocate or walk for one image. Every length read from a file is
// checked against the file size first and against these limits second, before any allocation, so a
// hostile image costs at most what the limits allow.

import { InvalidArgumentError, LimitExceededError } from './errors.js';

/** DEFAULT_LIMITS are the limits a reader uses unless told otherwise: generous for real checkpoints, bounded for hostile files. */
export const DEFAULT_LIMITS = {
  /** Bytes of the metadata header (JSON). */
  maxMetadataBytes: 1 << 20,
  /** Bytes of the section table (JSON). */
  maxTableBytes: 16 << 20,
  /** Sections in one image. */
  maxSections: 4096,
  /** Decoded bytes of one graph section. */
  maxGraphBytes: 512 << 20,
  /** Objects (nodes) in one graph section. */
  maxGraphNodes: 8_000_000,
  /** Decoded bytes of one blob section. */
  maxBlobBytes: 1 << 30,
  /** Byte length of one memory section (wasm32 memories are at most 4 GiB; memory64 may be more). */
  maxMemoryBytes: 16 * 2 ** 30,
  /** Parents an incremental image may chain through. */
  maxParentDepth: 32,
} as const;

/** Limits bound a reader's allocations; see DEFAULT_LIMITS for the meaning of each. */
export type Limits = { readonly [Name in keyof typeof DEFAULT_LIMITS]: number };

/** resolveLimits fills unset limits with DEFAULT_LIMITS and checks that each given one is a positive safe integer. */
export function resolveLimits(limits: Partial<Limits> | undefined): Limits {
  const resolved: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [name, value] of Object.entries(limits ?? {})) {
    if (!(name in DEFAULT_LIMITS)) throw new InvalidArgumentError('limits', `unknown limit "${name}"`);
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidArgumentError('limits', `${name} must be a positive integer, got ${value}`);
    resolved[name] = value;
  }
  return resolved as Limits;
}

/** checkLimit throws LimitExceededError when `value` is above the named limit. */
export function checkLimit(limits: Limits, name: keyof Limits, what: string, value: number): void {
  if (value > limits[name]) throw new LimitExceededError(name, what, value, limits[name]);
}
