import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { goalStatus, niceTicks, ReportInputError, renderMarkdown, validatePackageResults, writeReport } from './report.mjs';

const sentryResults = {
  package: '@stasis/sentry',
  results: [
    {
      name: 'fib(40)',
      unit: 's',
      better: 'lower',
      stasis: { median: 1.5, min: 1.4, max: 1.7, runs: 5 },
      baseline: { name: 'node:wasi', median: 0.75, min: 0.7, max: 0.8, runs: 5 },
      ratio: 2,
      goal: 1.5,
    },
    {
      name: 'syscalls',
      unit: 'calls/s',
      better: 'higher',
      stasis: { median: 90000, min: 85000, max: 95000, runs: 3 },
      baseline: { name: 'node:wasi', median: 60000, min: 58000, max: 61000, runs: 3 },
      ratio: 1.5,
      goal: 1,
    },
  ],
  series: [{ name: 'checkpoint ms vs MiB', points: [[64, 40], [1, 2], [16, 11]] }],
  tables: [
    {
      title: 'instrumentation',
      note: 'Once per program and mode, then cached.',
      columns: ['program', 'mode', 'ms', 'growth'],
      rows: [
        ['sqlite', 'anywhere', 12345.6, '2.1x'],
        ['fib', 'safepoint', 88, '1.2x'],
      ],
    },
  ],
};

const Report = suite('bench report');

Report('goalStatus reads a numeric goal as a bound in the better direction', () => {
  const [slower, faster] = sentryResults.results;
  assert.is(goalStatus(/** @type {any} */ (slower)), 'missed', 'ratio 2 against an upper bound of 1.5');
  assert.is(goalStatus(/** @type {any} */ (faster)), 'met', 'ratio 1.5 against a lower bound of 1');
  assert.is(goalStatus(/** @type {any} */ ({ ...slower, goal: 'within 2x' })), '');
});

Report('validatePackageResults names the file and the field that is wrong', () => {
  const broken = { ...sentryResults, results: [{ ...sentryResults.results[0], better: 'faster' }] };
  try {
    validatePackageResults(broken, 'sentry.json');
    assert.unreachable('validatePackageResults accepted better: "faster"');
  } catch (error) {
    assert.instance(error, ReportInputError);
    assert.match(/** @type {Error} */ (error).message, 'sentry.json: results[0].better');
  }
  assert.throws(() => validatePackageResults({ package: 'x', results: [], series: [{ name: 's', points: [[1]] }] }, 'x.json'), /series\[0\]/);
  assert.throws(() => validatePackageResults({ package: 'x', results: [], tables: [{ title: 't', columns: ['a', 'b'], rows: [['only one']] }] }, 'x.json'), /tables\[0\]/);
  assert.throws(() => validatePackageResults({ package: 'x', results: [], tables: [{ title: 't', columns: ['a'], rows: [[Number.NaN]] }] }, 'x.json'), /tables\[0\]/);
});

Report('renderMarkdown prints each table under its package, numbers to three digits', () => {
  const markdown = renderMarkdown({ machine: { cpu: 'cpu', cores: 2, memoryGiB: 4, node: 'v20', platform: 'linux-x64', date: 'today' }, packages: [/** @type {any} */ (sentryResults)] });
  assert.match(markdown, '### instrumentation\n\nOnce per program and mode, then cached.\n\n| program | mode | ms | growth |\n| --- | --- | --- | --- |\n| sqlite | anywhere | 12,346 | 2.1x |\n| fib | safepoint | 88 | 1.2x |');
});

Report('writeReport merges every results file into report.json, report.md and plot.svg', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'stasis-bench-report-'));
  try {
    await writeFile(join(directory, 'sentry.json'), JSON.stringify(sentryResults));
    await writeFile(join(directory, 'statefile.json'), JSON.stringify({ package: '@stasis/statefile', results: [] }));
    await writeFile(join(directory, 'report.json'), '{"stale": true}');
    const date = new Date('2025-01-02T03:04:05Z');
    await writeReport(directory, date);

    const report = JSON.parse(await readFile(join(directory, 'report.json'), 'utf8'));
    assert.equal(
      report.packages.map((/** @type {{ package: string }} */ entry) => entry.package),
      ['@stasis/sentry', '@stasis/statefile'],
    );
    assert.is(report.machine.date, '2025-01-02T03:04:05.000Z');
    assert.is(report.machine.node, process.version);

    const markdown = await readFile(join(directory, 'report.md'), 'utf8');
    assert.match(markdown, '## @stasis/sentry');
    assert.match(markdown, '| fib(40) | s | lower | 1.5 (1.4-1.7, 5) | node:wasi | 0.75 (0.7-0.8, 5) | 2x | 1.5 (missed) |');
    assert.match(markdown, '| syscalls | calls/s | higher | 90,000 (85,000-95,000, 3) |');
    assert.match(markdown, `Node: ${process.version}`);

    const svg = await readFile(join(directory, 'plot.svg'), 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, '@stasis/sentry: checkpoint ms vs MiB');
    assert.is(svg.match(/<circle /g)?.length, 3, 'one marker per point');
    const polyline = /<polyline points="([^"]+)"/.exec(svg)?.[1] ?? '';
    const xs = polyline.split(' ').map((pair) => Number(pair.split(',')[0]));
    assert.equal([...xs].sort((a, b) => a - b), xs, `points drawn in x order: ${polyline}`);
    assert.match(svg, '>MiB</text>');
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});

Report('renderMarkdown says when there are no results', () => {
  const markdown = renderMarkdown({
    machine: { cpu: 'test cpu', cores: 2, memoryGiB: 1, node: 'v20.0.0', platform: 'linux-x64', date: 'now' },
    packages: [],
  });
  assert.match(markdown, 'CPU: test cpu (2 cores)');
  assert.match(markdown, 'No results');
});

Report.run();

const ReportProperties = suite('bench report properties');

ReportProperties('niceTicks are evenly spaced and enclose the range', () => {
  const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
  fc.assert(
    fc.property(
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
      fc.integer({ min: 2, max: 10 }),
      (low, span, count) => {
        const high = low + span;
        const ticks = niceTicks(low, high, count);
        const call = `niceTicks(${low}, ${high}, ${count}) (seed ${seed})`;
        const first = /** @type {number} */ (ticks[0]);
        const last = /** @type {number} */ (ticks.at(-1));
        const step = /** @type {number} */ (ticks[1]) - first;
        assert.ok(ticks.length >= 2 && ticks.length <= count * 3 + 2, `${call}: got ${ticks.length} ticks`);
        // Doubles near 1e6 are only exact to about 1e-10: allow that much beside the step.
        const slack = step * 1e-9 + (Math.abs(low) + Math.abs(high)) * 1e-15;
        assert.ok(first <= low + slack && last >= high - slack, `${call}: got ${ticks}, want them to enclose the range`);
        for (let i = 1; i < ticks.length; i++) {
          const gap = /** @type {number} */ (ticks[i]) - /** @type {number} */ (ticks[i - 1]);
          assert.ok(Math.abs(gap - step) <= step * 1e-6 + Math.abs(/** @type {number} */ (ticks[i])) * 1e-15, `${call}: uneven ticks ${ticks}`);
        }
      },
    ),
    { seed },
  );
});

ReportProperties.run();
