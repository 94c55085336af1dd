// The baseline runner: a WASI preview 1 program under Node's built-in node:wasi.
// Benchmarks and differential tests compare the sentry against it.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** @type {Promise<typeof import('node:wasi')> | undefined} */
let wasiModule;

/**
 * loadNodeWasi imports node:wasi once, without letting its ExperimentalWarning
 * reach stderr: differential tests compare the guest's stderr byte for byte.
 * @returns {Promise<typeof import('node:wasi')>}
 */
function loadNodeWasi() {
  if (wasiModule === undefined) {
    const emitWarning = process.emitWarning;
    process.emitWarning = (warning, ...rest) => {
      const text = typeof warning === 'string' ? warning : warning.message;
      if (/WASI/.test(text)) return;
      emitWarning.call(process, warning, ...rest);
    };
    wasiModule = import('node:wasi').finally(() => {
      process.emitWarning = emitWarning;
    });
  }
  return wasiModule;
}

/**
 * NodeWasiOptions describes one run of a program under node:wasi.
 * @typedef {object} NodeWasiOptions
 * @property {string | Uint8Array} program path of the `.wasm` file, or its bytes
 * @property {string[]} [args] arguments after argv[0]
 * @property {string} [argv0] argv[0]; defaults to the program's file name
 * @property {Record<string, string>} [env] the guest's environment; empty by default
 * @property {Record<string, string>} [preopens] guest path -> host path
 * @property {number} [stdin] host fd for the guest's fd 0 (default 0)
 * @property {number} [stdout] host fd for the guest's fd 1 (default 1)
 * @property {number} [stderr] host fd for the guest's fd 2 (default 2)
 */

/**
 * runNodeWasi runs a WASI preview 1 program to completion under node:wasi
 * (`version: 'preview1'`) and resolves to its exit code: the `proc_exit` status,
 * or 0 when `_start` returns. A trap rejects with the WebAssembly.RuntimeError.
 * @param {NodeWasiOptions} options
 * @returns {Promise<number>}
 */
export async function runNodeWasi(options) {
  const { WASI } = await loadNodeWasi();
  const bytes = typeof options.program === 'string' ? await readFile(options.program) : options.program;
  const argv0 = options.argv0 ?? (typeof options.program === 'string' ? basename(options.program) : 'program.wasm');
  const wasi = new WASI({
    version: 'preview1',
    args: [argv0, ...(options.args ?? [])],
    env: options.env ?? {},
    preopens: options.preopens ?? {},
    returnOnExit: true,
    stdin: options.stdin ?? 0,
    stdout: options.stdout ?? 1,
    stderr: options.stderr ?? 2,
  });
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  return wasi.start(instance);
}

/**
 * UsageError reports a command line that parseRunnerArguments cannot read.
 */
export class UsageError extends Error {
  /**
   * @param {string} message
   * @param {{ argument?: string }} [details]
   */
  constructor(message, details = {}) {
    super(message);
    this.name = 'UsageError';
    /** The offending argument, when there is one. */
    this.argument = details.argument;
  }
}

/**
 * parseRunnerArguments reads
 * `PROGRAM.wasm [--dir host::guest]... [--env NAME=VALUE]... [--argv0 NAME] [--] [args]`
 * into NodeWasiOptions. Options come right after the program; the first other
 * argument (or everything after `--`) goes to the guest. `--dir path` alone
 * preopens `path` under the same name.
 * @param {string[]} argv
 * @returns {NodeWasiOptions}
 */
export function parseRunnerArguments(argv) {
  const [program, ...rest] = argv;
  if (program === undefined || program.startsWith('--')) {
    throw new UsageError(
      'usage: run-node-wasi.mjs PROGRAM.wasm [--dir host::guest]... [--env NAME=VALUE]... [--argv0 NAME] [--] [args]',
    );
  }
  /** @type {Record<string, string>} */
  const preopens = {};
  /** @type {Record<string, string>} */
  const env = {};
  /** @type {string | undefined} */
  let argv0;
  let index = 0;
  while (index < rest.length) {
    const option = rest[index];
    if (option === '--') {
      index += 1;
      break;
    }
    if (option !== '--dir' && option !== '--env' && option !== '--argv0') break;
    const value = rest[index + 1];
    if (value === undefined) throw new UsageError(`${option} needs a value`, { argument: option });
    if (option === '--argv0') {
      argv0 = value;
    } else if (option === '--dir') {
      const separator = value.indexOf('::');
      const host = separator === -1 ? value : value.slice(0, separator);
      const guest = separator === -1 ? value : value.slice(separator + 2);
      preopens[guest] = host;
    } else {
      const equals = value.indexOf('=');
      if (equals <= 0) throw new UsageError(`--env wants NAME=VALUE, got ${value}`, { argument: value });
      env[value.slice(0, equals)] = value.slice(equals + 1);
    }
    index += 2;
  }
  return { program, args: rest.slice(index), env, preopens, ...(argv0 === undefined ? {} : { argv0 }) };
}
