// The call graph the instrumenter reasons about. Direct calls are edges to their target; an
// indirect call of signature S is an edge to every function that can be in the table with
// signature S (element segments and ref.func), which is sound because call_indirect traps on
// a signature mismatch. Two questions are answered here: which functions can be on the stack
// when an unwind starts (they, and only they, need Asyncify), and which functions can recurse
// (a recursive fib has no loop, so its entry is where a preemption check goes).

/** CallGraph is a directed graph over function names, stored as adjacency lists of indices. */
export class CallGraph {
  readonly names: string[] = [];
  readonly edges: number[][] = [];
  private readonly indexByName = new Map<string, number>();

  /** node returns the index of `name`, adding it if new. */
  node(name: string): number {
    let index = this.indexByName.get(name);
    if (index === undefined) {
      index = this.names.length;
      this.indexByName.set(name, index);
      this.names.push(name);
      this.edges.push([]);
    }
    return index;
  }

  /** addEdge records that `caller` may call `callee`. */
  addEdge(caller: string, callee: string): void {
    (this.edges[this.node(caller)] as number[]).push(this.node(callee));
  }

  /** callersOf returns every function from which one of `targets` is reachable, including the targets. */
  callersOf(targets: Iterable<string>): Set<string> {
    const reverse: number[][] = this.names.map(() => []);
    this.edges.forEach((callees, caller) => {
      for (const callee of callees) (reverse[callee] as number[]).push(caller);
    });
    const seen = new Uint8Array(this.names.length);
    const work: number[] = [];
    for (const target of targets) {
      const index = this.indexByName.get(target);
      if (index !== undefined && !seen[index]) {
        seen[index] = 1;
        work.push(index);
      }
    }
    while (work.length > 0) {
      for (const caller of reverse[work.pop() as number] as number[]) {
        if (!seen[caller]) {
          seen[caller] = 1;
          work.push(caller);
        }
      }
    }
    const result = new Set<string>();
    seen.forEach((flag, index) => {
      if (flag) result.add(this.names[index] as string);
    });
    return result;
  }

  /**
   * recursiveFunctions returns the functions that lie on a cycle: members of a strongly
   * connected component with more than one function, or calling themselves. Tarjan's
   * algorithm, iterative so a deep graph cannot overflow the JS stack.
   */
  recursiveFunctions(): Set<string> {
    const count = this.names.length;
    const order = new Int32Array(count).fill(-1);
    const low = new Int32Array(count);
    const onStack = new Uint8Array(count);
    const sccStack: number[] = [];
    const result = new Set<string>();
    let counter = 0;
    for (let root = 0; root < count; root++) {
      if (order[root] !== -1) continue;
      const frames: { node: number; next: number }[] = [{ node: root, next: 0 }];
      order[root] = low[root] = counter++;
      sccStack.push(root);
      onStack[root] = 1;
      while (frames.length > 0) {
        const frame = frames[frames.length - 1] as { node: number; next: number };
        const callees = this.edges[frame.node] as number[];
        if (frame.next < callees.length) {
          const callee = callees[frame.next++] as number;
          if (order[callee] === -1) {
            order[callee] = low[callee] = counter++;
            sccStack.push(callee);
            onStack[callee] = 1;
            frames.push({ node: callee, next: 0 });
          } else if (onStack[callee]) {
            low[frame.node] = Math.min(low[frame.node] as number, order[callee] as number);
          }
          continue;
        }
        frames.pop();
        const parent = frames[frames.length - 1];
        if (parent) low[parent.node] = Math.min(low[parent.node] as number, low[frame.node] as number);
        if (low[frame.node] !== order[frame.node]) continue;
        const component: number[] = [];
        for (;;) {
          const member = sccStack.pop() as number;
          onStack[member] = 0;
          component.push(member);
          if (member === frame.node) break;
        }
        const only = component[0] as number;
        if (component.length > 1 || (this.edges[only] as number[]).includes(only)) {
          for (const member of component) result.add(this.names[member] as string);
        }
      }
    }
    return result;
  }
}
