import { existsSync, readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ARM64_FEATURES } from './features-arm64.js';
import { X86_FEATURES } from './features-x86.js';
import { featureTable, X86_REGISTER_BLOCKS, x86BlockIndex } from './feature-table.js';

const dataTsv = new URL('../data/cpuid-amd64.tsv', import.meta.url);
// The project's reference copy lives in shared/ beside the repository checkout.
const sharedTsv = new URL('../../../../shared/reference/cpuid-amd64.tsv', import.meta.url);

function parseTsv(text: string) {
  const rows = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  assert.is(rows.shift(), 'name\tleaf\tsubleaf\treg\tbit\tshown');
  return rows.map((line) => {
    const [name, leaf, subleaf, register, bit, shown] = line.split('\t');
    return { name, leaf: Number.parseInt(leaf!, 16), subleaf: Number(subleaf), register, bit: Number(bit), shown: shown === 'yes' };
  });
}

const Table = suite('X86_FEATURES');

Table('equals data/cpuid-amd64.tsv row for row', () => {
  const rows = parseTsv(readFileSync(dataTsv, 'utf8'));
  assert.is(rows.length, 173, `TSV rows: got ${rows.length}, want 173`);
  assert.equal(
    X86_FEATURES.map((feature) => ({ ...feature })),
    rows,
  );
});

Table('data/cpuid-amd64.tsv is the shared reference, byte for byte (when shared/ is beside the checkout)', () => {
  if (!existsSync(sharedTsv)) {
    console.log('  (shared/reference/cpuid-amd64.tsv not beside the checkout: comparison skipped)');
    return;
  }
  assert.is(readFileSync(dataTsv, 'utf8'), readFileSync(sharedTsv, 'utf8'));
});

Table('is in Linux order: register blocks in X86_REGISTER_BLOCKS order, bits ascending', () => {
  for (let index = 1; index < X86_FEATURES.length; index++) {
    const previous = X86_FEATURES[index - 1]!;
    const feature = X86_FEATURES[index]!;
    const order = x86BlockIndex(feature) - x86BlockIndex(previous) || feature.bit - previous.bit;
    assert.ok(order > 0, `${previous.name} then ${feature.name}: out of order`);
  }
});

Table('names every register block and nothing else', () => {
  const used = new Set(X86_FEATURES.map((feature) => x86BlockIndex(feature)));
  assert.is(used.size, X86_REGISTER_BLOCKS.length);
});

const Tables = suite('featureTable');

Tables('has unique names and unique bit positions for both architectures', () => {
  for (const arch of ['x86_64', 'arm64'] as const) {
    const table = featureTable(arch);
    assert.is(new Set(table.names).size, table.names.length, `${arch}: duplicate names`);
    const positions = table.positions.map((position) => `${position.word}/${position.bit}`);
    assert.is(new Set(positions).size, positions.length, `${arch}: duplicate positions`);
    for (const position of table.positions) assert.ok(position.word < table.wordCount && position.bit < 32);
  }
});

Tables('orders arm64 hwcaps by kernel number (AT_HWCAP2 bit n is 64 + n)', () => {
  const numbers = ARM64_FEATURES.map((feature) => (feature.hwcap - 1) * 64 + feature.bit);
  for (let index = 1; index < numbers.length; index++) assert.ok(numbers[index]! > numbers[index - 1]!, `${ARM64_FEATURES[index]!.name} out of order`);
  assert.equal(ARM64_FEATURES.slice(0, 4).map((feature) => feature.name), ['fp', 'asimd', 'evtstrm', 'aes']);
  assert.is(ARM64_FEATURES.find((feature) => feature.name === 'dcpodp')?.hwcap, 2);
});

Tables('indexOf throws UnknownFeatureError naming the feature', () => {
  assert.throws(
    () => featureTable('x86_64').indexOf('constant_tsc'),
    (error: Error) => error.name === 'UnknownFeatureError' && error.message.includes('constant_tsc'),
  );
});

Table.run();
Tables.run();
