// The content of the committed format fixtures (fixtures/v<major>.<minor>/), shared by the script
// that wrote them and the test that reads them. It is frozen: the fixtures are bytes a release
// wrote, and a reader must keep reading them exactly; change nothing here that would change them.

import { RecordRegistry } from '../graph/records.js';

/** FIXTURE_KEY is the HMAC key of the authenticated fixtures. */
export const FIXTURE_KEY = Uint8Array.from({ length: 32 }, (_, index) => (index * 7 + 3) & 0xff);

/** FIXTURE_METADATA is the metadata every fixture carries. */
export const FIXTURE_METADATA = {
  producer: 'stasis',
  producerVersion: '0.1.0',
  createdAt: new Date('2026-11-28T12:00:00.000Z'),
  labels: { containerId: 'fixture', cpuFeatures: 'fpu,sse,sse2', spec: '{"ociVersion":"1.0.2"}' },
};

/** InodeV1 is the record class the fixtures were written with: type "Inode", version 1. */
export class InodeV1 {}

/** fixtureWriteRegistry is the registry the fixtures were written with. */
export const fixtureWriteRegistry = new RecordRegistry().register({ type: 'Inode', version: 1, Class: InodeV1 });

/** fixtureGraph is the kernel graph of the fixtures, built with `Inode` records of class `Inode` and the given extra fields. */
export function fixtureGraph(Inode: new () => object, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const hosts = Object.assign(new Inode(), { ino: 12n, mode: 0o100644, data: new TextEncoder().encode('127.0.0.1 localhost\n'), ...extra });
  const description = { inode: hosts, offset: 7, flags: new Set(['read']) };
  const kernel: Record<string, unknown> = {
    fds: new Map<number, unknown>([
      [3, description],
      [4, description],
    ]),
    clocks: { monotonic: 1234567890123n, scale: -0, drift: 1.25 },
    cwd: '/home/user',
    exited: undefined,
    argv: ['sh', '-c', 'echo héllo 😀'],
  };
  kernel['self'] = kernel;
  return kernel;
}

/** fixtureMemory is the linear memory of the fixtures: sparse, with a partial last page. */
export function fixtureMemory(): Uint8Array {
  const memory = new Uint8Array(6 * 65536 + 1000);
  for (let index = 0; index < 4096; index++) memory[index] = (index * 31) & 0xff;
  memory.fill(0x41, 3 * 65536, 3 * 65536 + 1000);
  let state = 0x2545f491;
  for (let index = 6 * 65536; index < 6 * 65536 + 500; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    memory[index] = state & 0xff;
  }
  return memory;
}

/** fixtureChildMemory is fixtureMemory changed on page 3, for the incremental fixture. */
export function fixtureChildMemory(): Uint8Array {
  const memory = fixtureMemory();
  memory.fill(0x42, 3 * 65536 + 10, 3 * 65536 + 20);
  return memory;
}

/** FIXTURE_MODULE is the blob of the fixtures: the smallest valid WebAssembly module. */
export const FIXTURE_MODULE = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);

/** FixtureCase is one committed fixture: its directory, compression, key and parent. */
export interface FixtureCase {
  readonly name: string;
  readonly compression: 'none' | 'deflate' | 'gzip' | 'brotli';
  readonly keyed: boolean;
  /** The fixture whose image this one's memory refers to. */
  readonly parent?: string;
}

/** FIXTURE_CASES lists the fixtures of each format version, in the order they must be written. */
export const FIXTURE_CASES: Readonly<Record<string, readonly FixtureCase[]>> = {
  'v1.0': [
    { name: 'plain', compression: 'none', keyed: false },
    { name: 'deflate-keyed', compression: 'deflate', keyed: true },
    { name: 'gzip', compression: 'gzip', keyed: false },
    { name: 'brotli', compression: 'brotli', keyed: false },
    { name: 'incremental', compression: 'deflate', keyed: false, parent: 'plain' },
  ],
};
