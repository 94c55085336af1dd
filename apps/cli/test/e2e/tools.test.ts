// The smaller commands end to end: spec writes a bundle config that runs, features prints
// runc's document, events --stats reports the sandbox's figures, update accepts the shim's
// LinuxResources on stdin.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Lab, tickCount } from './harness.js';

const Tools = suite('tools');
let lab: Lab;

Tools.before.each(() => {
  lab = new Lab();
});
Tools.after.each(() => lab.dispose());

Tools('spec writes a config.json that runs, and refuses to overwrite it', () => {
  rmSync(join(lab.bundle, 'config.json'), { force: true });
  assert.is(lab.run(['spec', '/probe.wasm', 'from-spec']).code, 0);
  const spec = JSON.parse(readFileSync(join(lab.bundle, 'config.json'), 'utf8')) as { process: { args: string[] } };
  assert.equal(spec.process.args, ['/probe.wasm', 'from-spec']);
  assert.match(lab.run(['spec']).stderr, /config\.json exists/);
  const run = lab.runDetached(['run', 'c1'], 'run');
  assert.is(run.code, 0, run.stderr);
  assert.match(run.output.stdout(), /^arg from-spec$/m);
});

Tools('features prints the runtime features document', () => {
  const features = JSON.parse(lab.run(['features']).stdout) as { ociVersionMax: string; annotations: Record<string, string> };
  assert.is(features.ociVersionMax, '1.0.2');
  assert.is(features.annotations['org.opencontainers.runc.checkpoint.enabled'], 'true');
});

Tools('events --stats and update on a running container', async () => {
  lab.config(['/ticker.wasm', '0', '20'], { linux: { resources: { memory: { limit: 256 * 1024 * 1024 } } } });
  const run = lab.runDetached(['run', '--detach', 'c1'], 'c1');
  assert.is(run.code, 0, run.stderr);
  await run.output.waitFor((out) => tickCount(out) >= 1, 'a tick');
  const events = lab.run(['events', '--stats', 'c1']);
  assert.is(events.code, 0, events.stderr);
  const event = JSON.parse(events.stdout) as { type: string; id: string; data: { memory: { usage: { usage: number; limit: number } }; pids: { current: number } } };
  assert.is(event.type, 'stats');
  assert.is(event.id, 'c1');
  assert.is(event.data.pids.current, 1);
  assert.ok(event.data.memory.usage.usage > 0, 'memory in use');
  assert.is(event.data.memory.usage.limit, 256 * 1024 * 1024);
  // Docker's `update` without a memory change: accepted.
  const update = lab.run(['update', '--resources', '-', 'c1'], { input: JSON.stringify({ cpu: { shares: 512 }, pids: { limit: 100 } }) });
  assert.is(update.code, 0, update.stderr);
  const broken = lab.run(['update', '--resources', '-', 'c1'], { input: JSON.stringify({ memory: { limit: 'big' } }) });
  assert.match(broken.stderr, /stdin: memory\.limit: must be a number/);
  assert.is(lab.run(['delete', '--force', 'c1']).code, 0);
  assert.match(lab.run(['events', '--stats', 'c1']).stderr, /does not exist/);
});

Tools.run();
