#!/usr/bin/env node
// Builds the native console helper (src/native/console-helper.c) into dist/native/stasis-console
// with the machine's C compiler. Run by `pnpm build` and, for installs from npm, by the
// package's install script. Without a compiler only --console-socket is unavailable, so
// `--if-possible` turns a missing compiler into a warning.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDirectory = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(packageDirectory, 'src/native/console-helper.c');
const output = join(packageDirectory, 'dist/native/stasis-console');
const optional = process.argv.includes('--if-possible');
const compiler = process.env.CC || 'cc';

mkdirSync(dirname(output), { recursive: true });
const result = spawnSync(compiler, ['-O2', '-Wall', '-Wextra', '-o', output, source], { stdio: 'inherit' });
if (result.error || result.status !== 0) {
  const reason = result.error ? result.error.message : `${compiler} exited with status ${result.status}`;
  const message = `stasis: could not build the console helper (${reason}); --console-socket will not work until it is built (apt-get install gcc, then pnpm --filter @stasis/cli build)`;
  if (optional) {
    process.stderr.write(`warning: ${message}\n`);
  } else {
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
}
