// The format 1 section table: JSON, validated with zod, then checked for structure (sections tile
// the data region in order, names are unique, lengths agree with the compression).

import { z } from 'zod';
import { COMPRESSIONS, type Compression } from '../compression.js';
import { CorruptImageError, type FormatVersion } from '../errors.js';
import type { Section } from '../image-index.js';
import { checkLimit, type Limits } from '../limits.js';
import { EXTENT, MAX_SECTION_NAME_LENGTH, PAGE_SIZE } from './layout.js';

const length = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const digest = z.string().regex(/^[0-9a-f]{64}$/);
const compression = z.enum(Object.keys(COMPRESSIONS) as [Compression, ...Compression[]]);
const common = {
  name: z.string().min(1).max(MAX_SECTION_NAME_LENGTH),
  offset: length,
  storedLength: length,
  crc32: z.number().int().min(0).max(0xffff_ffff),
  sha256: digest,
};

const GraphSectionV1 = z.object({ kind: z.literal('graph'), ...common, byteLength: length, compression, nodeCount: length });
const BlobSectionV1 = z.object({ kind: z.literal('blob'), ...common, byteLength: length, compression });
const MemorySectionV1 = z.object({
  kind: z.literal('memory'),
  ...common,
  byteLength: length,
  pageSize: z.literal(PAGE_SIZE),
  extentCount: length,
  compression,
  parent: z.object({ digest, path: z.string().max(4096), section: z.string().min(1).max(MAX_SECTION_NAME_LENGTH) }).optional(),
});
const UnknownSectionV1 = z.object({ kind: z.string().min(1).max(64), ...common });
const SectionTableV1 = z.object({ sections: z.array(z.unknown()) });

const KNOWN_KINDS = { graph: GraphSectionV1, blob: BlobSectionV1, memory: MemorySectionV1 } as const;

/** SectionTableContext is what parsing a section table checks against. */
export interface SectionTableContext {
  readonly path: string;
  readonly format: FormatVersion;
  /** The first byte after the metadata, where the first section starts. */
  readonly dataStart: number;
  /** Where the table starts, where the last section ends. */
  readonly tableOffset: number;
  readonly limits: Limits;
}

/** parseSectionTableV1 parses and checks format 1 section table JSON; sections of kinds a newer minor added become UnknownSection. */
export function parseSectionTableV1(json: unknown, context: SectionTableContext, supportedMinor: number): Section[] {
  const { path } = context;
  const corrupt = (detail: string): never => {
    throw new CorruptImageError(path, `section table: ${detail}`);
  };
  const table = SectionTableV1.safeParse(json);
  if (!table.success) corrupt(table.error.issues[0]?.message ?? 'not an object with a sections array');
  const entries = table.data!.sections;
  checkLimit(context.limits, 'maxSections', 'the section count', entries.length);
  const sections: Section[] = [];
  const names = new Set<string>();
  let expectedOffset = context.dataStart;
  for (const [index, entry] of entries.entries()) {
    const kind = (entry as { kind?: unknown } | null)?.kind;
    const schema = typeof kind === 'string' && Object.hasOwn(KNOWN_KINDS, kind) ? KNOWN_KINDS[kind as keyof typeof KNOWN_KINDS] : undefined;
    let section: Section;
    if (schema === undefined) {
      const unknown = UnknownSectionV1.safeParse(entry);
      if (!unknown.success) corrupt(`entry ${index}: ${unknown.error.issues[0]?.message}`);
      if (context.format.minor <= supportedMinor) corrupt(`entry ${index} has unknown kind ${JSON.stringify(kind)}`);
      const { kind: storedKind, ...rest } = unknown.data!;
      section = { ...rest, kind: 'unknown', storedKind };
    } else {
      const parsed = schema.safeParse(entry);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        corrupt(`entry ${index}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`);
      }
      section = parsed.data as Section;
    }
    if (names.has(section.name)) corrupt(`two sections are named ${JSON.stringify(section.name)}`);
    names.add(section.name);
    if (section.offset !== expectedOffset) corrupt(`section "${section.name}" starts at ${section.offset}, not at ${expectedOffset} where the previous one ends`);
    expectedOffset = section.offset + section.storedLength;
    if (expectedOffset > context.tableOffset) corrupt(`section "${section.name}" runs past the section table`);
    if ((section.kind === 'graph' || section.kind === 'blob') && section.compression === 'none' && section.storedLength !== section.byteLength) {
      corrupt(`uncompressed section "${section.name}" stores ${section.storedLength} bytes for ${section.byteLength}`);
    }
    if (section.kind === 'memory') {
      const pages = Math.ceil(section.byteLength / section.pageSize);
      if (section.extentCount > pages) corrupt(`memory section "${section.name}" has ${section.extentCount} extents for ${pages} pages`);
      if (section.extentCount * EXTENT.BYTES > section.storedLength) corrupt(`memory section "${section.name}" is shorter than its extent index`);
    }
    sections.push(section);
  }
  if (expectedOffset !== context.tableOffset) corrupt(`the sections end at ${expectedOffset} but the table starts at ${context.tableOffset}`);
  return sections;
}

/** serializeSectionTableV1 is the JSON text of a format 1 section table. */
export function serializeSectionTableV1(sections: readonly Section[]): string {
  return JSON.stringify({ sections });
}
