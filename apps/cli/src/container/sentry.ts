// The @stasis/sentry API the sandbox process uses, loaded lazily so that commands other than
// the sandbox process itself (state, list, kill...) never load the kernel. Types come from the
// package; only values go through import().
import type { ParsedImageLabels, Sandbox } from '@stasis/sentry';

export type { ParsedImageLabels, SandboxOptions, SandboxRestoreOptions, SentryImageFacts, StdioBinding } from '@stasis/sentry';

/** SandboxInstance is a Sandbox object as the sandbox process drives it. */
export type SandboxInstance = Sandbox;

/** SandboxClass is the static side of Sandbox. */
export type SandboxClass = Pick<typeof Sandbox, 'create' | 'restore'>;

/** loadSandboxClass imports @stasis/sentry and returns its Sandbox class. */
export async function loadSandboxClass(): Promise<SandboxClass> {
  return (await import('@stasis/sentry')).Sandbox;
}

/**
 * readSentryFacts reads the sentry's facts (runtime, CPU features, tasks, memory) from an
 * image's metadata with the sentry's own parser; undefined for an image another producer
 * wrote, or one this sentry cannot read (inspect then shows what the statefile knows).
 */
export async function readSentryFacts(imagePath: string, metadata: { producer: string; labels: Record<string, string> }): Promise<ParsedImageLabels | undefined> {
  const { CheckpointError, parseImageLabels } = await import('@stasis/sentry');
  try {
    return parseImageLabels(imagePath, metadata.producer, metadata.labels);
  } catch (error) {
    if (error instanceof CheckpointError) return undefined;
    throw error;
  }
}
