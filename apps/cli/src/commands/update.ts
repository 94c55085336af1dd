// `stasis update --resources FILE|- ID` (as `docker update` reaches it through the shim) and
// `--memory BYTES`: resource changes of a running container. Of LinuxResources, the memory
// limit applies (the sandbox's linear memories may not grow past it); the rest has no meaning
// in a sandbox and is accepted, as runsc accepts it.
import { readFileSync } from 'node:fs';
import type { GlobalOptions } from '../cli.js';
import { withContainer } from '../container/container.js';
import { LinuxResourcesSchema, parseJsonText, parseWithSchema } from '../container/oci-spec.js';
import { UsageError } from '../errors.js';

/** UpdateOptions are the options of `stasis update`. */
export interface UpdateOptions {
  readonly globals: GlobalOptions;
  readonly id: string;
  /** A LinuxResources JSON file, or `-` for stdin. */
  readonly resources?: string;
  readonly memory?: string;
}

/** run applies the memory limit, if the update sets one. */
export async function run(options: UpdateOptions): Promise<number> {
  let memoryLimitBytes: number | null | undefined;
  if (options.resources !== undefined) {
    const file = options.resources === '-' ? 'stdin' : options.resources;
    const text = options.resources === '-' ? await readStdin() : readFileSync(options.resources, 'utf8');
    const limit = parseWithSchema(LinuxResourcesSchema, parseJsonText(text, file), file).memory?.limit;
    // runc: 0 leaves the limit as it is, -1 removes it.
    if (limit !== undefined && limit !== 0) memoryLimitBytes = limit === -1 ? null : limit;
  }
  if (options.memory !== undefined) memoryLimitBytes = parseBytes(options.memory);
  await withContainer(options.globals.root, options.id, async (container) => {
    if (memoryLimitBytes === undefined) container.require('update');
    else await container.request('update', { type: 'update', memoryLimitBytes });
  });
  return 0;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const BYTE_SUFFIXES = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const;

/** parseBytes reads `--memory` as runc does: bytes, with an optional k, m or g (binary) suffix; -1 is unlimited. */
export function parseBytes(text: string): number | null {
  if (text === '-1') return null;
  const match = /^(\d+)([kmg]?)b?$/i.exec(text);
  if (!match) throw new UsageError(`invalid memory size ${JSON.stringify(text)} (use bytes, or 512m, 2g)`);
  const value = Number(match[1]) * BYTE_SUFFIXES[(match[2] ?? '').toLowerCase() as keyof typeof BYTE_SUFFIXES];
  if (value <= 0) throw new UsageError(`memory size must be positive, not ${text}`);
  return value;
}
