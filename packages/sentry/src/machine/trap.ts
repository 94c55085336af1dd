// Traps: a guest that executes `unreachable`, divides by zero, or reads outside its memory
// stops with a WebAssembly.RuntimeError thrown by V8. The task ends with status 134 (as a
// process killed by SIGABRT, which is what wasmtime's CLI reports) and a wasmtime-style
// report on the sandbox's stderr.

/** TRAP_EXIT_CODE is the exit status of a task that trapped (128 + SIGABRT), as wasmtime reports. */
export const TRAP_EXIT_CODE = 134;

/**
 * TRAP_MESSAGES maps V8's trap messages to wasmtime's wording (wasmtime crates/environ
 * src/trap_encoding.rs), so reports match what users of wasmtime expect.
 */
const TRAP_MESSAGES = [
  { v8: 'unreachable', wasmtime: 'wasm `unreachable` instruction executed' },
  { v8: 'memory access out of bounds', wasmtime: 'out of bounds memory access' },
  { v8: 'divide by zero', wasmtime: 'integer divide by zero' },
  { v8: 'remainder by zero', wasmtime: 'integer divide by zero' },
  { v8: 'integer overflow', wasmtime: 'integer overflow' },
  { v8: 'float unrepresentable in integer range', wasmtime: 'invalid conversion to integer' },
  { v8: 'table index is out of bounds', wasmtime: 'undefined element: out of bounds table access' },
  { v8: 'null function or function signature mismatch', wasmtime: 'indirect call type mismatch' },
  { v8: 'Maximum call stack size exceeded', wasmtime: 'call stack exhausted' },
] as const;

/** Trap describes why guest code stopped abnormally. */
export interface Trap {
  /** wasmtime's wording of the trap, e.g. "wasm `unreachable` instruction executed". */
  readonly message: string;
  /** Guest frames, innermost first, as `0x<offset> - <function>` (offsets in the instrumented module). */
  readonly backtrace: readonly string[];
  readonly cause: unknown;
}

/** isTrap reports whether an error thrown out of guest code is a trap rather than a host error. */
export function isTrap(error: unknown): error is Error {
  if (error instanceof WebAssembly.RuntimeError) return true;
  // V8 reports guest stack exhaustion as a RangeError; it is the guest's, not the host's.
  return error instanceof RangeError && error.message.includes('Maximum call stack size exceeded');
}

/** describeTrap turns a trap error into a Trap with wasmtime wording and guest frames. */
export function describeTrap(error: Error): Trap {
  const known = TRAP_MESSAGES.find((entry) => error.message.includes(entry.v8));
  const backtrace: string[] = [];
  for (const line of (error.stack ?? '').split('\n')) {
    const frame = /at (?:(\S+) )?\(?wasm:\/\/wasm\/[^:]+:wasm-function\[(\d+)\]:(0x[0-9a-f]+)\)?/.exec(line);
    if (frame) backtrace.push(`${frame[3]} - ${frame[1] ?? `<wasm function ${frame[2]}>`}`);
  }
  return { message: known?.wasmtime ?? error.message, backtrace, cause: error };
}

/** formatTrapReport renders a trap the way `wasmtime run` prints it. */
export function formatTrapReport(program: string, trap: Trap): string {
  const lines = [`Error: failed to run main module \`${program}\``, '', 'Caused by:', '    0: failed to invoke command default'];
  if (trap.backtrace.length > 0) {
    lines.push('    1: error while executing at wasm backtrace:');
    trap.backtrace.forEach((frame, index) => {
      lines.push(`           ${String(index).padStart(2)}: ${frame}`);
    });
    lines.push(`    2: wasm trap: ${trap.message}`);
  } else {
    lines.push(`    1: wasm trap: ${trap.message}`);
  }
  return `${lines.join('\n')}\n`;
}
