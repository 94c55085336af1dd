import * as fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidSignalError, Signals, parseSignal, signalName } from './signals.js';

const ParseSignal = suite('parseSignal');

ParseSignal('reads numbers, names and SIG-names in any case', () => {
  for (const text of ['15', 'TERM', 'SIGTERM', 'sigterm', 'term']) assert.is(parseSignal(text), 15, `parseSignal(${text})`);
  assert.is(parseSignal('KILL'), 9);
  assert.is(parseSignal('10'), 10);
  assert.is(parseSignal('SIGWINCH'), 28);
  assert.is(parseSignal('64'), 64);
});

ParseSignal('refuses what Linux does not have', () => {
  for (const text of ['0', '65', 'SIGFOO', '', '-9', '9x', 'toString', 'constructor', '__proto__']) {
    assert.throws(() => parseSignal(text), (error: unknown) => error instanceof InvalidSignalError, `parseSignal(${JSON.stringify(text)}) should throw`);
  }
});

const SignalProperties = suite('parseSignal properties');

SignalProperties('every name and number round-trips through signalName', () => {
  fc.assert(
    fc.property(fc.constantFrom(...Object.entries(Signals)), ([name, number]) => {
      assert.is(parseSignal(name), number);
      assert.is(parseSignal(String(number)), number);
      assert.is(signalName(number), name);
    }),
  );
});

SignalProperties('any number in 1..64 is accepted as itself', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 64 }), (number) => parseSignal(String(number)) === number));
});

ParseSignal.run();
SignalProperties.run();
