/**
 * InternalError reports a kernel bug found at the syscall boundary: a handler threw
 * something that is neither a SysError nor control flow. It fails the task (like
 * changesets' InternalError) instead of being shown to the guest as an errno.
 */
export class InternalError extends Error {
  override name = 'InternalError';
  /** The WASI function whose handler failed. */
  readonly syscall: string;
  constructor(syscall: string, options: { cause: unknown }) {
    const detail = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`internal error in ${syscall}: ${detail}`, options);
    this.syscall = syscall;
  }
}
