import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { anyFeatureSetArbitrary, featureSetArbitrary } from '../test/arbitraries.js';
import { expectError } from '../test/expect-error.js';
import { ArchitectureMismatchError, UnknownFeatureError } from './errors.js';
import { FeatureSet } from './feature-set.js';
import { featureTable } from './feature-table.js';
import { intersect, isSubset, subtract, union } from './set-algebra.js';

const Set_ = suite('FeatureSet');

Set_('lists names in Linux order whatever order they were given in', () => {
  const set = FeatureSet.of('x86_64', ['avx2', 'fpu', 'sse4a', 'xsaveopt', 'lm']);
  assert.equal(set.names(), ['fpu', 'lm', 'sse4a', 'avx2', 'xsaveopt']);
  assert.is(set.size, 5);
});

Set_('has, with and without answer by name', () => {
  const set = FeatureSet.of('arm64', ['fp', 'asimd']);
  assert.ok(set.has('fp'));
  assert.not.ok(set.has('sve'));
  assert.ok(set.with('sve').has('sve'));
  assert.not.ok(set.without('fp').has('fp'));
  assert.ok(set.has('fp'), 'with/without must not change the original');
});

Set_('is a frozen value: equal contents compare equal, sets cannot be mutated', () => {
  const left = FeatureSet.of('x86_64', ['sse', 'sse2']);
  const right = FeatureSet.empty('x86_64').with('sse2').with('sse');
  assert.ok(left.equals(right));
  assert.ok(Object.isFrozen(left));
  assert.throws(() => {
    (left as { bits: bigint }).bits = 0n;
  });
  assert.not.ok(FeatureSet.empty('x86_64').equals(FeatureSet.empty('arm64')), 'empty sets of two architectures differ');
});

Set_('all holds every feature of the table; empty holds none', () => {
  assert.is(FeatureSet.all('x86_64').size, 173);
  assert.equal(FeatureSet.all('arm64').names(), [...featureTable('arm64').names]);
  assert.ok(FeatureSet.empty('x86_64').isEmpty());
});

Set_('an unknown name is an UnknownFeatureError naming it', () => {
  for (const call of [() => FeatureSet.of('x86_64', ['sse', 'avx1024']), () => FeatureSet.empty('x86_64').has('avx1024'), () => FeatureSet.empty('x86_64').with('avx1024')]) {
    const error = expectError(call, UnknownFeatureError);
    assert.is(error.feature, 'avx1024');
    assert.is(error.arch, 'x86_64');
  }
  expectError(() => FeatureSet.of('arm64', ['avx']), UnknownFeatureError, 'x86 names on arm64');
});

Set_('fromBits refuses bits beyond the table', () => {
  expectError(() => FeatureSet.fromBits('x86_64', 1n << 173n), RangeError);
  expectError(() => FeatureSet.fromBits('x86_64', -1n), RangeError);
  assert.ok(FeatureSet.fromBits('x86_64', 1n).has('fpu'));
});

Set_('toJSON and toString show the architecture and names', () => {
  const set = FeatureSet.of('x86_64', ['sse2', 'fpu']);
  assert.is(JSON.stringify(set), '{"arch":"x86_64","features":["fpu","sse2"]}');
  assert.is(String(set), 'x86_64: fpu sse2');
});

Set_('set algebra on sets of two architectures is an ArchitectureMismatchError', () => {
  const x86 = FeatureSet.of('x86_64', ['fpu']);
  const arm = FeatureSet.of('arm64', ['fp']);
  for (const operation of [union, intersect, subtract, isSubset]) {
    const error = expectError(() => operation(x86, arm), ArchitectureMismatchError, operation.name);
    assert.equal([error.left, error.right], ['x86_64', 'arm64']);
  }
});

const Laws = suite('FeatureSet properties');
const triples = fc.constantFrom('x86_64' as const, 'arm64' as const).chain((arch) => fc.tuple(featureSetArbitrary(arch), featureSetArbitrary(arch), featureSetArbitrary(arch)));
const same = (left: FeatureSet, right: FeatureSet) => assert.ok(left.equals(right), `got ${left}, want ${right}`);

Laws('union and intersect are commutative, associative and idempotent', () => {
  fc.assert(
    fc.property(triples, ([a, b, c]) => {
      same(union(a, b), union(b, a));
      same(intersect(a, b), intersect(b, a));
      same(union(union(a, b), c), union(a, union(b, c)));
      same(intersect(intersect(a, b), c), intersect(a, intersect(b, c)));
      same(union(a, a), a);
      same(intersect(a, a), a);
    }),
  );
});

Laws('distributivity and absorption hold', () => {
  fc.assert(
    fc.property(triples, ([a, b, c]) => {
      same(intersect(a, union(b, c)), union(intersect(a, b), intersect(a, c)));
      same(union(a, intersect(b, c)), intersect(union(a, b), union(a, c)));
      same(union(a, intersect(a, b)), a);
      same(intersect(a, union(a, b)), a);
    }),
  );
});

Laws('subtract removes exactly the other set, and De Morgan holds for it', () => {
  fc.assert(
    fc.property(triples, ([a, b, c]) => {
      same(intersect(subtract(a, b), b), FeatureSet.empty(a.arch));
      same(union(subtract(a, b), intersect(a, b)), a);
      same(subtract(a, union(b, c)), intersect(subtract(a, b), subtract(a, c)));
      same(subtract(a, intersect(b, c)), union(subtract(a, b), subtract(a, c)));
      same(subtract(a, FeatureSet.empty(a.arch)), a);
      same(subtract(a, a), FeatureSet.empty(a.arch));
    }),
  );
});

Laws('isSubset is a partial order that agrees with union and intersect', () => {
  fc.assert(
    fc.property(triples, ([a, b, c]) => {
      assert.ok(isSubset(a, a));
      assert.ok(isSubset(intersect(a, b), a));
      assert.ok(isSubset(a, union(a, b)));
      assert.is(isSubset(a, b) && isSubset(b, a), a.equals(b));
      if (isSubset(a, b) && isSubset(b, c)) assert.ok(isSubset(a, c));
      assert.is(isSubset(a, b), union(a, b).equals(b));
      assert.ok(isSubset(FeatureSet.empty(a.arch), a) && isSubset(a, FeatureSet.all(a.arch)));
    }),
  );
});

Laws('names() is the table order restricted to the set, and rebuilds the set', () => {
  fc.assert(
    fc.property(anyFeatureSetArbitrary, (set) => {
      const table = featureTable(set.arch);
      assert.equal(
        set.names(),
        table.names.filter((name) => set.has(name)),
      );
      same(FeatureSet.of(set.arch, set.names()), set);
      assert.is(set.size, set.names().length);
    }),
  );
});

Laws('with and without toggle exactly one feature', () => {
  fc.assert(
    fc.property(
      anyFeatureSetArbitrary.chain((set) => fc.tuple(fc.constant(set), fc.constantFrom(...featureTable(set.arch).names))),
      ([set, name]) => {
        const added = set.with(name);
        const removed = set.without(name);
        assert.ok(added.has(name) && !removed.has(name));
        same(subtract(added, removed), FeatureSet.of(set.arch, [name]));
        same(union(removed, FeatureSet.of(set.arch, [name])), added);
      },
    ),
  );
});

Set_.run();
Laws.run();
