// The sentry's part of an image's metadata header. @stasis/statefile stores string labels in a
// small JSON header that a reader parses before anything large; the sentry puts there what a
// restore must check first (its state version and the CPU feature set) and what an operator
// wants to see in `stasis inspect` (runtime version, mode, module hashes, lineage). The caller's
// own labels (container id, OCI spec) sit beside them under their own keys.
import { z } from 'zod';
import packageJson from '../../package.json' with { type: 'json' };
import { ImageIncompatibleError, ReservedLabelError } from './errors.js';

/** SENTRY_VERSION is the @stasis/sentry package version, recorded in every image. */
export const SENTRY_VERSION: string = packageJson.version;

/**
 * SANDBOX_STATE_VERSION is the version of the saved sandbox graph (kernel, tasks, machines) this
 * sentry writes. A restore refuses an image of another version before it reads the graph.
 */
export const SANDBOX_STATE_VERSION = 1;

/** IMAGE_PRODUCER is the producer name in the statefile metadata of a sandbox image. */
export const IMAGE_PRODUCER = 'stasis-sentry';

/** RESERVED_LABEL_PREFIX starts every label the sentry writes; caller labels may not use it. */
export const RESERVED_LABEL_PREFIX = 'stasis.sentry/';

/** SENTRY_LABELS are the metadata labels the sentry writes, one key per fact. */
export const SENTRY_LABELS = {
  /** @stasis/sentry version that wrote the image. */
  runtimeVersion: `${RESERVED_LABEL_PREFIX}runtime-version`,
  /** SANDBOX_STATE_VERSION of the graph. */
  stateVersion: `${RESERVED_LABEL_PREFIX}state-version`,
  /** Instrumentation mode of every module: `anywhere` or `safepoint`. */
  mode: `${RESERVED_LABEL_PREFIX}mode`,
  /** The sandbox's CPU feature set, in @stasis/cpuid's serialization. */
  cpuFeatures: `${RESERVED_LABEL_PREFIX}cpu-features`,
  /** SHA-256 of each instrumented module the image carries, comma-separated. */
  modules: `${RESERVED_LABEL_PREFIX}modules`,
  /** How many checkpoints the sandbox's lineage has been through, this one included. */
  checkpointCount: `${RESERVED_LABEL_PREFIX}checkpoint-count`,
  /** Tasks alive in the image. */
  tasks: `${RESERVED_LABEL_PREFIX}tasks`,
  /** Bytes of guest linear memory across tasks (before zero pages are dropped). */
  memoryBytes: `${RESERVED_LABEL_PREFIX}memory-bytes`,
} as const;

/** SentryImageFacts are the values behind SENTRY_LABELS. */
export interface SentryImageFacts {
  readonly runtimeVersion: string;
  readonly stateVersion: number;
  readonly mode: 'anywhere' | 'safepoint';
  /** Serialized @stasis/cpuid FeatureSet. */
  readonly cpuFeatures: string;
  /** Lowercase hex SHA-256 of each instrumented module. */
  readonly modules: readonly string[];
  readonly checkpointCount: number;
  readonly tasks: number;
  readonly memoryBytes: number;
}

const HASH = /^[0-9a-f]{64}$/;
const COUNT = /^(0|[1-9][0-9]{0,14})$/;

const count = z
  .string()
  .regex(COUNT, 'a decimal count')
  .transform((text) => Number(text));

/** SentryLabelsSchema parses the sentry's labels back into SentryImageFacts. */
export const SentryLabelsSchema = z.object({
  [SENTRY_LABELS.runtimeVersion]: z.string().min(1).max(64),
  [SENTRY_LABELS.stateVersion]: count,
  [SENTRY_LABELS.mode]: z.enum(['anywhere', 'safepoint']),
  [SENTRY_LABELS.cpuFeatures]: z.string().max(4096),
  [SENTRY_LABELS.modules]: z
    .string()
    .max(65 * 1024)
    .transform((text) => (text === '' ? [] : text.split(',')))
    .refine((hashes) => hashes.every((hash) => HASH.test(hash)), 'comma-separated SHA-256 hex digests'),
  [SENTRY_LABELS.checkpointCount]: count,
  [SENTRY_LABELS.tasks]: count,
  [SENTRY_LABELS.memoryBytes]: count,
});

