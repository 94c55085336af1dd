// Error and debug logging to --log, in runc's shapes: the containerd shim reads the last
// JSON line `{"level":"error","msg":...,"time":...}` of log.json and shows its msg to the
// user as `OCI runtime create failed: <msg>`.
import { appendFileSync } from 'node:fs';
import type { GlobalOptions } from './cli.js';

/** writeLog appends one entry to the --log file; failures to log are not themselves fatal. */
export function writeLog(globals: Pick<GlobalOptions, 'log' | 'logFormat'>, level: 'error' | 'warning' | 'info' | 'debug', msg: string): void {
  if (!globals.log) return;
  const time = new Date().toISOString();
  const line = globals.logFormat === 'json' ? `${JSON.stringify({ level, msg, time })}\n` : `time="${time}" level=${level} msg=${JSON.stringify(msg)}\n`;
  try {
    appendFileSync(globals.log, line);
  } catch {
    // The log is advisory; the error is still reported on stderr and in the exit status.
  }
}
