import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CallGraph } from './call-graph.js';

function graphOf(edges: readonly [string, string][], nodes: readonly string[] = []): CallGraph {
  const graph = new CallGraph();
  for (const node of nodes) graph.node(node);
  for (const [caller, callee] of edges) graph.addEdge(caller, callee);
  return graph;
}

const Graph = suite('CallGraph');

Graph('recursiveFunctions finds self calls and cycles, not chains', () => {
  const graph = graphOf([
    ['main', 'a'],
    ['a', 'b'],
    ['b', 'a'],
    ['main', 'fib'],
    ['fib', 'fib'],
    ['main', 'leaf'],
  ]);
  assert.equal([...graph.recursiveFunctions()].sort(), ['a', 'b', 'fib']);
});

Graph('callersOf walks callers transitively and includes the targets', () => {
  const graph = graphOf([
    ['main', 'io'],
    ['io', 'fd_write'],
    ['main', 'pure'],
    ['other', 'pure'],
  ]);
  assert.equal([...graph.callersOf(['fd_write'])].sort(), ['fd_write', 'io', 'main']);
  assert.equal([...graph.callersOf(['nothing'])], []);
});

Graph.run();

const GraphProperties = suite('CallGraph properties');

const randomGraph = fc
  .integer({ min: 1, max: 12 })
  .chain((size) => fc.tuple(fc.constant(size), fc.array(fc.tuple(fc.nat(size - 1), fc.nat(size - 1)), { maxLength: size * 3 })));

function reachable(edges: readonly [number, number][], from: number): Set<number> {
  const seen = new Set<number>();
  const work = edges.filter(([caller]) => caller === from).map(([, callee]) => callee);
  while (work.length > 0) {
    const node = work.pop() as number;
    if (seen.has(node)) continue;
    seen.add(node);
    for (const [caller, callee] of edges) if (caller === node) work.push(callee);
  }
  return seen;
}

GraphProperties('a function is recursive exactly when it can reach itself', () => {
  fc.assert(
    fc.property(randomGraph, ([size, edges]) => {
      const graph = graphOf(
        edges.map(([caller, callee]) => [`f${caller}`, `f${callee}`]),
        Array.from({ length: size }, (_, index) => `f${index}`),
      );
      const recursive = graph.recursiveFunctions();
      for (let node = 0; node < size; node++) {
        assert.is(recursive.has(`f${node}`), reachable(edges, node).has(node), `f${node} in ${JSON.stringify(edges)}`);
      }
    }),
    { numRuns: 500, seed: Number(process.env.FC_SEED ?? 11) },
  );
});

GraphProperties('callersOf(target) is every function that reaches the target', () => {
  fc.assert(
    fc.property(randomGraph, ([size, edges]) => {
      const graph = graphOf(
        edges.map(([caller, callee]) => [`f${caller}`, `f${callee}`]),
        Array.from({ length: size }, (_, index) => `f${index}`),
      );
      const callers = graph.callersOf(['f0']);
      for (let node = 0; node < size; node++) {
        assert.is(callers.has(`f${node}`), node === 0 || reachable(edges, node).has(0), `f${node} in ${JSON.stringify(edges)}`);
      }
    }),
    { numRuns: 500, seed: Number(process.env.FC_SEED ?? 12) },
  );
});

GraphProperties.run();
