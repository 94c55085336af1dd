// Error paths: config.json mistakes name their field, a native entrypoint says stasis runs
// WebAssembly, unknown ids and wrong states use runc's wording (the shim matches "does not
// exist" and "container not running"), and every failure is a JSON line in --log.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Lab } from './harness.js';

const Errors = suite('errors');
let lab: Lab;

Errors.before.each(() => {
  lab = new Lab();
});
Errors.after.each(() => lab.dispose());

function assertFails(result: { code: number; stderr: string }, message: RegExp, what: string): void {
  assert.is.not(result.code, 0, `${what}: succeeded`);
  assert.match(result.stderr, message, `${what}: stderr ${JSON.stringify(result.stderr)}`);
  const last = lab.logLines().at(-1);
  assert.ok(last, `${what}: no line in --log`);
  assert.is(last?.level, 'error');
  assert.match(last?.msg ?? '', message);
  assert.ok(!Number.isNaN(Date.parse(last?.time ?? '')), `${what}: time ${last?.time} is not RFC 3339`);
}

Errors('unknown containers: does not exist', () => {
  for (const args of [['state', 'ghost'], ['start', 'ghost'], ['kill', 'ghost', '9'], ['delete', 'ghost'], ['delete', '--force', 'ghost'], ['pause', 'ghost'], ['resume', 'ghost'], ['ps', 'ghost'], ['exec', 'ghost', '/probe.wasm'], ['checkpoint', '--image-path', join(lab.directory, 'img'), 'ghost']]) {
    assertFails(lab.run(args), /container "ghost" does not exist/, args.join(' '));
  }
});

Errors('config.json mistakes name the field', () => {
  const cases: readonly [Record<string, unknown>, RegExp][] = [
    [{ ociVersion: '1.0.2', process: { args: [], cwd: '/' }, root: { path: 'rootfs' } }, /config\.json: process\.args: must name the program/],
    [{ ociVersion: '1.0.2', process: { args: ['/probe.wasm'], env: ['NOEQUALS'], cwd: '/' }, root: { path: 'rootfs' } }, /config\.json: process\.env\[0\]: must have the form KEY=VALUE/],
    [{ ociVersion: '1.0.2', process: { args: ['/probe.wasm'], cwd: '/' }, root: { path: 'no-such-dir' } }, /config\.json: root\.path: .* is not a directory/],
    [{ ociVersion: '1.0.2', process: { args: ['/probe.wasm'], cwd: '/' }, root: { path: 'rootfs' }, mounts: [{ destination: '/x', type: 'nfs', source: 's:/' }] }, /config\.json: mounts\[0\]\.type: "nfs" is not supported/],
    [{ ociVersion: '1.0.2', process: { args: ['/nothing.wasm'], cwd: '/' }, root: { path: 'rootfs' } }, /config\.json: process\.args\[0\]: "\/nothing\.wasm" not found in the rootfs/],
  ];
  for (const [config, message] of cases) {
    writeFileSync(join(lab.bundle, 'config.json'), JSON.stringify(config));
    assertFails(lab.runDetached(['create', 'c1'], 'create'), message, JSON.stringify(config));
    assert.is(lab.run(['list', '-q']).stdout, '', 'a failed create leaves no container');
  }
  writeFileSync(join(lab.bundle, 'config.json'), '{"ociVersion": ');
  assertFails(lab.runDetached(['create', 'c1'], 'create'), /config\.json: not valid JSON/, 'broken JSON');
});

Errors('a native entrypoint: stasis runs WebAssembly', () => {
  writeFileSync(join(lab.rootfs, 'sh'), Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(56)]));
  lab.config(['/sh', '-c', 'echo hi']);
  assertFails(lab.runDetached(['create', 'c1'], 'create'), /process\.args\[0\]: "\/sh" is a native executable \(ELF\); stasis runs WebAssembly/, 'ELF entrypoint');
});

Errors('wrong states use runc wording', async () => {
  lab.config(['/ticker.wasm', '0', '20']);
  assert.is(lab.runDetached(['create', 'c1'], 'c1').code, 0);
  assertFails(lab.runDetached(['create', 'c1'], 'again'), /container with id "c1" already exists/, 'create twice');
  assertFails(lab.run(['resume', 'c1']), /container not paused/, 'resume created');
  assertFails(lab.run(['pause', 'c1']), /container not running/, 'pause created');
  assertFails(lab.run(['exec', 'c1', '/probe.wasm']), /cannot exec in a created container/, 'exec created');
  assertFails(lab.run(['checkpoint', '--image-path', join(lab.directory, 'img'), 'c1']), /container not running/, 'checkpoint created');
  assert.is(lab.run(['start', 'c1']).code, 0);
  assertFails(lab.run(['start', 'c1']), /cannot start an already running container/, 'start twice');
  assertFails(lab.run(['delete', 'c1']), /cannot delete container c1 that is not stopped: running/, 'delete running');
  assertFails(lab.run(['restore', '--image-path', join(lab.directory, 'img'), 'c1']), /cannot restore an already running container/, 'restore running');
  assert.is(lab.run(['kill', 'c1', 'KILL']).code, 0);
  await lab.waitForStatus('c1', 'stopped');
  assertFails(lab.run(['kill', 'c1', '15']), /container not running/, 'kill stopped');
  assertFails(lab.run(['start', 'c1']), /cannot start a container that has stopped/, 'start stopped');
  assertFails(lab.run(['exec', 'c1', '/probe.wasm']), /cannot exec in a stopped container/, 'exec stopped');
});

Errors('usage mistakes exit 2', () => {
  const result = lab.run(['kill']);
  assert.is(result.code, 2);
  assert.match(result.stderr, /Run 'stasis --help' for usage/);
  assertFails(lab.run(['kill', 'c1', 'SIGNOPE']), /invalid signal: "SIGNOPE"/, 'bad signal');
  assertFails(lab.run(['state', '../etc']), /invalid container id format/, 'path as id');
});

Errors.run();
