import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ContainerExistsError, ContainerNotFoundError, ContainerStateCorruptError, InvalidContainerIdError } from './errors.js';
import { currentProcessIdentity } from './process-liveness.js';
import {
  type ContainerState,
  createContainerDirectory,
  effectiveStatus,
  listContainerIds,
  readState,
  removeContainerDirectory,
  validateContainerId,
  writeState,
} from './state-store.js';

const StateStore = suite('StateStore');
let root = '';

StateStore.before.each(() => {
  root = mkdtempSync(join(tmpdir(), 'stasis-root-'));
});
StateStore.after.each(() => rmSync(root, { recursive: true, force: true }));

function state(id: string, overrides: Partial<ContainerState> = {}): ContainerState {
  return {
    version: 1,
    id,
    bundle: '/bundle',
    created: '2026-11-28T13:03:58.177Z',
    owner: '',
    annotations: {},
    status: 'created',
    process: currentProcessIdentity(),
    launch: { module: '/bundle/rootfs/a.wasm', args: ['/a.wasm'], env: [], cwd: '/', rootfs: '/bundle/rootfs', mounts: [], terminal: false, limits: {}, labels: {} },
    ...overrides,
  };
}

StateStore('writes and reads back a state', () => {
  createContainerDirectory(root, 'c1');
  writeState(root, state('c1'));
  assert.equal(readState(root, 'c1'), state('c1'));
  assert.equal(listContainerIds(root), ['c1']);
});

StateStore('an id is claimed once', () => {
  createContainerDirectory(root, 'c1');
  assert.throws(() => createContainerDirectory(root, 'c1'), (error: unknown) => error instanceof ContainerExistsError);
});

StateStore('a missing container is ContainerNotFoundError, worded as runc words it', () => {
  assert.throws(() => readState(root, 'ghost'), (error: unknown) => error instanceof ContainerNotFoundError && /does not exist/.test(error.message));
  createContainerDirectory(root, 'c1');
  writeState(root, state('c1'));
  removeContainerDirectory(root, 'c1');
  assert.throws(() => readState(root, 'c1'), (error: unknown) => error instanceof ContainerNotFoundError);
});

StateStore('a corrupt state names the field', () => {
  createContainerDirectory(root, 'c1');
  writeFileSync(join(root, 'c1/state.json'), JSON.stringify({ ...state('c1'), status: 'dancing' }));
  assert.throws(() => readState(root, 'c1'), (error: unknown) => error instanceof ContainerStateCorruptError && /status/.test(error.message));
  writeFileSync(join(root, 'c1/state.json'), '{');
  assert.throws(() => readState(root, 'c1'), (error: unknown) => error instanceof ContainerStateCorruptError && /not JSON/.test(error.message));
});

StateStore('ids that are not plain names are refused', () => {
  for (const id of ['../etc', 'a/b', '', '.', '..', 'a b']) {
    assert.throws(() => validateContainerId(id), (error: unknown) => error instanceof InvalidContainerIdError, `validateContainerId(${JSON.stringify(id)})`);
  }
  for (const id of ['c1', 'a.b-c_d+e', '0123456789abcdef'.repeat(4)]) assert.is(validateContainerId(id), id);
});

StateStore('a container whose process is gone is stopped', () => {
  assert.is(effectiveStatus(state('c1')), 'created');
  assert.is(effectiveStatus(state('c1', { status: 'running', process: { pid: process.pid, startTime: '1' } })), 'stopped');
  assert.is(effectiveStatus(state('c1', { status: 'paused', process: undefined })), 'stopped');
  assert.is(effectiveStatus(state('c1', { status: 'stopped', exitCode: 3 })), 'stopped');
});

StateStore.run();
