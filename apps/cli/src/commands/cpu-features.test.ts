import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { detectHost, featureTable, normalizeArch } from '@stasis/cpuid';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from './cpu-features.js';

const stasis = fileURLToPath(new URL('../../../../bin/stasis', import.meta.url));
const fixture = (name: string) => readFileSync(new URL(`../../../../packages/cpuid/test/fixtures/${name}`, import.meta.url), 'utf8');

async function capture(format: 'text' | 'json', cpuinfo: string, arch: string): Promise<string> {
  let out = '';
  const code = await run({ format }, { detect: () => detectHost({ cpuinfo, arch }), write: (text) => (out += text) });
  assert.is(code, 0);
  return out;
}

const Command = suite('cpu-features');

Command('prints one feature per line, in Linux order', async () => {
  const out = await capture('text', fixture('arm64-graviton2-neoverse-n1-2cpu.txt'), 'arm64');
  assert.is(out, 'fp\nasimd\nevtstrm\naes\npmull\nsha1\nsha2\ncrc32\natomics\nfphp\nasimdhp\ncpuid\nasimdrdm\nlrcpc\ndcpop\nasimddp\nssbs\n');
});

Command('--format json prints the architecture and the names', async () => {
  const out = await capture('json', 'processor\t: 0\nflags\t\t: sse2 fpu constant_tsc\n', 'x86_64');
  assert.equal(JSON.parse(out), { arch: 'x86_64', features: ['fpu', 'sse2'] });
});

Command('an unsupported host is an error, not a crash', async () => {
  try {
    await run({ format: 'text' }, { detect: () => detectHost({ cpuinfo: 'processor\t: 0\n', arch: 'riscv64' }), write: () => assert.unreachable('no output') });
    assert.unreachable('want UnsupportedArchitectureError');
  } catch (error) {
    assert.is((error as Error).name, 'UnsupportedArchitectureError');
  }
});

const Acceptance = suite('bin/stasis cpu-features on this machine');

/** The acceptance rule, computed apart from detectHost: the table's names that /proc/cpuinfo's first flags line lists, in table order. */
function expectedNames(arch: 'x86_64' | 'arm64'): string[] {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const line = cpuinfo.split('\n').find((text) => text.startsWith(arch === 'x86_64' ? 'flags\t' : 'Features\t'))!;
  const flags = new Set(line.slice(line.indexOf(':') + 1).trim().split(/\s+/));
  return featureTable(arch).names.filter((name) => flags.has(name));
}

Acceptance('prints exactly the table names in /proc/cpuinfo flags, in Linux order', () => {
  const arch = normalizeArch(process.arch);
  if (process.platform !== 'linux' || arch === undefined || !existsSync('/proc/cpuinfo')) {
    const result = spawnSync(stasis, ['cpu-features'], { encoding: 'utf8' });
    assert.is(result.status, 1);
    assert.match(result.stderr, 'unsupported host');
    return;
  }
  const out = execFileSync(stasis, ['cpu-features'], { encoding: 'utf8' });
  assert.is(out, expectedNames(arch).map((name) => `${name}\n`).join(''));
  const json = JSON.parse(execFileSync(stasis, ['cpu-features', '--format', 'json'], { encoding: 'utf8' }));
  assert.equal(json, { arch, features: expectedNames(arch) });
});

Acceptance('a bad --format is a usage error (exit 2)', () => {
  const result = spawnSync(stasis, ['cpu-features', '--format', 'yaml'], { encoding: 'utf8' });
  assert.is(result.status, 2);
  assert.match(result.stderr, '--format must be text or json');
});

Command.run();
Acceptance.run();
