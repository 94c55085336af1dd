// Save and load of pipes: the buffered bytes and identity; the count of open ends is
// rebuilt as the loaded descriptions attach to the pipe.
import { z } from 'zod';
import { Pipe } from './pipe.js';

/** PipeStateV1 is a pipe's identity, capacity and buffered bytes. */
export const PipeStateV1 = z.object({ ino: z.bigint(), dev: z.bigint(), createdAt: z.bigint(), capacity: z.number().int(), buffered: z.instanceof(Uint8Array) });
/** PipeStateV1 is the saved form of a Pipe. */
export type PipeStateV1 = z.infer<typeof PipeStateV1>;

/** savePipe returns the state of `pipe`, the same object for every end (via `context`). */
export function savePipe(pipe: Pipe, context: Map<Pipe, PipeStateV1>): PipeStateV1 {
  const known = context.get(pipe);
  if (known !== undefined) return known;
  const state: PipeStateV1 = { ino: pipe.ino, dev: pipe.dev, createdAt: pipe.createdAt, capacity: pipe.capacity, buffered: Buffer.concat(pipe.chunks) };
  context.set(pipe, state);
  return state;
}

/** loadPipe rebuilds a pipe with no ends open; its ends are made by loading their descriptions. */
export function loadPipe(state: PipeStateV1, context: Map<PipeStateV1, Pipe>): Pipe {
  const known = context.get(state);
  if (known !== undefined) return known;
  const pipe = new Pipe(state.ino, state.dev, state.createdAt, state.capacity);
  if (state.buffered.length > 0) pipe.chunks.push(state.buffered.slice());
  pipe.buffered = state.buffered.length;
  context.set(state, pipe);
  return pipe;
}
