import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CRI_CONTAINER_TYPE_ANNOTATION, isPodSandbox, podSandboxModule } from './pod-sandbox.js';

const PodSandbox = suite('PodSandbox');

PodSandbox('recognises only the CRI sandbox annotation', () => {
  assert.ok(isPodSandbox({ [CRI_CONTAINER_TYPE_ANNOTATION]: 'sandbox' }));
  assert.not.ok(isPodSandbox({ [CRI_CONTAINER_TYPE_ANNOTATION]: 'container' }));
  assert.not.ok(isPodSandbox({}));
  assert.not.ok(isPodSandbox(undefined));
});

PodSandbox('the placeholder runs in the sentry, sleeping until a signal ends it', async () => {
  const { Sandbox, SIGNALS } = await import('@stasis/sentry');
  const sandbox = await Sandbox.create({ module: podSandboxModule(), args: ['/pause'], env: [], stdio: { stdin: 'null', stdout: 'null', stderr: 'null' } });
  sandbox.start();
  while (sandbox.tasks()[0]?.state !== 'blocked') await new Promise((resolve) => setTimeout(resolve, 1));
  assert.equal(sandbox.tasks(), [{ tid: 1, args: ['/pause'], state: 'blocked' }]);
  sandbox.kill(SIGNALS.SIGTERM);
  assert.equal(await sandbox.wait(), { code: 143, signal: 15 });
});

PodSandbox('the embedded bytes are pod-sandbox.wat assembled (when binaryen wasm-as is installed)', () => {
  const source = fileURLToPath(new URL('./pod-sandbox.wat', import.meta.url));
  const directory = mkdtempSync(join(tmpdir(), 'stasis-pod-sandbox-'));
  try {
    const output = join(directory, 'pod-sandbox.wasm');
    const assembled = spawnSync('wasm-as', [source, '-o', output], { encoding: 'utf8' });
    if (assembled.error !== undefined) return; // no wasm-as on this machine: the module test above still holds
    assert.is(assembled.status, 0, `wasm-as: ${assembled.stderr}`);
    assert.equal(new Uint8Array(readFileSync(output)), podSandboxModule(), 'POD_SANDBOX_WASM_BASE64 is stale: re-assemble pod-sandbox.wat');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

PodSandbox.run();
