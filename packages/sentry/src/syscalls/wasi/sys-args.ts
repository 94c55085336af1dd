// args_* and environ_*: the guest sees exactly the argv and environment its task was given.
import type { SyscallCall } from './dispatch.js';
import { encodeString } from './guest-memory.js';

function sizes(call: SyscallCall, items: readonly string[], countPointer: number, sizePointer: number): void {
  let bytes = 0;
  for (const item of items) bytes += encodeString(item).length + 1;
  call.memory.check(countPointer, 4);
  call.memory.check(sizePointer, 4);
  call.memory.setU32(countPointer, items.length);
  call.memory.setU32(sizePointer, bytes);
}

function strings(call: SyscallCall, items: readonly string[], pointersPointer: number, bufferPointer: number): void {
  const encoded = items.map((item) => encodeString(item));
  let bytes = 0;
  for (const item of encoded) bytes += item.length + 1;
  const memory = call.memory;
  memory.check(pointersPointer, items.length * 4);
  const buffer = memory.slice(bufferPointer, bytes);
  let offset = 0;
  encoded.forEach((item, index) => {
    memory.setU32(pointersPointer + index * 4, ((bufferPointer >>> 0) + offset) >>> 0);
    buffer.set(item, offset);
    buffer[offset + item.length] = 0;
    offset += item.length + 1;
  });
}

/** argsSizesGet implements args_sizes_get(argc_ptr, argv_buf_size_ptr). */
export function argsSizesGet(call: SyscallCall, countPointer: number, sizePointer: number): void {
  sizes(call, call.task.args, countPointer, sizePointer);
}

/** argsGet implements args_get(argv_ptr, argv_buf_ptr). */
export function argsGet(call: SyscallCall, pointersPointer: number, bufferPointer: number): void {
  strings(call, call.task.args, pointersPointer, bufferPointer);
}

/** environSizesGet implements environ_sizes_get(count_ptr, buf_size_ptr). */
export function environSizesGet(call: SyscallCall, countPointer: number, sizePointer: number): void {
  sizes(call, call.task.env, countPointer, sizePointer);
}

/** environGet implements environ_get(environ_ptr, environ_buf_ptr). */
export function environGet(call: SyscallCall, pointersPointer: number, bufferPointer: number): void {
  strings(call, call.task.env, pointersPointer, bufferPointer);
}