/** checkCallerLabels refuses caller labels that would shadow the sentry's. */
export function checkCallerLabels(labels: Readonly<Record<string, string>>): void {
  for (const key of Object.keys(labels)) {
    if (key.startsWith(RESERVED_LABEL_PREFIX)) throw new ReservedLabelError(key, RESERVED_LABEL_PREFIX);
  }
}

/** imageLabels merges the caller's labels with the sentry's facts into the statefile label record. */
export function imageLabels(facts: SentryImageFacts, callerLabels: Readonly<Record<string, string>> = {}): Record<string, string> {
  checkCallerLabels(callerLabels);
  return {
    ...callerLabels,
    [SENTRY_LABELS.runtimeVersion]: facts.runtimeVersion,
    [SENTRY_LABELS.stateVersion]: String(facts.stateVersion),
    [SENTRY_LABELS.mode]: facts.mode,
    [SENTRY_LABELS.cpuFeatures]: facts.cpuFeatures,
    [SENTRY_LABELS.modules]: facts.modules.join(','),
    [SENTRY_LABELS.checkpointCount]: String(facts.checkpointCount),
    [SENTRY_LABELS.tasks]: String(facts.tasks),
    [SENTRY_LABELS.memoryBytes]: String(facts.memoryBytes),
  };
}

/** ParsedImageLabels are an image's labels split into the sentry's facts and the caller's labels. */
export interface ParsedImageLabels {
  readonly facts: SentryImageFacts;
  readonly callerLabels: Record<string, string>;
}

/**
 * parseImageLabels reads the sentry's facts from an image's labels and checks the state version,
 * so that an image this sentry cannot read is refused before anything large is read.
 */
export function parseImageLabels(imagePath: string, producer: string, labels: Readonly<Record<string, string>>): ParsedImageLabels {
  if (producer !== IMAGE_PRODUCER) {
    throw new ImageIncompatibleError(imagePath, `an image written by "${producer}"`, `images written by "${IMAGE_PRODUCER}"`);
  }
  const parsed = SentryLabelsSchema.safeParse(labels);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const found = issue ? `label ${String(issue.path[0])}: ${issue.message}` : 'malformed labels';
    throw new ImageIncompatibleError(imagePath, found, `sandbox state version ${SANDBOX_STATE_VERSION}`, { cause: parsed.error });
  }
  const data = parsed.data;
  const stateVersion = data[SENTRY_LABELS.stateVersion];
  if (stateVersion !== SANDBOX_STATE_VERSION) {
    throw new ImageIncompatibleError(
      imagePath,
      `sandbox state version ${stateVersion} (written by @stasis/sentry ${data[SENTRY_LABELS.runtimeVersion]})`,
      `sandbox state version ${SANDBOX_STATE_VERSION} (@stasis/sentry ${SENTRY_VERSION})`,
    );
  }
  const callerLabels: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels)) if (!key.startsWith(RESERVED_LABEL_PREFIX)) callerLabels[key] = value;
  return {
    facts: {
      runtimeVersion: data[SENTRY_LABELS.runtimeVersion],
      stateVersion,
      mode: data[SENTRY_LABELS.mode],
      cpuFeatures: data[SENTRY_LABELS.cpuFeatures],
      modules: data[SENTRY_LABELS.modules],
      checkpointCount: data[SENTRY_LABELS.checkpointCount],
      tasks: data[SENTRY_LABELS.tasks],
      memoryBytes: data[SENTRY_LABELS.memoryBytes],
    },
    callerLabels,
  };
}
