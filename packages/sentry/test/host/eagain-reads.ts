// A host fd that has nothing yet: fs.read reports EAGAIN for it, as for a non-blocking
// descriptor that is not a stream, so the sentry's stdin retry can be tested with a plain file.
import fs from 'node:fs';

/**
 * eagainReads makes fs.read report EAGAIN for `fd` (a non-blocking descriptor with nothing
 * yet) `times` times, then read for real, counting the attempts; restore() undoes it.
 */
export function eagainReads(fd: number, times = Number.POSITIVE_INFINITY): { attempts(): number; restore(): void } {
  const original = fs.read;
  let attempts = 0;
  const patched = (target: number, ...rest: unknown[]) => {
    if (target !== fd || attempts >= times) return (original as (...args: unknown[]) => void)(target, ...rest);
    attempts++;
    const callback = rest.at(-1) as (error: NodeJS.ErrnoException | null, count: number) => void;
    const error = Object.assign(new Error('EAGAIN: resource temporarily unavailable, read'), { code: 'EAGAIN', errno: -11, syscall: 'read' });
    setImmediate(() => callback(error, 0));
  };
  (fs as { read: unknown }).read = patched;
  return {
    attempts: () => attempts,
    restore: () => {
      fs.read = original;
    },
  };
}
