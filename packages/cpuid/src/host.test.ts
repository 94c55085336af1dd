import { existsSync, readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { expectError } from '../test/expect-error.js';
import { normalizeArch } from './arch.js';
import { MalformedCpuinfoError, UnsupportedArchitectureError } from './errors.js';
import { featureTable } from './feature-table.js';
import { detectHost, type SupportedHost } from './host.js';

const fixture = (name: string) => readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url), 'utf8');

/** tableNamesIn is the acceptance rule, computed independently: the table's names that the first flags line lists, in table order. */
function tableNamesIn(cpuinfo: string, arch: 'x86_64' | 'arm64'): string[] {
  const line = cpuinfo.split('\n').find((text) => text.startsWith(arch === 'x86_64' ? 'flags\t' : 'Features\t'))!;
  const flags = new Set(line.slice(line.indexOf(':') + 1).trim().split(' '));
  return featureTable(arch).names.filter((name) => flags.has(name));
}

function supported(detection: ReturnType<typeof detectHost>): SupportedHost {
  if (!detection.supported) throw detection.error;
  return detection;
}

const Fixtures = suite('detectHost on /proc/cpuinfo fixtures');

const FIXTURES: [file: string, arch: 'x86_64' | 'arm64', cpus: number][] = [
  ['intel-xeon-platinum-8375c-ec2-4cpu.txt', 'x86_64', 4],
  ['amd-epyc-7r13-ec2-2cpu.txt', 'x86_64', 2],
  ['amd-epyc-genoa-kvm-2cpu.txt', 'x86_64', 2],
  ['arm64-graviton2-neoverse-n1-2cpu.txt', 'arm64', 2],
  ['arm64-graviton3-neoverse-v1-2cpu.txt', 'arm64', 2],
];

for (const [file, arch, cpus] of FIXTURES) {
  Fixtures(`${file}: the table's names among the flags, in Linux order`, () => {
    const text = fixture(file);
    const host = supported(detectHost({ cpuinfo: text, arch }));
    assert.is(host.arch, arch);
    assert.is(host.cpus, cpus);
    assert.equal(host.features.names(), tableNamesIn(text, arch));
    assert.ok(host.features.size > 10, `${file}: only ${host.features.size} features`);
  });
}

Fixtures('Intel Xeon 8375C: identity, leaf 7 EDX features, Linux-only flags ignored', () => {
  const host = supported(detectHost({ cpuinfo: fixture('intel-xeon-platinum-8375c-ec2-4cpu.txt'), arch: 'x64' }));
  assert.equal(host.identity, {
    vendor: 'GenuineIntel',
    family: 6,
    model: 106,
    stepping: 6,
    brand: 'Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz',
    cacheLineSize: 64,
    mhz: 2899.964,
    cacheSizeKb: 55296,
  });
  for (const name of ['avx512f', 'avx512_vnni', 'md_clear', 'flush_l1d', 'arch_capabilities', 'xsaves']) assert.ok(host.features.has(name), name);
  assert.not.ok(host.features.has('sse4a'), 'sse4a is AMD only');
  // Linux prints clflushopt; gVisor's table names the bit clfushopt and hides it.
  assert.not.ok(host.features.has('clfushopt'));
  assert.ok(host.ignoredFlags.includes('clflushopt') && host.ignoredFlags.includes('constant_tsc'));
  assert.is(host.features.names().slice(-3).join(' '), 'md_clear flush_l1d arch_capabilities');
});

Fixtures('AMD EPYC 7R13: AMD-only features and the family 25 identity', () => {
  const host = supported(detectHost({ cpuinfo: fixture('amd-epyc-7r13-ec2-2cpu.txt'), arch: 'x86_64' }));
  for (const name of ['sse4a', 'misalignsse', 'topoext', 'perfctr_core', 'mmxext', 'fxsr_opt']) assert.ok(host.features.has(name), name);
  assert.not.ok(host.features.has('avx512f'));
  assert.equal([host.identity.vendor, host.identity.family, host.identity.model], ['AuthenticAMD', 25, 1]);
});

Fixtures('Graviton2: exactly its hwcaps, and the MIDR fields', () => {
  const host = supported(detectHost({ cpuinfo: fixture('arm64-graviton2-neoverse-n1-2cpu.txt'), arch: 'aarch64' }));
  assert.is(host.features.names().join(' '), 'fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs');
  assert.equal(host.identity, { implementer: 0x41, variant: 0x3, part: 0xd0c, revision: 1, bogomips: 243.75 });
  assert.equal(host.ignoredFlags, []);
});

