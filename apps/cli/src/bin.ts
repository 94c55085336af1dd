#!/usr/bin/env node
// The `stasis` executable: everything happens in main.ts, which owns the single error catch.
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  // main() never rejects; this is a last resort for a bug in the error path itself.
  (error: unknown) => {
    process.stderr.write(`stasis: internal error: ${String(error)}\n`);
    process.exitCode = 255;
  },
);
