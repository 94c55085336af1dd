// `stasis spec [--bundle B] [PROGRAM.wasm [ARGS...]]`: write a starting config.json for a
// WebAssembly program, as `runc spec` does for a shell. It refuses to overwrite one.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { GlobalOptions } from '../cli.js';
import { writeFileAtomic } from '../container/atomic-file.js';
import { OCI_VERSION } from '../container/container.js';

/** SpecOptions are the options of `stasis spec`. */
export interface SpecOptions {
  readonly globals: GlobalOptions;
  readonly bundle: string;
  /** process.args; default `/main.wasm`. */
  readonly args: readonly string[];
}

/** SpecExistsError: the bundle already has a config.json. */
export class SpecExistsError extends Error {
  override name = 'SpecExistsError';
  readonly path: string;
  constructor(path: string) {
    super(`File ${path} exists. Remove it first`);
    this.path = path;
  }
}

/** defaultSpec is the config.json `stasis spec` writes. */
export function defaultSpec(args: readonly string[]): object {
  return {
    ociVersion: OCI_VERSION,
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: args.length > 0 ? [...args] : ['/main.wasm'],
      env: ['PATH=/usr/local/bin:/usr/bin:/bin:/', 'TERM=xterm'],
      cwd: '/',
    },
    root: { path: 'rootfs', readonly: false },
    hostname: 'stasis',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev'] },
    ],
    annotations: {},
    linux: { resources: {} },
  };
}

/** run writes the bundle's config.json. */
export async function run(options: SpecOptions): Promise<number> {
  const path = join(resolve(options.bundle), 'config.json');
  if (existsSync(path)) throw new SpecExistsError(path);
  writeFileAtomic(path, `${JSON.stringify(defaultSpec(options.args), null, 2)}\n`);
  return 0;
}
