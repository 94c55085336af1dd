// `stasis inspect [--format text|json] DIR`: what a checkpoint image holds, without restoring
// it, as CRIU's `crit show` does for its images: the format, when and by what it was written,
// the container, the sandbox's CPU features, tasks and memory, and each section with its size,
// compression and checksums. Reads only the image's index and extent indexes.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { deserializeFeatureSet } from '@stasis/cpuid';
import { type ImageInspection, type SectionInspection, inspectImage } from '@stasis/statefile';
import type { GlobalOptions } from '../cli.js';
import { LABEL_BUNDLE, LABEL_CONTAINER_ID } from '../container/lifecycle.js';
import { type SentryImageFacts, readSentryFacts } from '../container/sentry.js';
import { formatBytes } from '../progress.js';
import { formatTable } from './list.js';

/** InspectOptions are the options of `stasis inspect`. */
export interface InspectOptions {
  readonly globals: GlobalOptions;
  readonly imagePath: string;
  readonly format: 'text' | 'json';
  readonly imageKeyFile?: string;
}

/** ImageDescription is what `stasis inspect --format json` prints. */
export interface ImageDescription {
  path: string;
  format: string;
  fileBytes: number;
  createdAt: string;
  producer: string;
  authenticated: boolean;
  digest: string;
  container?: string;
  bundle?: string;
  runtimeVersion?: string;
  mode?: string;
  cpuFeatures?: string[];
  tasks?: number;
  memoryBytes?: number;
  checkpointCount?: number;
  modules?: readonly string[];
  labels: Record<string, string>;
  sections: SectionInspection[];
}

/** run prints the description. */
export async function run(options: InspectOptions): Promise<number> {
  const key = options.imageKeyFile === undefined ? undefined : readFileSync(resolve(options.imageKeyFile));
  const inspection = await inspectImage(resolve(options.imagePath), key === undefined ? {} : { key });
  const description = describeImage(inspection, await readSentryFacts(inspection.path, inspection.metadata));
  process.stdout.write(options.format === 'json' ? `${JSON.stringify(description, null, 2)}\n` : formatDescription(description));
  return 0;
}

/** describeImage combines the statefile's inspection with the sentry's facts and the container's labels. */
export function describeImage(inspection: ImageInspection, sentry: { facts: SentryImageFacts; callerLabels: Record<string, string> } | undefined): ImageDescription {
  const labels = sentry?.callerLabels ?? inspection.metadata.labels;
  const facts = sentry?.facts;
  return {
    path: inspection.path,
    format: inspection.format,
    fileBytes: inspection.fileBytes,
    createdAt: inspection.metadata.createdAt,
    producer: `${inspection.metadata.producer} ${inspection.metadata.producerVersion}`.trim(),
    authenticated: inspection.authenticated,
    digest: inspection.digest,
    container: labels[LABEL_CONTAINER_ID],
    bundle: labels[LABEL_BUNDLE],
    ...(facts
      ? {
          runtimeVersion: facts.runtimeVersion,
          mode: facts.mode,
          cpuFeatures: featureNames(facts.cpuFeatures),
          tasks: facts.tasks,
          memoryBytes: facts.memoryBytes,
          checkpointCount: facts.checkpointCount,
          modules: facts.modules,
        }
      : {}),
    labels,
    sections: inspection.sections,
  };
}

function featureNames(serialized: string): string[] {
  try {
    return deserializeFeatureSet(serialized).names();
  } catch {
    return [`(unreadable: ${serialized})`];
  }
}

/** formatDescription writes the description as aligned `name  value` lines and a section table. */
export function formatDescription(description: ImageDescription): string {
  const rows: [string, string | undefined][] = [
    ['image', description.path],
    ['format', description.format],
    ['size', formatBytes(description.fileBytes)],
    ['created', description.createdAt],
    ['producer', description.producer],
    ['authenticated', description.authenticated ? 'yes (HMAC-SHA256)' : 'no'],
    ['digest', description.digest],
    ['container', description.container],
    ['bundle', description.bundle],
    ['runtime', description.runtimeVersion === undefined ? undefined : `@stasis/sentry ${description.runtimeVersion}, ${description.mode} mode`],
    ['checkpoints', description.checkpointCount === undefined ? undefined : String(description.checkpointCount)],
    ['tasks', description.tasks === undefined ? undefined : String(description.tasks)],
    ['memory', description.memoryBytes === undefined ? undefined : formatBytes(description.memoryBytes)],
    ['cpu features', description.cpuFeatures === undefined ? undefined : `${description.cpuFeatures.length}: ${description.cpuFeatures.join(' ')}`],
    ['modules', description.modules?.join(', ')],
    ...Object.entries(description.labels)
      .filter(([name]) => name !== LABEL_CONTAINER_ID && name !== LABEL_BUNDLE)
      .map(([name, value]): [string, string] => [`label ${name}`, value]),
  ];
  const present = rows.filter((row): row is [string, string] => row[1] !== undefined);
  const width = Math.max(...present.map(([name]) => name.length));
  const header = present.map(([name, value]) => `${name.padEnd(width)}  ${value}\n`).join('');
  const sections = formatTable(
    ['SECTION', 'KIND', 'STORED', 'SIZE', 'COMPRESSION', 'PAGES', 'CHECKSUM'],
    description.sections.map((section) => [
      section.name,
      section.kind,
      formatBytes(section.storedBytes),
      section.byteLength === undefined ? '-' : formatBytes(section.byteLength),
      section.compression ?? '-',
      section.memory ? `${section.memory.storedPages} stored, ${section.memory.zeroPages} zero${section.memory.parentPages ? `, ${section.memory.parentPages} in parent` : ''}` : '-',
      section.problem ?? section.checksum,
    ]),
  );
  return `${header}\n${sections}`;
}
