// The restore gate on CPU features through the Sandbox API: an image whose set has a feature
// the restoring host lacks is refused naming it; an image made with the
// dev.gvisor.internal.cpufeatures annotation narrowed to a subset restores, and the restored
// sandbox keeps showing the narrowed set.
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { applyCpuFeaturesAnnotation, detectHost, FeatureSet, subtract } from '@stasis/cpuid';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ImageCpuMismatchError, Sandbox } from '../../src/index.js';
import { CHECKPOINT_FIXTURES } from './fixtures.js';
import { cacheDirectory, createWorkspace, type Workspace } from './harness.js';

const host = detectHost();

async function imageWith(workspace: Workspace, cpuFeatures: FeatureSet, name: string): Promise<string> {
  const devNull = openSync('/dev/null', 'w');
  try {
    const prepared = await CHECKPOINT_FIXTURES.counter.prepare(workspace);
    const sandbox = await Sandbox.create({ ...prepared.recipe, cpuFeatures, stdio: { stdin: 'null', stdout: devNull, stderr: devNull }, cacheDir: cacheDirectory() });
    sandbox.start();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const imagePath = join(workspace.directory, name);
    await sandbox.checkpoint({ imagePath });
    return imagePath;
  } finally {
    closeSync(devNull);
  }
}

async function restoreOutcome(imagePath: string, cpuFeatures?: FeatureSet): Promise<Sandbox | Error> {
  return Sandbox.restore({ imagePath, stdio: { stdin: 'null', stdout: 'null', stderr: 'null' }, ...(cpuFeatures ? { cpuFeatures } : {}) }).catch((error: Error) => error);
}

const Gate = suite('checkpoint CPU gate');

Gate('an image with a feature this host lacks is refused, naming the missing features', async () => {
  if (!host.supported) {
    process.stderr.write(`  skipped: @stasis/cpuid cannot read this host's CPU (${host.error.message})\n`);
    return;
  }
  const lacking = subtract(FeatureSet.all(host.arch), host.features).names().slice(0, 2);
  assert.ok(lacking.length > 0, 'this host has every feature the table knows');
  const workspace = await createWorkspace('cpu-refused');
  try {
    // Crafted through the API: a sandbox that claims features the host does not have.
    const crafted = lacking.reduce((set, name) => set.with(name), host.features);
    const imagePath = await imageWith(workspace, crafted, 'image');
    const outcome = await restoreOutcome(imagePath);
    assert.instance(outcome, ImageCpuMismatchError, `restore gave ${String(outcome)}`);
    assert.equal([...(outcome as ImageCpuMismatchError).missing], lacking);
    for (const name of lacking) assert.match((outcome as Error).message, name);
  } finally {
    await workspace.dispose();
  }
});

Gate('an image narrowed with dev.gvisor.internal.cpufeatures restores, and keeps its narrowed set', async () => {
  const workspace = await createWorkspace('cpu-narrowed');
  try {
    const base = host.supported ? host.features : FeatureSet.empty('x86_64');
    const annotation = base.names().slice(0, 3).join(',');
    const narrowed = applyCpuFeaturesAnnotation(base, annotation);
    const imagePath = await imageWith(workspace, narrowed, 'image');
    const restored = await restoreOutcome(imagePath);
    assert.instance(restored, Sandbox, `restore gave ${String(restored)}`);
    const sandbox = restored as Sandbox;
    assert.equal(sandbox.kernel.cpu?.features.names(), narrowed.names(), 'the restored sandbox shows the image set, not the host set');
    sandbox.start();
    assert.equal(await sandbox.wait(), { code: 0 });
    // A host whose own policy leaves out one of the image's features refuses it.
    if (narrowed.size > 0) {
      const [first, ...rest] = narrowed.names();
      const outcome = await restoreOutcome(imagePath, FeatureSet.of(narrowed.arch, rest));
      assert.instance(outcome, ImageCpuMismatchError);
      assert.equal([...(outcome as ImageCpuMismatchError).missing], [first]);
    }
  } finally {
    await workspace.dispose();
  }
});

Gate.run();
