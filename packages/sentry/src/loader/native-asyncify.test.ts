import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findWasmOpt } from './native-asyncify.js';

/** DEBIAN_WASM_OPT is where Debian's binaryen package puts its native wasm-opt. */
const DEBIAN_WASM_OPT = '/usr/bin/wasm-opt';

const Find = suite('findWasmOpt');

Find('prefers a native wasm-opt on PATH to a script found earlier (npm binaryen under pnpm scripts)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'stasis-find-wasm-opt-'));
  const saved = { PATH: process.env.PATH, STASIS_WASM_OPT: process.env.STASIS_WASM_OPT };
  try {
    const scripts = join(root, 'node_modules', '.bin');
    mkdirSync(scripts, { recursive: true });
    const script = join(scripts, 'wasm-opt');
    writeFileSync(script, '#!/bin/sh\necho "wasm-opt version 132 (script)"\n');
    chmodSync(script, 0o755);
    let native = true;
    try {
      accessSync(DEBIAN_WASM_OPT, constants.X_OK);
    } catch {
      native = false;
    }
    process.env.PATH = [scripts, '/usr/bin'].join(delimiter);
    delete process.env.STASIS_WASM_OPT;
    const found = await findWasmOpt();
    // Without Debian's binaryen the script is the only candidate, and it is taken.
    assert.is(found?.path, native ? DEBIAN_WASM_OPT : script, native ? 'the native tool wins' : 'only the script is there');
    process.env.STASIS_WASM_OPT = script;
    assert.is((await findWasmOpt())?.path, script, '$STASIS_WASM_OPT is taken as given');
    process.env.PATH = scripts;
    delete process.env.STASIS_WASM_OPT;
    assert.equal(await findWasmOpt(), { path: script, version: 132, tool: 'wasm-opt 132' });
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.STASIS_WASM_OPT === undefined) delete process.env.STASIS_WASM_OPT;
    else process.env.STASIS_WASM_OPT = saved.STASIS_WASM_OPT;
    rmSync(root, { recursive: true, force: true });
  }
});

Find.run();
