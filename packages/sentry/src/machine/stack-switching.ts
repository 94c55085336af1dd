// Slice ends without unwinding: V8's stack switching (JSPI) suspends the guest's whole wasm
// stack in place while Node's event loop takes a turn, then resumes it.
//
// In anywhere mode a slice ends at a preemption check. Unwinding there (Asyncify) costs more
// than the unwind itself: every frame on the stack resumes in its slow, resumable version and
// stays there until it returns, so a long-lived frame (SQLite's `sqlite3VdbeExec`, QuickJS's
// `JS_CallInternal`) runs guarded code for the rest of the program. With stack switching the
// preempt import returns a promise instead, V8 parks the stack, and the event loop runs
// (timers, I/O, pause and checkpoint requests); the stack is unwound only when something needs
// the task stopped: a pause, a checkpoint, a kill, or another runnable task.
//
// Node 20 (V8 11) ships the first JSPI API behind `--experimental-wasm-stack-switching`: a suspending
// import takes the suspender (an externref) as its first parameter and a promising export
// receives it the same way. The guest does not carry a suspender, so a small trampoline module
// sits between the two. Its text form:
//
//   (module
//     (type $suspend (func (param externref)))
//     (type $void (func))
//     (import "stasis" "suspend" (func $suspend (type $suspend)))
//     (table $entry (export "entry") 1 1 funcref)     ;; the guest's _start, set after instantiation
//     (global $suspender (mut externref) (ref.null extern))
//     (func (export "preempt") (type $void)           ;; the guest's stasis.preempt import
//       (call $suspend (global.get $suspender)))
//     (func (export "enter") (type $suspend)          ;; wrapped as promising: the guest's entry
//       (global.set $suspender (local.get 0))
//       (call_indirect (type $void) (i32.const 0))
//       (global.set $suspender (ref.null extern))))
import { StackSwitchingUnavailableError } from './errors.js';

/** STACK_SWITCHING_NODE_FLAG is the Node option that provides stack switching (V8 11, Node 20). */
export const STACK_SWITCHING_NODE_FLAG = '--experimental-wasm-stack-switching';

/**
 * stackSwitchingNodeFlags returns the Node options that give a child Node process (started with
 * this process's executable) stack switching: the flag when this process has it or runs V8 11,
 * whose API this module speaks; none otherwise, since Node refuses an option its V8 does not
 * know (exit status 9) and later V8s changed the API.
 */
export function stackSwitchingNodeFlags(): string[] {
  const v8Major = Number(process.versions.v8.split('.')[0]);
  return stackSwitchingAvailable() || v8Major === 11 ? [STACK_SWITCHING_NODE_FLAG] : [];
}

/** SuspendableEntry is a guest instance's entry point that can suspend at its preemption checks. */
export interface SuspendableEntry {
  /** The function to give the guest as `stasis.preempt`. */
  readonly preempt: () => void;
  /** Connects the guest's entry point; call once the guest is instantiated. */
  connect(entry: () => unknown): void;
  /**
   * Runs the entry point. If it suspended, the result is a promise that settles when it returns
   * or throws; if it never suspended, V8's first API returns (or throws) at once, like a call.
   */
  enter(): unknown;
}

interface StackSwitchingApi {
  readonly Function: new (type: { parameters: string[]; results: string[] }, fn: (...args: never[]) => unknown, options: { suspending?: 'first'; promising?: 'first' }) => (...args: unknown[]) => unknown;
}

let trampolineModule: WebAssembly.Module | undefined;
let available: boolean | undefined;

/** stackSwitchingAvailable says whether this process can suspend wasm stacks (checked once). */
export function stackSwitchingAvailable(): boolean {
  if (available === undefined) {
    try {
      const api = WebAssembly as unknown as Partial<StackSwitchingApi> & { Suspender?: unknown };
      // The first API: WebAssembly.Suspender exists and WebAssembly.Function takes `suspending`.
      available = typeof api.Suspender === 'function' && typeof api.Function === 'function';
      if (available) new (api as StackSwitchingApi).Function({ parameters: ['externref'], results: [] }, () => undefined, { suspending: 'first' });
    } catch {
      available = false;
    }
  }
  return available;
}

/**
 * suspendableEntry builds the trampoline for one guest instance. `preempt` is called at every
 * preemption check; returning a promise suspends the guest's stack until it settles (a
 * rejection throws out of the guest), returning anything else continues at once.
 */
export function suspendableEntry(preempt: () => Promise<void> | undefined): SuspendableEntry {
  if (!stackSwitchingAvailable()) throw new StackSwitchingUnavailableError();
  const api = WebAssembly as unknown as StackSwitchingApi;
  trampolineModule ??= new WebAssembly.Module(trampolineBytes());
  const suspend = new api.Function({ parameters: ['externref'], results: [] }, preempt, { suspending: 'first' });
  const instance = new WebAssembly.Instance(trampolineModule, { stasis: { suspend: suspend as WebAssembly.ImportValue } });
  const exports = instance.exports;
  const enter = new api.Function({ parameters: [], results: ['externref'] }, exports.enter as () => void, { promising: 'first' }) as () => unknown;
  return {
    preempt: exports.preempt as () => void,
    connect: (entry) => (exports.entry as WebAssembly.Table).set(0, entry),
    enter,
  };
}

/** trampolineBytes encodes the module in the file comment. */
function trampolineBytes(): Uint8Array {
  const externref = 0x6f;
  const funcref = 0x70;
  const name = (text: string): number[] => [text.length, ...Buffer.from(text, 'ascii')];
  const vector = (items: number[][]): number[] => [items.length, ...items.flat()];
  const section = (id: number, content: number[]): number[] => [id, content.length, ...content];
  const body = (code: number[]): number[] => [code.length + 1, 0x00, ...code]; // no locals
  const END = 0x0b;
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    // types: 0 = (externref) -> (), 1 = () -> ()
    ...section(1, vector([[0x60, 1, externref, 0], [0x60, 0, 0]])),
    ...section(2, vector([[...name('stasis'), ...name('suspend'), 0x00, 0]])),
    // functions 1 (preempt) and 2 (enter); 0 is the import
    ...section(3, vector([[1], [0]])),
    ...section(4, vector([[funcref, 0x01, 1, 1]])),
    ...section(6, vector([[externref, 0x01, 0xd0, externref, END]])),
    ...section(7, vector([[...name('preempt'), 0x00, 1], [...name('enter'), 0x00, 2], [...name('entry'), 0x01, 0]])),
    ...section(
      10,
      vector([
        // global.get 0; call 0
        body([0x23, 0, 0x10, 0, END]),
        // local.get 0; global.set 0; i32.const 0; call_indirect type 1 table 0; ref.null extern; global.set 0
        body([0x20, 0, 0x24, 0, 0x41, 0, 0x11, 1, 0, 0xd0, externref, 0x24, 0, END]),
      ]),
    ),
  ]);
}
