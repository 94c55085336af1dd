import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { caseArgv0, loadFixtureCases, repositoryRoot, runCaseUnderNodeWasi } from './fixture-cases.mjs';
import { parseRunnerArguments, runNodeWasi, UsageError } from './node-wasi.mjs';

const fixture = (name) => join(repositoryRoot, 'tooling/fixtures/wasm', `${name}.wasm`);

const ParseRunnerArguments = suite('parseRunnerArguments');

ParseRunnerArguments('reads preopens, environment and argv0 before the guest arguments', () => {
  const options = parseRunnerArguments(['p.wasm', '--dir', '/tmp/a::/work', '--dir', '/data', '--env', 'A=b=c', '--argv0', 'p', 'x', '--dir', 'y']);
  assert.equal(options, { program: 'p.wasm', args: ['x', '--dir', 'y'], env: { A: 'b=c' }, preopens: { '/work': '/tmp/a', '/data': '/data' }, argv0: 'p' });
});

ParseRunnerArguments('passes everything after -- to the guest', () => {
  assert.equal(parseRunnerArguments(['p.wasm', '--', '--env', 'X=1']).args, ['--env', 'X=1']);
});

ParseRunnerArguments('rejects a missing program or option value with a UsageError', () => {
  assert.throws(() => parseRunnerArguments([]), (error) => error instanceof UsageError);
  assert.throws(() => parseRunnerArguments(['p.wasm', '--env']), (error) => error instanceof UsageError && error.argument === '--env');
  assert.throws(() => parseRunnerArguments(['p.wasm', '--env', 'NOVALUE']), /NAME=VALUE/);
});

ParseRunnerArguments.run();

const RunNodeWasi = suite('runNodeWasi');

RunNodeWasi('resolves to the exit status the program passes to proc_exit', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'stasis-node-wasi-'));
  const outputPath = join(directory, 'stdout');
  const stdout = openSync(outputPath, 'w');
  try {
    const status = await runNodeWasi({ program: fixture('exitcode'), args: ['42'], stdout });
    assert.is(status, 42, `runNodeWasi(exitcode 42): got ${status}, want 42`);
  } finally {
    closeSync(stdout);
  }
  assert.is(await readFile(outputPath, 'utf8'), 'exiting with status 42\n');
  await rm(directory, { recursive: true, force: true });
});

RunNodeWasi('rejects with the RuntimeError of a trap', async () => {
  const stdout = openSync('/dev/null', 'w');
  try {
    await runNodeWasi({ program: fixture('trap'), stdout });
    assert.unreachable('runNodeWasi(trap) resolved');
  } catch (error) {
    assert.instance(error, WebAssembly.RuntimeError);
  } finally {
    closeSync(stdout);
  }
});

RunNodeWasi.run();

const FixtureCases = suite('fixture cases');

FixtureCases('every case names an existing program and an outcome', async () => {
  const cases = await loadFixtureCases();
  assert.ok(cases.length >= 15, `got ${cases.length} cases`);
  const names = new Set();
  for (const fixtureCase of cases) {
    assert.not.ok(names.has(fixtureCase.name), `duplicate case ${fixtureCase.name}`);
    names.add(fixtureCase.name);
    await readFile(join(repositoryRoot, fixtureCase.program));
    assert.ok('exitCode' in fixtureCase.outcome || fixtureCase.outcome.trap === true, `${fixtureCase.name}: outcome`);
  }
});

FixtureCases('runCaseUnderNodeWasi gives argv[0], environment and stdin as declared', async () => {
  const result = await runCaseUnderNodeWasi({
    name: 'env-probe',
    program: 'tooling/fixtures/wasm/env.wasm',
    args: ['one'],
    env: { K: 'v' },
    outcome: { exitCode: 0 },
  });
  assert.equal(result.outcome, { exitCode: 0 });
  assert.is(result.stdout.toString(), 'argc=2\nargv[0]=env\nargv[1]=one\nenv[0]=K=v\nenvc=1\n');
  assert.is(caseArgv0({ name: 'x', program: 'a/b/qjs.wasm', args: [], outcome: { exitCode: 0 } }), 'qjs');
});

FixtureCases('runCaseUnderNodeWasi tells a trap from an exit status', async () => {
  const trap = await runCaseUnderNodeWasi({ name: 'trap', program: 'tooling/fixtures/wasm/trap.wasm', args: [], outcome: { trap: true } });
  assert.equal(trap.outcome, { trap: true });
  assert.is(trap.stdout.toString(), 'about to trap\n');
  const exit = await runCaseUnderNodeWasi({ name: 'exit', program: 'tooling/fixtures/wasm/exitcode.wasm', args: ['134'], outcome: { exitCode: 134 } });
  assert.equal(exit.outcome, { exitCode: 134 });
});

FixtureCases.run();
