#!/usr/bin/env node
// Usage: node tooling/scripts/expected-outputs.mjs [--check] [case-name...]
//
// Runs the fixture cases of tooling/fixtures/cases.json under node:wasi.
//   default   record each case's stdout as tooling/fixtures/expected/<name>.txt
//   --check   compare with the recorded files and the declared outcome; exit 1
//             naming every case that differs
// Either way a case whose outcome differs from cases.json is an error: the
// recorded outputs are only as good as the runs that made them.
import { readFile, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { expectedOutputPath, loadFixtureCases, repositoryRoot, runCaseUnderNodeWasi } from './fixture-cases.mjs';

/**
 * describeOutcome renders an outcome for a message.
 * @param {{ exitCode: number } | { trap: true }} outcome
 */
function describeOutcome(outcome) {
  return 'trap' in outcome ? 'a trap' : `exit status ${outcome.exitCode}`;
}

async function main() {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const names = args.filter((argument) => !argument.startsWith('--'));
  const cases = (await loadFixtureCases()).filter((fixtureCase) => names.length === 0 || names.includes(fixtureCase.name));
  /** @type {string[]} */
  const failures = [];
  // One at a time, in file order: a case may read an earlier case's output as stdin.
  for (const fixtureCase of cases) {
    const result = await runCaseUnderNodeWasi(fixtureCase);
    if (JSON.stringify(result.outcome) !== JSON.stringify(fixtureCase.outcome)) {
      failures.push(
        `${fixtureCase.name}: ended with ${describeOutcome(result.outcome)}, cases.json says ${describeOutcome(fixtureCase.outcome)}\n${result.stderr.toString().trim()}`,
      );
      continue;
    }
    const path = expectedOutputPath(fixtureCase);
    if (!check) {
      await writeFile(path, result.stdout);
      continue;
    }
    const recorded = await readFile(path).catch(() => undefined);
    if (recorded === undefined) {
      failures.push(`${fixtureCase.name}: no recorded output at ${relative(repositoryRoot, path)}`);
    } else if (!recorded.equals(result.stdout)) {
      failures.push(`${fixtureCase.name}: stdout differs from ${relative(repositoryRoot, path)}`);
    }
  }
  if (failures.length > 0) {
    process.stderr.write(
      `expected-outputs: ${failures.length} of ${cases.length} cases failed:\n${failures.map((failure) => `  ${failure}\n`).join('')}` +
        're-record with: node tooling/scripts/expected-outputs.mjs\n',
    );
    return 1;
  }
  process.stdout.write(`expected-outputs: ${cases.length} cases ${check ? 'match their recorded output' : 'recorded'}\n`);
  return 0;
}

process.exitCode = await main();