const Real = suite('detectHost on this machine');

Real('matches the table names in /proc/cpuinfo, or says the host is unsupported', () => {
  const detection = detectHost();
  const arch = normalizeArch(process.arch);
  if (process.platform !== 'linux' || arch === undefined || !existsSync('/proc/cpuinfo')) {
    assert.not.ok(detection.supported);
    return;
  }
  const host = supported(detection);
  assert.is(host.arch, arch);
  assert.equal(host.features.names(), tableNamesIn(readFileSync('/proc/cpuinfo', 'utf8'), arch));
});

const Errors = suite('detectHost errors');

Errors('an architecture other than x86_64 and arm64 is an unsupported-host result, not an exception', () => {
  for (const arch of ['riscv64', 's390x', 'ppc64', 'ia32', 'loong64']) {
    const detection = detectHost({ cpuinfo: 'processor\t: 0\n', arch });
    assert.is(detection.supported, false);
    if (detection.supported) return;
    assert.instance(detection.error, UnsupportedArchitectureError);
    assert.is(detection.error.arch, arch);
    assert.match(detection.error.message, `unsupported host: linux/${arch}`);
  }
});

Errors('a platform other than Linux is unsupported too', () => {
  const detection = detectHost({ arch: 'arm64', platform: 'darwin' });
  assert.is(detection.supported, false);
  if (!detection.supported) assert.is(detection.error.platform, 'darwin');
});

Errors('malformed /proc/cpuinfo texts are MalformedCpuinfoError', () => {
  const intel = fixture('intel-xeon-platinum-8375c-ec2-4cpu.txt');
  const cases: [string, string, 'x86_64' | 'arm64', number | undefined][] = [
    ['empty', '', 'x86_64', undefined],
    ['no processor line', 'flags\t\t: fpu vme\n', 'x86_64', undefined],
    ['a line without a colon', 'processor\t: 0\nflags fpu vme\n', 'x86_64', 2],
    ['an empty key', 'processor\t: 0\n: fpu\n', 'x86_64', 2],
    ['a processor number that is not a number', 'processor\t: zero\nflags\t\t: fpu\n', 'x86_64', 1],
    ['no flags line', 'processor\t: 0\nvendor_id\t: GenuineIntel\n', 'x86_64', undefined],
    ['x86 text on arm64', intel, 'arm64', undefined],
    ['a family that is not a number', intel.replace('cpu family\t: 6', 'cpu family\t: six'), 'x86_64', undefined],
    ['a cache size without KB', intel.replace('55296 KB', '55296'), 'x86_64', undefined],
    ['a binary file', '\u0000\u0001\u0002ELF', 'x86_64', 1],
  ];
  for (const [what, cpuinfo, arch, line] of cases) {
    const error = expectError(() => detectHost({ cpuinfo, arch }), MalformedCpuinfoError, what);
    assert.is(error.line, line, `${what}: line`);
  }
});

const Details = suite('detectHost details');

Details('a feature counts only when every processor lists it (hybrid CPUs, mixed hosts)', () => {
  const cpuinfo = 'processor\t: 0\nflags\t\t: fpu sse avx512f\n\nprocessor\t: 1\nflags\t\t: sse fpu\n';
  assert.equal(supported(detectHost({ cpuinfo, arch: 'x86_64' })).features.names(), ['fpu', 'sse']);
});

Details('old arm64 kernels: Features outside the processor blocks', () => {
  const cpuinfo = 'Processor\t: AArch64 Processor rev 4 (aarch64)\nprocessor\t: 0\nprocessor\t: 1\nFeatures\t: fp asimd evtstrm\nCPU implementer\t: 0x41\n\nHardware\t: Qualcomm\n';
  const host = supported(detectHost({ cpuinfo, arch: 'arm64' }));
  assert.equal(host.features.names(), ['fp', 'asimd', 'evtstrm']);
  assert.is(host.cpus, 2);
});

Details('stepping "unknown" (as gVisor prints it) is left out, not an error', () => {
  const cpuinfo = 'processor\t: 0\nvendor_id\t: GenuineIntel\nstepping\t: unknown\nflags\t\t: fpu\n';
  assert.equal(supported(detectHost({ cpuinfo, arch: 'x86_64' })).identity, { vendor: 'GenuineIntel' });
});

Details('an empty flags line is an empty set', () => {
  assert.ok(supported(detectHost({ cpuinfo: 'processor\t: 0\nflags\t\t:\n', arch: 'x86_64' })).features.isEmpty());
});

Fixtures.run();
Real.run();
Errors.run();
Details.run();
