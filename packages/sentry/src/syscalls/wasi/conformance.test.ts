// The conformance runner: each case of test/conformance/cases.ts runs through the real
// `bin/stasis do` (spawned, two at a time), in process against the syscall layer, and under
// Node's node:wasi, as gVisor runs each syscall test natively and under runsc. Under the
// sentry every check must pass (exit status as expected, every line `ok`); node:wasi must
// agree on every check except those test/conformance/skip.json lists with the reason
// node:wasi is wrong. COVERAGE.md maps the 72 tests of the official WASI test suite to the
// cases covering their ground; this runner keeps that table true.
import fs from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CASES, type ConformanceCase, programOf } from '../../../test/conformance/cases.js';
import {
  CLI_ENTRY,
  CONFORMANCE_DIRECTORY,
  checksOf,
  type Outcome,
  problemsOf,
  runAllCli,
  runInProcess,
  runNode,
  wasmPath,
} from '../../../test/conformance/run.js';
import { webAssembly } from '../../testing.js';

/** NodeSkips are the known node:wasi defects: whole cases it cannot run, and single checks it fails. */
interface NodeSkips {
  readonly cases: Readonly<Record<string, string>>;
  readonly checks: Readonly<Record<string, Readonly<Record<string, string>>>>;
}
const skip = (JSON.parse(fs.readFileSync(path.join(CONFORMANCE_DIRECTORY, 'skip.json'), 'utf8')) as { node: NodeSkips }).node;
/** Two cases at a time: the machine has two cores and each run is a Node process. */
const CLI_CONCURRENCY = 2;

function moduleOf(testCase: ConformanceCase): object {
  return new (webAssembly().Module)(fs.readFileSync(wasmPath(testCase)));
}

const InProcess = suite('Conformance in process');
/** The in-process outcomes, which the node:wasi comparison reuses. */
const inProcessOutcomes = new Map<string, Outcome>();

for (const testCase of CASES) {
  InProcess(`${testCase.name} passes against the syscall layer`, () => {
    const outcome = runInProcess(testCase, moduleOf(testCase));
    inProcessOutcomes.set(testCase.name, outcome);
    assert.equal(problemsOf(testCase, outcome), [], `${testCase.name}: problems in process`);
    assert.not.ok(outcome.rootfsChanged, `${testCase.name}: the host rootfs changed`);
  });
}

InProcess.run();

const Cli = suite('Conformance through bin/stasis do');
let cliResults: Map<string, Promise<Outcome>> | undefined;
const cliCases = CASES.filter((testCase) => testCase.inProcessOnly === undefined);

Cli.before(() => {
  assert.ok(fs.existsSync(CLI_ENTRY), `${CLI_ENTRY} is missing: build the CLI first (pnpm build at the repository root)`);
  cliResults = runAllCli(cliCases, CLI_CONCURRENCY);
});

for (const testCase of cliCases) {
  Cli(`${testCase.name} passes under stasis do`, async () => {
    const outcome = await cliResults!.get(testCase.name)!;
    assert.equal(problemsOf(testCase, outcome), [], `${testCase.name}: problems under stasis do`);
  });
}

Cli.run();

const Node = suite('Conformance compared with node:wasi');

for (const testCase of CASES) {
  if (skip.cases[testCase.name] !== undefined) continue;
  Node(`${testCase.name}: node:wasi agrees except where skip.json says it is wrong`, () => {
    const module = moduleOf(testCase);
    const sentry = inProcessOutcomes.get(testCase.name) ?? runInProcess(testCase, module);
    const node = runNode(testCase, module);
    const knownWrong = skip.checks[testCase.name] ?? {};
    if (testCase.stdout !== undefined || Object.keys(knownWrong).length === 0) {
      assert.is(node.stdout, sentry.stdout, `${testCase.name}: stdout differs from node:wasi`);
      assert.is(node.exitCode, sentry.exitCode, `${testCase.name}: exit status differs from node:wasi`);
      return;
    }
    const nodeChecks = checksOf(node.stdout);
    const disagreements = [...checksOf(sentry.stdout).keys()].filter((check) => knownWrong[check] === undefined && nodeChecks.get(check) !== true);
    assert.equal(disagreements, [], `${testCase.name}: checks node:wasi gets wrong that skip.json does not list`);
    const stale = Object.keys(knownWrong).filter((check) => nodeChecks.get(check) !== false);
    assert.equal(stale, [], `${testCase.name}: skip.json lists checks node:wasi passes`);
  });
}

Node.run();

const Bookkeeping = suite('Conformance bookkeeping');

Bookkeeping('every C program runs in a case, and case names are unique', () => {
  const programs = fs
    .readdirSync(path.join(CONFORMANCE_DIRECTORY, 'c'))
    .filter((name) => name.endsWith('.c'))
    .map((name) => name.slice(0, -2))
    .sort();
  assert.equal([...new Set(CASES.map(programOf))].sort(), programs);
  assert.is(new Set(CASES.map((testCase) => testCase.name)).size, CASES.length, 'duplicate case names');
});

Bookkeeping('every skip names a case and gives a reason sentence', () => {
  const names = new Set(CASES.map((testCase) => testCase.name));
  const reasons = [
    ...Object.entries(skip.cases),
    ...Object.entries(skip.checks).flatMap(([name, checks]) => Object.values(checks).map((reason) => [name, reason] as const)),
  ];
  for (const [name, reason] of reasons) {
    assert.ok(names.has(name), `skip.json names unknown case ${name}`);
    assert.ok(reason.length > 20 && reason.endsWith('.'), `skip.json reason for ${name} should be a sentence: ${reason}`);
  }
});

Bookkeeping('COVERAGE.md maps all 72 official tests to existing cases', () => {
  const text = fs.readFileSync(path.join(CONFORMANCE_DIRECTORY, 'COVERAGE.md'), 'utf8');
  // Table rows: | suite | official test | our cases | status |
  const rows = text
    .split('\n')
    .filter((line) => /^\| (AssemblyScript|C|Rust) \|/.test(line))
    .map((line) => line.split('|').map((cell) => cell.trim()));
  assert.is(rows.length, 72, `COVERAGE.md lists ${rows.length} official tests, want 72`);
  assert.is(new Set(rows.map((row) => row[2])).size, 72, 'COVERAGE.md lists an official test twice');
  const names = new Set(CASES.map((testCase) => testCase.name));
  for (const row of rows) {
    const cases = (row[3] ?? '').match(/`[a-z_]+`/g)?.map((name) => name.slice(1, -1)) ?? [];
    assert.ok(cases.length > 0, `${row[2]}: no case covers it`);
    for (const name of cases) assert.ok(names.has(name), `${row[2]}: COVERAGE.md names unknown case ${name}`);
    assert.is(row[4], 'passes', `${row[2]}: status ${row[4]}`);
  }
});

Bookkeeping.run();
