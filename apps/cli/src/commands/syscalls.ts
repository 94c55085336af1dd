// `stasis syscalls [--format text|markdown]`: print the WASI syscall table (every
// wasi_snapshot_preview1 function, supported or partial, with its note), as runsc documents
// its Linux syscall table.
import type { GlobalOptions } from '../cli.js';

/** SyscallsOptions are the options of `stasis syscalls`. */
export interface SyscallsOptions {
  readonly globals: GlobalOptions;
  readonly format: 'text' | 'markdown';
}

/** run prints the table. */
export async function run(options: SyscallsOptions): Promise<number> {
  const { renderSyscallTable } = await import('@stasis/sentry');
  const table = renderSyscallTable(options.format);
  process.stdout.write(table.endsWith('\n') ? table : `${table}\n`);
  return 0;
}
