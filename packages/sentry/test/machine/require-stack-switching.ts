// TEST HARNESS ONLY: run by stack-switching.test.ts in a Node started without the stack-switching
// flag; prints the error a sandbox that requires stack switching gets there.
import { Sandbox } from '../../src/sandbox.js';
import { fixturePath } from './fixtures.js';

try {
  await Sandbox.create({ module: fixturePath('exit-code'), args: ['exit-code.wasm'], env: [], stackSwitching: true, cacheDir: false });
  console.log('created');
} catch (error) {
  console.log(`${(error as Error).name}: ${(error as Error).message}`);
}
