// The fixture cases of tooling/fixtures/cases.json, and how to run one under the
// node:wasi baseline. Differential tests run the same cases under the sentry and
// compare stdout and outcome with tooling/fixtures/expected/<name>.txt.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** repositoryRoot is the monorepo's root directory. */
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** EMPTY_DIRECTORY marks a preopen that gets a fresh empty temporary directory. */
export const EMPTY_DIRECTORY = '@empty';

/**
 * FixtureCase is one deterministic run of a guest program.
 * @typedef {object} FixtureCase
 * @property {string} name also the name of its expected output, `expected/<name>.txt`
 * @property {string} program the `.wasm` file, from the repository root
 * @property {string[]} args arguments after argv[0] (argv[0] is the file name without `.wasm`)
 * @property {Record<string, string>} [env] the guest's whole environment
 * @property {Record<string, string>} [preopens] guest path -> host path from the root, or EMPTY_DIRECTORY
 * @property {string} [stdin] file fed to stdin, from the root; empty stdin when absent
 * @property {{ exitCode: number } | { trap: true }} outcome how the program ends
 */

/**
 * CaseResult is what one run printed and how it ended.
 * @typedef {object} CaseResult
 * @property {Buffer} stdout
 * @property {Buffer} stderr
 * @property {{ exitCode: number } | { trap: true }} outcome
 */

/**
 * loadFixtureCases reads tooling/fixtures/cases.json.
 * @returns {Promise<FixtureCase[]>}
 */
export async function loadFixtureCases() {
  const text = await readFile(join(repositoryRoot, 'tooling/fixtures/cases.json'), 'utf8');
  return JSON.parse(text).cases;
}

/**
 * expectedOutputPath is where a case's recorded stdout lives.
 * @param {FixtureCase} fixtureCase
 */
export function expectedOutputPath(fixtureCase) {
  return join(repositoryRoot, 'tooling/fixtures/expected', `${fixtureCase.name}.txt`);
}

/**
 * runCaseUnderNodeWasi runs one case in a child `node` process under node:wasi
 * (tooling/scripts/run-node-wasi.mjs), each EMPTY_DIRECTORY preopen in a fresh
 * temporary directory that is removed afterwards. A trap is told apart from an
 * exit status by the runner's status 134 together with its "run-node-wasi:" line.
 * @param {FixtureCase} fixtureCase
 * @returns {Promise<CaseResult>}
 */
export async function runCaseUnderNodeWasi(fixtureCase) {
  /** @type {string[]} */
  const scratch = [];
  try {
    const runnerArguments = [join(repositoryRoot, 'tooling/scripts/run-node-wasi.mjs'), join(repositoryRoot, fixtureCase.program)];
    for (const [guest, host] of Object.entries(fixtureCase.preopens ?? {})) {
      let hostPath = join(repositoryRoot, host);
      if (host === EMPTY_DIRECTORY) {
        hostPath = await mkdtemp(join(tmpdir(), `stasis-case-${fixtureCase.name}-`));
        scratch.push(hostPath);
      }
      runnerArguments.push('--dir', `${hostPath}::${guest}`);
    }
    for (const [name, value] of Object.entries(fixtureCase.env ?? {})) runnerArguments.push('--env', `${name}=${value}`);
    runnerArguments.push('--argv0', caseArgv0(fixtureCase), '--', ...fixtureCase.args);
    const stdin = fixtureCase.stdin === undefined ? Buffer.alloc(0) : await readFile(join(repositoryRoot, fixtureCase.stdin));
    return await spawnRunner(runnerArguments, stdin);
  } finally {
    for (const directory of scratch) await rm(directory, { recursive: true, force: true });
  }
}

/**
 * caseArgv0 is the argv[0] a case's program gets: its file name without `.wasm`.
 * @param {FixtureCase} fixtureCase
 */
export function caseArgv0(fixtureCase) {
  return (fixtureCase.program.split('/').at(-1) ?? 'program').replace(/\.wasm$/, '');
}

/**
 * spawnRunner runs the node:wasi runner as a child process and collects its output.
 * @param {string[]} runnerArguments
 * @param {Buffer} stdin
 * @returns {Promise<CaseResult>}
 */
function spawnRunner(runnerArguments, stdin) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, runnerArguments, { stdio: ['pipe', 'pipe', 'pipe'] });
    /** @type {Buffer[]} */
    const stdout = [];
    /** @type {Buffer[]} */
    const stderr = [];
    child.stdout.on('data', (chunk) => stdout.push(chunk));
    child.stderr.on('data', (chunk) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const errorText = Buffer.concat(stderr);
      const trapped = code === 134 && errorText.includes('run-node-wasi: ');
      resolvePromise({
        stdout: Buffer.concat(stdout),
        stderr: errorText,
        outcome: trapped ? { trap: true } : { exitCode: code ?? -1 },
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}
