#!/usr/bin/env node
// Usage: node tooling/bench/report.mjs [results-directory]   (default bench/results)
//
// Merges every `<results-directory>/*.json` that a package's `bench` script wrote
// (see README.md for the shape) into report.json and report.md (a table per
// package, with the machine's CPU model, Node version and date), and draws every
// `series` into plot.svg. No dependencies: the SVG is written by hand.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Files this script writes into the results directory, never read as input. */
const OUTPUT_FILES = new Set(['report.json']);

/**
 * Statistics of repeated runs of one measurement.
 * @typedef {{ median: number, min: number, max: number, runs: number }} Statistics
 */

/**
 * One benchmark of one package: the sentry against a baseline.
 * @typedef {object} BenchResult
 * @property {string} name
 * @property {string} unit
 * @property {'higher' | 'lower'} better which direction is an improvement
 * @property {Statistics} stasis
 * @property {Statistics & { name: string }} baseline
 * @property {number} ratio stasis median / baseline median
 * @property {number | string} [goal] a ratio to reach (number), or a sentence
 */

/**
 * A measured curve, such as checkpoint time against memory size.
 * @typedef {{ name: string, xLabel?: string, yLabel?: string, points: [number, number][] }} Series
 */

/**
 * Figures that have no baseline to divide by (instrumentation time per program, checkpoint
 * latency per benchmark): printed as a table under the package's results.
 * @typedef {{ title: string, columns: string[], rows: (string | number)[][], note?: string }} Table
 */

/**
 * The file one package's bench writes.
 * @typedef {{ package: string, results: BenchResult[], series?: Series[], tables?: Table[] }} PackageResults
 */

/**
 * ReportInputError names a results file that does not have the documented shape.
 */
export class ReportInputError extends Error {
  /**
   * @param {string} file
   * @param {string} problem
   */
  constructor(file, problem) {
    super(`${file}: ${problem}`);
    this.name = 'ReportInputError';
    this.file = file;
    this.problem = problem;
  }
}

/**
 * isStatistics checks a `{median,min,max,runs}` object.
 * @param {unknown} value
 */
function isStatistics(value) {
  if (value === null || typeof value !== 'object') return false;
  const record = /** @type {Record<string, unknown>} */ (value);
  return ['median', 'min', 'max', 'runs'].every((key) => typeof record[key] === 'number' && Number.isFinite(record[key]));
}

/**
 * validatePackageResults checks one parsed results file and returns it typed.
 * @param {unknown} value
 * @param {string} file for messages
 * @returns {PackageResults}
 */
