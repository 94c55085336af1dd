#!/usr/bin/env node
// Usage: node tooling/scripts/run-node-wasi.mjs PROGRAM.wasm [--dir host::guest]... [--env NAME=VALUE]... [--argv0 NAME] [--] [args]
// Runs a WASI preview 1 program under node:wasi and exits with its exit code.
import { parseRunnerArguments, runNodeWasi, UsageError } from './node-wasi.mjs';

try {
  process.exitCode = await runNodeWasi(parseRunnerArguments(process.argv.slice(2)));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 2;
  } else {
    // A trap or a module that does not load: like a native crash, not an exit code.
    process.stderr.write(`run-node-wasi: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 134;
  }
}
