// TEST HARNESS ONLY: a tiny wasi_snapshot_preview1 for exercising the machine without the
// kernel. It implements just what the fixtures in test/machine/c call, with stdout/stderr
// captured into strings and stdin fed from a queue (an empty, open stdin blocks with
// WouldBlock, like the kernel's). The real syscalls live in src/syscalls/wasi.
import { WouldBlock } from '../../src/kernel/task-block.js';
import { ProcExit } from '../../src/kernel/task-exit.js';
import type { GuestFunction } from '../../src/machine/machine.js';

const ERRNO = { SUCCESS: 0, BADF: 8, SPIPE: 70 } as const;

/** MinimalWasi is the harness's state: argv, env, captured output, and a stdin queue. */
export class MinimalWasi {
  readonly args: string[];
  readonly env: string[];
  stdout = '';
  stderr = '';
  private stdin: Uint8Array[] = [];
  private stdinClosed = false;
  private wake: (() => void) | undefined;
  syscalls = 0;

  constructor(args: string[], env: string[] = []) {
    this.args = args;
    this.env = env;
  }

  /** feed appends bytes to stdin (or closes it with `null`) and wakes a blocked reader. */
  feed(text: string | null): void {
    if (text === null) this.stdinClosed = true;
    else this.stdin.push(new TextEncoder().encode(text));
    this.wake?.();
    this.wake = undefined;
  }

  /** imports returns the import object for one instance whose memory is `memory`. */
  imports(memory: WebAssembly.Memory): Record<string, Record<string, GuestFunction>> {
    const view = (): DataView => new DataView(memory.buffer);
    const bytes = (): Uint8Array => new Uint8Array(memory.buffer);
    const encoder = new TextEncoder();
    const putStrings = (list: string[], pointers: number, buffer: number): number => {
      let at = buffer;
      list.forEach((text, index) => {
        view().setUint32(pointers + index * 4, at, true);
        const encoded = encoder.encode(`${text}\0`);
        bytes().set(encoded, at);
        at += encoded.length;
      });
      return ERRNO.SUCCESS;
    };
    const sizes = (list: string[], countOut: number, sizeOut: number): number => {
      view().setUint32(countOut, list.length, true);
      view().setUint32(sizeOut, list.reduce((total, text) => total + encoder.encode(text).length + 1, 0), true);
      return ERRNO.SUCCESS;
    };
    const wasi: Record<string, GuestFunction> = {
      args_get: (pointers: number, buffer: number) => putStrings(this.args, pointers, buffer),
      args_sizes_get: (countOut: number, sizeOut: number) => sizes(this.args, countOut, sizeOut),
      environ_get: (pointers: number, buffer: number) => putStrings(this.env, pointers, buffer),
      environ_sizes_get: (countOut: number, sizeOut: number) => sizes(this.env, countOut, sizeOut),
      fd_write: (fd: number, iovs: number, count: number, writtenOut: number) => {
        if (fd !== 1 && fd !== 2) return ERRNO.BADF;
        let text = '';
        let total = 0;
        for (let index = 0; index < count; index++) {
          const base = view().getUint32(iovs + index * 8, true);
          const length = view().getUint32(iovs + index * 8 + 4, true);
          text += new TextDecoder().decode(bytes().subarray(base, base + length));
          total += length;
        }
        if (fd === 1) this.stdout += text;
        else this.stderr += text;
        view().setUint32(writtenOut, total, true);
        this.syscalls++;
        return ERRNO.SUCCESS;
      },
      fd_read: (fd: number, iovs: number, count: number, readOut: number) => {
        if (fd !== 0) return ERRNO.BADF;
        if (this.stdin.length === 0 && !this.stdinClosed) {
          throw new WouldBlock(new Promise<void>((resolve) => (this.wake = resolve)), 'read');
        }
        let total = 0;
        for (let index = 0; index < count && this.stdin.length > 0; index++) {
          const base = view().getUint32(iovs + index * 8, true);
          const length = view().getUint32(iovs + index * 8 + 4, true);
          const chunk = this.stdin[0] as Uint8Array;
          const taken = chunk.subarray(0, length);
          bytes().set(taken, base);
          total += taken.length;
          if (taken.length === chunk.length) this.stdin.shift();
          else this.stdin[0] = chunk.subarray(taken.length);
        }
        view().setUint32(readOut, total, true);
        return ERRNO.SUCCESS;
      },
      fd_close: () => ERRNO.SUCCESS,
      fd_fdstat_get: (fd: number, out: number) => {
        if (fd > 2) return ERRNO.BADF;
        bytes().fill(0, out, out + 24);
        view().setUint8(out, 2); // character device
        view().setBigUint64(out + 8, 0xffffffffn, true);
        return ERRNO.SUCCESS;
      },
      fd_seek: () => ERRNO.SPIPE,
      fd_prestat_get: () => ERRNO.BADF,
      fd_prestat_dir_name: () => ERRNO.BADF,
      proc_exit: (code: number) => {
        throw new ProcExit(code);
      },
    };
    return { wasi_snapshot_preview1: wasi };
  }
}

/** MINIMAL_WASI_IMPORTS is every import name the harness provides, as `module.name`. */
export const MINIMAL_WASI_IMPORTS: ReadonlySet<string> = new Set(
  Object.keys(new MinimalWasi([]).imports(new WebAssembly.Memory({ initial: 1 })).wasi_snapshot_preview1 ?? {}).map((name) => `wasi_snapshot_preview1.${name}`),
);