export function validatePackageResults(value, file) {
  if (value === null || typeof value !== 'object') throw new ReportInputError(file, 'not a JSON object');
  const input = /** @type {Record<string, unknown>} */ (value);
  if (typeof input.package !== 'string') throw new ReportInputError(file, '"package" must be a string');
  if (!Array.isArray(input.results)) throw new ReportInputError(file, '"results" must be an array');
  input.results.forEach((result, index) => {
    const where = `results[${index}]`;
    if (result === null || typeof result !== 'object') throw new ReportInputError(file, `${where} is not an object`);
    if (typeof result.name !== 'string' || typeof result.unit !== 'string') {
      throw new ReportInputError(file, `${where} needs "name" and "unit" strings`);
    }
    if (result.better !== 'higher' && result.better !== 'lower') {
      throw new ReportInputError(file, `${where}.better must be "higher" or "lower"`);
    }
    if (!isStatistics(result.stasis)) throw new ReportInputError(file, `${where}.stasis needs numeric median, min, max, runs`);
    if (!isStatistics(result.baseline) || typeof result.baseline.name !== 'string') {
      throw new ReportInputError(file, `${where}.baseline needs a name and numeric median, min, max, runs`);
    }
    if (typeof result.ratio !== 'number') throw new ReportInputError(file, `${where}.ratio must be a number`);
    if (result.goal !== undefined && typeof result.goal !== 'number' && typeof result.goal !== 'string') {
      throw new ReportInputError(file, `${where}.goal must be a number or a string`);
    }
  });
  if (input.series !== undefined) {
    if (!Array.isArray(input.series)) throw new ReportInputError(file, '"series" must be an array');
    input.series.forEach((series, index) => {
      const valid =
        series !== null &&
        typeof series === 'object' &&
        typeof series.name === 'string' &&
        Array.isArray(series.points) &&
        series.points.every(
          /** @param {unknown} point */
          (point) => Array.isArray(point) && point.length === 2 && point.every((coordinate) => Number.isFinite(coordinate)),
        );
      if (!valid) throw new ReportInputError(file, `series[${index}] needs a name and points [[x, y], ...] of numbers`);
    });
  }
  if (input.tables !== undefined) {
    if (!Array.isArray(input.tables)) throw new ReportInputError(file, '"tables" must be an array');
    input.tables.forEach((table, index) => {
      const isCell = /** @param {unknown} cell */ (cell) => typeof cell === 'string' || (typeof cell === 'number' && Number.isFinite(cell));
      const valid =
        table !== null &&
        typeof table === 'object' &&
        typeof table.title === 'string' &&
        Array.isArray(table.columns) &&
        table.columns.length > 0 &&
        table.columns.every(/** @param {unknown} column */ (column) => typeof column === 'string') &&
        (table.note === undefined || typeof table.note === 'string') &&
        Array.isArray(table.rows) &&
        table.rows.every(/** @param {unknown} row */ (row) => Array.isArray(row) && row.length === table.columns.length && row.every(isCell));
      if (!valid) throw new ReportInputError(file, `tables[${index}] needs a title, string columns, and rows of as many strings or numbers`);
    });
  }
  return /** @type {PackageResults} */ (input);
}

/**
 * goalStatus says whether a result meets its goal: `met`, `missed`, or `''` when
 * there is no numeric goal. A numeric goal is a bound on the ratio: an upper
 * bound when lower is better, a lower bound when higher is better.
 * @param {BenchResult} result
 * @returns {'met' | 'missed' | ''}
 */
export function goalStatus(result) {
  if (typeof result.goal !== 'number') return '';
  const met = result.better === 'lower' ? result.ratio <= result.goal : result.ratio >= result.goal;
  return met ? 'met' : 'missed';
}

/**
 * describeMachine collects what a reader needs to judge the numbers.
 * @param {Date} date
 */
export function describeMachine(date) {
  const processors = cpus();
  return {
    cpu: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: date.toISOString(),
  };
}

/**
 * formatNumber prints a measurement with three significant digits, without
 * exponent notation for everyday magnitudes.
 * @param {number} value
 */
export function formatNumber(value) {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 0.001) return String(Number(value.toPrecision(3)));
  return value.toExponential(2);
}

/**
 * escapeCell keeps a value from breaking a Markdown table row.
 * @param {string} text
 */
