import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, ProcessSchema, RuntimeSpecSchema, formatPath, parseJsonText, parseWithSchema } from './oci-spec.js';

const OciSpec = suite('OciSpec');

function configError(json: unknown): ConfigError {
  try {
    parseWithSchema(RuntimeSpecSchema, json, 'config.json');
  } catch (error) {
    assert.instance(error, ConfigError);
    return error as ConfigError;
  }
  throw new Error(`parseWithSchema(${JSON.stringify(json)}): parsed, want a ConfigError`);
}

const valid = { ociVersion: '1.0.2', process: { args: ['/hello.wasm'], cwd: '/' }, root: { path: 'rootfs' } };

OciSpec('accepts a minimal spec and keeps unknown fields', () => {
  const spec = parseWithSchema(RuntimeSpecSchema, { ...valid, linux: { namespaces: [{ type: 'pid' }] }, hooks: { prestart: [] } }, 'config.json');
  assert.equal(spec.process?.args, ['/hello.wasm']);
  assert.equal((spec as Record<string, unknown>).hooks, { prestart: [] });
});

OciSpec('errors name the field by its path', () => {
  const cases: readonly [unknown, string, RegExp][] = [
    [{ ...valid, process: { ...valid.process, args: [] } }, 'process.args', /must name the program/],
    [{ ...valid, process: { cwd: '/' } }, 'process.args', /is required/],
    [{ ...valid, process: { ...valid.process, env: ['A=1', 'BROKEN'] } }, 'process.env[1]', /KEY=VALUE/],
    [{ ...valid, process: { ...valid.process, cwd: 'relative' } }, 'process.cwd', /absolute path/],
    [{ ...valid, process: { ...valid.process, args: 'hello.wasm' } }, 'process.args', /must be an array, not a string/],
    [{ ...valid, mounts: [{ destination: '/tmp', type: 'tmpfs' }, { destination: 'data' }] }, 'mounts[1].destination', /absolute path/],
    [{ ...valid, linux: { resources: { memory: { limit: 'lots' } } } }, 'linux.resources.memory.limit', /must be a number/],
    [{ process: valid.process }, 'ociVersion', /is required/],
  ];
  for (const [json, field, message] of cases) {
    const error = configError(json);
    assert.is(error.field, field, `field: got ${error.field}, want ${field}`);
    assert.match(error.message, message);
    assert.ok(error.message.startsWith(`config.json: ${field}: `), `message ${JSON.stringify(error.message)} should start with the file and field`);
  }
});

OciSpec('cwd defaults to / in a process object', () => {
  assert.is(parseWithSchema(ProcessSchema, { args: ['/a.wasm'] }, 'process.json').cwd, '/');
});

OciSpec('JSON syntax errors name the file', () => {
  try {
    parseJsonText('{"ociVersion": ', 'config.json');
    assert.unreachable('parseJsonText accepted broken JSON');
  } catch (error) {
    assert.instance(error, ConfigError);
    assert.match((error as Error).message, /^config\.json: not valid JSON/);
  }
});

OciSpec('formatPath writes indices in brackets', () => {
  assert.is(formatPath(['process', 'env', 2]), 'process.env[2]');
  assert.is(formatPath(['mounts', 0, 'options', 1]), 'mounts[0].options[1]');
  assert.is(formatPath([]), '');
});

OciSpec.run();
