import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fixturePath } from '../../test/machine/fixtures.js';
import { wat } from '../../test/machine/wat.js';
import type { Binaryen, BinaryenModule } from './binaryen-api.js';
import { type ExpressionTree, expressionTreeReader } from './expression-tree.js';
import { expressionChildren } from './function-scan.js';

const ExpressionTreeSuite = suite('ExpressionTree');

async function loadBinaryen(): Promise<Binaryen> {
  return (await import('binaryen')).default as unknown as Binaryen;
}

function bodiesOf(binaryen: Binaryen, module: BinaryenModule): { name: string; body: number }[] {
  const bodies: { name: string; body: number }[] = [];
  for (let index = 0, count = module.getNumFunctions(); index < count; index++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(index));
    if (info.body) bodies.push({ name: info.name, body: info.body });
  }
  return bodies;
}

/** sameShape checks the tree node by node against a breadth-first walk through expressionChildren. */
function sameShape(binaryen: Binaryen, tree: ExpressionTree, root: number, where: string): void {
  const children = expressionChildren(binaryen);
  const queue = [root];
  for (let node = 0; node < queue.length; node++) {
    const expression = queue[node] as number;
    assert.is(tree.refs[node], expression, `${where}: node ${node}: got ref ${tree.refs[node]}, want ${expression}`);
    assert.is(tree.ids[node], binaryen.getExpressionId(expression), `${where}: node ${node}: id`);
    const list = children(expression) ?? [];
    assert.is(tree.childCount[node], list.length, `${where}: node ${node}: got ${tree.childCount[node]} children, want ${list.length}`);
    for (let index = 0; index < list.length; index++) {
      assert.is(tree.refs[(tree.firstChild[node] as number) + index], list[index], `${where}: node ${node}: child ${index}`);
    }
    queue.push(...list);
  }
  assert.is(tree.size, queue.length, `${where}: got ${tree.size} nodes, want ${queue.length}`);
  assert.ok(tree.known, `${where}: known`);
}

ExpressionTreeSuite('lists every node of a fixture in the order and with the children expressionChildren gives', async () => {
  const binaryen = await loadBinaryen();
  const module = binaryen.readBinary(new Uint8Array(readFileSync(fixturePath('fib'))), binaryen.Features.All);
  try {
    const read = expressionTreeReader(binaryen);
    const bodies = bodiesOf(binaryen, module);
    assert.ok(bodies.length > 10, `fib has ${bodies.length} bodies`);
    for (const { name, body } of bodies) sameShape(binaryen, read(body), body, name);
  } finally {
    module.dispose();
  }
});

ExpressionTreeSuite('marks which single children are present', async () => {
  const binaryen = await loadBinaryen();
  const bytes = await wat(`(module
    (func $f (param $x i32) (result i32)
      (block $out (result i32)
        (drop (br_if $out (i32.const 1) (local.get $x)))
        (if (local.get $x) (then (br $out (i32.const 2))))
        (br_if $out (i32.const 3) (i32.eqz (local.get $x))))))`);
  const module = binaryen.readBinary(bytes, binaryen.Features.All);
  try {
    const [only] = bodiesOf(binaryen, module);
    assert.ok(only);
    const tree = expressionTreeReader(binaryen)(only.body);
    sameShape(binaryen, tree, only.body, 'f');
    const masks: Record<string, number[]> = { break: [], if: [] };
    for (let node = 0; node < tree.size; node++) {
      if (tree.ids[node] === binaryen.BreakId) masks.break?.push(tree.present[node] as number);
      if (tree.ids[node] === binaryen.IfId) masks.if?.push(tree.present[node] as number);
    }
    // Break: bit 0 the condition, bit 1 the value; If: condition, true arm, no false arm.
    assert.equal(masks.break?.sort(), [2, 3, 3], `break masks: got ${masks.break}`);
    assert.equal(masks.if, [3], `if masks: got ${masks.if}`);
  } finally {
    module.dispose();
  }
});

ExpressionTreeSuite.run();