function escapeCell(text) {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/**
 * renderMarkdown writes the report as Markdown: the machine, then one table per package.
 * @param {{ machine: ReturnType<typeof describeMachine>, packages: PackageResults[] }} report
 */
export function renderMarkdown(report) {
  const { machine } = report;
  const lines = [
    '# Benchmark report',
    '',
    `- Date: ${machine.date}`,
    `- CPU: ${machine.cpu} (${machine.cores} cores), ${machine.memoryGiB} GiB memory`,
    `- Node: ${machine.node} (${machine.platform})`,
    '',
    'Ratio is the Stasis median divided by the baseline median. Ranges are min-max over the runs.',
    '',
  ];
  if (report.packages.length === 0) lines.push('No results: no package wrote bench/results/*.json.', '');
  for (const packageResults of report.packages) {
    lines.push(`## ${packageResults.package}`, '');
    if (packageResults.results.length === 0) {
      lines.push('No results.', '');
    } else {
      lines.push('| benchmark | unit | better | Stasis median (range, runs) | baseline | baseline median (range, runs) | ratio | goal |');
      lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
      for (const result of packageResults.results) {
        const status = goalStatus(result);
        const goal = result.goal === undefined ? '' : `${result.goal}${status === '' ? '' : ` (${status})`}`;
        const cells = [
          result.name,
          result.unit,
          result.better,
          `${formatNumber(result.stasis.median)} (${formatNumber(result.stasis.min)}-${formatNumber(result.stasis.max)}, ${result.stasis.runs})`,
          result.baseline.name,
          `${formatNumber(result.baseline.median)} (${formatNumber(result.baseline.min)}-${formatNumber(result.baseline.max)}, ${result.baseline.runs})`,
          `${formatNumber(result.ratio)}x`,
          String(goal),
        ];
        lines.push(`| ${cells.map((cell) => escapeCell(cell)).join(' | ')} |`);
      }
      lines.push('');
    }
    for (const table of packageResults.tables ?? []) {
      lines.push(`### ${escapeCell(table.title)}`, '');
      if (table.note) lines.push(table.note, '');
      lines.push(`| ${table.columns.map((column) => escapeCell(column)).join(' | ')} |`);
      lines.push(`| ${table.columns.map(() => '---').join(' | ')} |`);
      for (const row of table.rows) {
        lines.push(`| ${row.map((cell) => escapeCell(typeof cell === 'number' ? formatNumber(cell) : cell)).join(' | ')} |`);
      }
      lines.push('');
    }
    for (const series of packageResults.series ?? []) {
      lines.push(`Series "${escapeCell(series.name)}": ${series.points.length} points, drawn in plot.svg.`, '');
    }
  }
  return lines.join('\n');
}

/**
 * escapeXml makes text safe inside SVG elements and attributes.
 * @param {string} text
 */
function escapeXml(text) {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/**
 * niceTicks picks about `count` evenly spaced round values (steps of 1, 2, 2.5
 * or 5 times a power of ten) from at or below `low` to at or above `high`, so
 * an axis drawn from the first to the last tick encloses the whole range.
 * @param {number} low
 * @param {number} high
 * @param {number} count
 * @returns {number[]}
 */
export function niceTicks(low, high, count) {
  if (!(high > low)) return [low, low + 1];
  const rough = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((factor) => factor * power >= rough) ?? 10) * power;
  const first = Math.floor(low / step);
  const last = Math.max(first + 1, Math.ceil(high / step));
  const ticks = [];
  // Multiply rather than accumulate, so rounding errors do not pile up.
  for (let index = first; index <= last; index++) ticks.push(Number((index * step).toPrecision(12)));
  return ticks;
}

/**
 * axisLabels takes labels from the series, or from a name of the form "Y vs X".
 * @param {Series} series
 */
function axisLabels(series) {
  const [y, x] = series.name.split(/\s+vs\.?\s+/);
  return { x: series.xLabel ?? (x === undefined ? 'x' : x), y: series.yLabel ?? (y === undefined ? 'y' : y) };
}

/**
 * renderSvg draws each series as a line plot in its own panel, panels stacked.
 * @param {{ package: string, series: Series }[]} plots
 */
export function renderSvg(plots) {
  const width = 720;
  const panelHeight = 320;
  const margin = { top: 40, right: 24, bottom: 56, left: 72 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = panelHeight - margin.top - margin.bottom;
  const height = Math.max(1, plots.length) * panelHeight;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
  ];
  if (plots.length === 0) {
    parts.push(`<text x="${width / 2}" y="${panelHeight / 2}" text-anchor="middle">No series in the results.</text>`);
  }
  plots.forEach(({ package: packageName, series }, index) => {
    const top = index * panelHeight + margin.top;
    const points = [...series.points].sort((a, b) => a[0] - b[0]);
    const xs = points.map((point) => point[0]);
    const ys = points.map((point) => point[1]);
    const xTicks = niceTicks(Math.min(0, ...xs), Math.max(...xs, 1e-9), 6);
    const yTicks = niceTicks(Math.min(0, ...ys), Math.max(...ys, 1e-9), 5);
    const xLow = xTicks[0] ?? 0;
    const xHigh = xTicks.at(-1) ?? 1;
    const yLow = yTicks[0] ?? 0;
    const yHigh = yTicks.at(-1) ?? 1;
    /** @param {number} x */
    const toX = (x) => margin.left + ((x - xLow) / (xHigh - xLow || 1)) * plotWidth;
    /** @param {number} y */
    const toY = (y) => top + plotHeight - ((y - yLow) / (yHigh - yLow || 1)) * plotHeight;
    const labels = axisLabels(series);
    parts.push(`<g>`);
    parts.push(
      `<text x="${width / 2}" y="${top - 16}" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(`${packageName}: ${series.name}`)}</text>`,
    );
    for (const tick of yTicks) {
      const y = toY(tick).toFixed(1);
      parts.push(`<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${y}" y2="${y}" stroke="#e0e0e0"/>`);
      parts.push(`<text x="${margin.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatNumber(tick)}</text>`);
    }
    for (const tick of xTicks) {
      const x = toX(tick).toFixed(1);
      parts.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${top + plotHeight}" stroke="#f0f0f0"/>`);
      parts.push(`<text x="${x}" y="${top + plotHeight + 18}" text-anchor="middle">${formatNumber(tick)}</text>`);
    }
    parts.push(
      `<rect x="${margin.left}" y="${top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333"/>`,
      `<text x="${margin.left + plotWidth / 2}" y="${top + plotHeight + 40}" text-anchor="middle">${escapeXml(labels.x)}</text>`,
      `<text transform="translate(18 ${top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(labels.y)}</text>`,
    );
    const path = points.map(([x, y]) => `${toX(x).toFixed(1)},${toY(y).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="#1f77b4" stroke-width="2"/>`);
    for (const [x, y] of points) {
      parts.push(
        `<circle cx="${toX(x).toFixed(1)}" cy="${toY(y).toFixed(1)}" r="3" fill="#1f77b4"><title>${formatNumber(x)}, ${formatNumber(y)}</title></circle>`,
      );
    }
    parts.push(`</g>`);
  });
  parts.push('</svg>', '');
  return parts.join('\n');
}

/**
 * readPackageResults loads and checks every results file of a directory.
 * @param {string} directory
 * @returns {Promise<PackageResults[]>}
 */
export async function readPackageResults(directory) {
  let names;
  try {
    names = await readdir(directory);
  } catch (error) {
    if (error && typeof error === 'object' && 'code' in error && error.code === 'ENOENT') return [];
    throw error;
  }
  const packages = [];
  for (const name of names.filter((file) => file.endsWith('.json') && !OUTPUT_FILES.has(file)).sort()) {
    const file = join(directory, name);
    let parsed;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new ReportInputError(file, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    packages.push(validatePackageResults(parsed, file));
  }
  return packages.sort((a, b) => a.package.localeCompare(b.package));
}

/**
 * writeReport merges a results directory into report.json, report.md and plot.svg there.
 * @param {string} directory
 * @param {Date} [date]
 */
export async function writeReport(directory, date = new Date()) {
  const packages = await readPackageResults(directory);
  const report = { machine: describeMachine(date), packages };
  const plots = packages.flatMap((packageResults) =>
    (packageResults.series ?? []).map((series) => ({ package: packageResults.package, series })),
  );
  await mkdir(directory, { recursive: true });
  await writeFile(join(directory, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(directory, 'report.md'), renderMarkdown(report));
  await writeFile(join(directory, 'plot.svg'), renderSvg(plots));
  return report;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const directory = resolve(process.argv[2] ?? join(root, 'bench/results'));
  try {
    const report = await writeReport(directory);
    const count = report.packages.reduce((total, packageResults) => total + packageResults.results.length, 0);
    process.stdout.write(
      `bench report: ${count} results from ${report.packages.length} packages -> ${join(directory, 'report.md')}, report.json, plot.svg\n`,
    );
  } catch (error) {
    if (!(error instanceof ReportInputError)) throw error;
    process.stderr.write(`bench report: ${error.message}\n`);
    process.exitCode = 1;
  }
}
