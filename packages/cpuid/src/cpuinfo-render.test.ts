import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { anyFeatureSetArbitrary } from '../test/arbitraries.js';
import { expectError } from '../test/expect-error.js';
import { renderCpuinfo } from './cpuinfo-render.js';
import { FeatureSet } from './feature-set.js';
import { featureTable } from './feature-table.js';
import { detectHost, type SupportedHost } from './host.js';

const Render = suite('renderCpuinfo');

Render('prints Linux blocks for x86 (exact text for a small set)', () => {
  const set = FeatureSet.of('x86_64', ['fpu', 'sse', 'sse2', 'osxsave', 'avx']);
  const text = renderCpuinfo(set, { cpus: 2, vendor: 'GenuineIntel', family: 6, model: 85, stepping: 7, brand: 'Intel(R) Xeon(R)', mhz: 2500, cacheSizeKb: 36608, cacheLineSize: 64 });
  const block = (cpu: number) =>
    [
      `processor\t: ${cpu}`,
      'vendor_id\t: GenuineIntel',
      'cpu family\t: 6',
      'model\t\t: 85',
      'model name\t: Intel(R) Xeon(R)',
      'stepping\t: 7',
      'cpu MHz\t\t: 2500.000',
      'cache size\t: 36608 KB',
      'physical id\t: 0',
      'siblings\t: 2',
      `core id\t\t: ${cpu}`,
      'cpu cores\t: 2',
      `apicid\t\t: ${cpu}`,
      `initial apicid\t: ${cpu}`,
      'fpu\t\t: yes',
      'fpu_exception\t: yes',
      'cpuid level\t: 13',
      'wp\t\t: yes',
      // osxsave is in the set but Linux hides it
      'flags\t\t: fpu sse sse2 avx',
      'bogomips\t: 5000.00',
      'clflush size\t: 64',
      'cache_alignment\t: 64',
      'address sizes\t: 46 bits physical, 48 bits virtual',
      'power management:',
      '',
      '',
    ].join('\n');
  assert.fixture(text, block(0) + block(1));
});

Render('prints unknown identity fields as gVisor does', () => {
  const text = renderCpuinfo(FeatureSet.empty('x86_64'), { cpus: 1 });
  for (const line of ['vendor_id\t: unknown', 'model name\t: unknown', 'stepping\t: unknown', 'cpu MHz\t\t: 0.000', 'fpu\t\t: no', 'flags\t\t:\n', 'clflush size\t: 64']) {
    assert.ok(text.includes(line), `missing ${JSON.stringify(line)}`);
  }
  assert.not.ok(text.includes('cache size'), 'cache size is left out when unknown');
});

Render('prints Linux blocks for arm64', () => {
  const text = renderCpuinfo(FeatureSet.of('arm64', ['asimd', 'fp']), { cpus: 1, implementer: 0x41, variant: 3, part: 0xd0c, revision: 1, bogomips: 243.75 });
  assert.fixture(
    text,
    'processor\t: 0\nBogoMIPS\t: 243.75\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\nCPU part\t: 0xd0c\nCPU revision\t: 1\n\n',
  );
});

Render('refuses a CPU count that is not a positive integer', () => {
  for (const cpus of [0, -1, 1.5, Number.NaN]) expectError(() => renderCpuinfo(FeatureSet.empty('x86_64'), { cpus }), RangeError, `cpus ${cpus}`);
});

const Properties = suite('renderCpuinfo properties');

Properties('detectHost reads back the shown features, the CPU count and the identity', () => {
  const identity = { vendor: 'AuthenticAMD', family: 25, model: 17, stepping: 1, brand: 'AMD EPYC', cacheLineSize: 64, mhz: 2596.142, cacheSizeKb: 1024 };
  fc.assert(
    fc.property(anyFeatureSetArbitrary, fc.integer({ min: 1, max: 8 }), (set, cpus) => {
      const text = renderCpuinfo(set, { cpus, ...identity });
      const detection = detectHost({ cpuinfo: text, arch: set.arch });
      assert.ok(detection.supported);
      const host = detection as SupportedHost;
      const table = featureTable(set.arch);
      assert.equal(
        host.features.names(),
        set.names().filter((name) => table.shown[table.indexOf(name)]),
      );
      assert.is(host.cpus, cpus);
      if (set.arch === 'x86_64') assert.equal(host.identity, identity);
    }),
  );
});

Render.run();
Properties.run();
