// The one error type of the kernel's inner layers, modelled on gVisor's linuxerr: every
// failure a guest can observe is a SysError carrying a WASI errno. The syscall dispatch
// boundary turns it into the call's return value; anything else thrown is a kernel bug.
import { Errno, errnoName } from '../abi/wasi/errno.js';

/** SysError is a failure the guest observes as `errno`; callers compare `errno`, never the message. */
export class SysError extends Error {
  override name = 'SysError';
  readonly errno: Errno;
  constructor(errno: Errno, message?: string, options?: { cause?: unknown }) {
    // A SysError is an ordinary result (ENOENT for a name that is not there), not a bug: it
    // is created on hot syscall paths, where capturing the stack through the guest's wasm
    // frames cost more than the host call itself (a fifth of the syscalls benchmark).
    // Kernel bugs are InternalErrors, which keep their stacks; `cause` keeps the host error.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message === undefined ? errnoName(errno) : `${errnoName(errno)}: ${message}`, options);
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
    this.errno = errno;
  }
}

/** isSysError tells whether `error` is a SysError, and when `errno` is given, one with that errno. */
export function isSysError(error: unknown, errno?: Errno): error is SysError {
  return error instanceof SysError && (errno === undefined || error.errno === errno);
}

type ErrnoFactory = (message?: string, options?: { cause?: unknown }) => SysError;

function factory(errno: Errno): ErrnoFactory {
  return (message, options) => new SysError(errno, message, options);
}

/** sysError builds SysErrors by errno name: `throw sysError.badf('fd 9')`. */
export const sysError = {
  acces: factory(Errno.ACCES),
  again: factory(Errno.AGAIN),
  badf: factory(Errno.BADF),
  busy: factory(Errno.BUSY),
  exist: factory(Errno.EXIST),
  fault: factory(Errno.FAULT),
  fbig: factory(Errno.FBIG),
  ilseq: factory(Errno.ILSEQ),
  inval: factory(Errno.INVAL),
  io: factory(Errno.IO),
  isdir: factory(Errno.ISDIR),
  loop: factory(Errno.LOOP),
  mfile: factory(Errno.MFILE),
  nametoolong: factory(Errno.NAMETOOLONG),
  nodev: factory(Errno.NODEV),
  nfile: factory(Errno.NFILE),
  noent: factory(Errno.NOENT),
  nospc: factory(Errno.NOSPC),
  nxio: factory(Errno.NXIO),
  nosys: factory(Errno.NOSYS),
  notcapable: factory(Errno.NOTCAPABLE),
  notdir: factory(Errno.NOTDIR),
  notempty: factory(Errno.NOTEMPTY),
  notsock: factory(Errno.NOTSOCK),
  notsup: factory(Errno.NOTSUP),
  overflow: factory(Errno.OVERFLOW),
  perm: factory(Errno.PERM),
  pipe: factory(Errno.PIPE),
  rofs: factory(Errno.ROFS),
  spipe: factory(Errno.SPIPE),
  xdev: factory(Errno.XDEV),
} as const;

/** HOST_ERRNO maps Node's `error.code` of a failed host call to the WASI errno, as uvwasi's uvwasi__translate_uv_error does. */
const HOST_ERRNO: Readonly<Record<string, Errno>> = {
  E2BIG: Errno.TOOBIG,
  EACCES: Errno.ACCES,
  EADDRINUSE: Errno.ADDRINUSE,
  EADDRNOTAVAIL: Errno.ADDRNOTAVAIL,
  EAGAIN: Errno.AGAIN,
  EBADF: Errno.BADF,
  EBUSY: Errno.BUSY,
  ECONNREFUSED: Errno.CONNREFUSED,
  ECONNRESET: Errno.CONNRESET,
  EDQUOT: Errno.DQUOT,
  EEXIST: Errno.EXIST,
  EFBIG: Errno.FBIG,
  EINTR: Errno.INTR,
  EINVAL: Errno.INVAL,
  EIO: Errno.IO,
  EISDIR: Errno.ISDIR,
  ELOOP: Errno.LOOP,
  EMFILE: Errno.MFILE,
  EMLINK: Errno.MLINK,
  ENAMETOOLONG: Errno.NAMETOOLONG,
  ENFILE: Errno.NFILE,
  ENODEV: Errno.NODEV,
  ENOENT: Errno.NOENT,
  ENOMEM: Errno.NOMEM,
  ENOSPC: Errno.NOSPC,
  ENOSYS: Errno.NOSYS,
  ENOTCONN: Errno.NOTCONN,
  ENOTDIR: Errno.NOTDIR,
  ENOTEMPTY: Errno.NOTEMPTY,
  ENOTSOCK: Errno.NOTSOCK,
  ENOTSUP: Errno.NOTSUP,
  ENXIO: Errno.NXIO,
  EOPNOTSUPP: Errno.NOTSUP,
  EPERM: Errno.PERM,
  EPIPE: Errno.PIPE,
  EROFS: Errno.ROFS,
  ESPIPE: Errno.SPIPE,
  ETIMEDOUT: Errno.TIMEDOUT,
  ETXTBSY: Errno.TXTBSY,
  EXDEV: Errno.XDEV,
};

/**
 * fromHostError converts a failed `node:fs` call into a SysError with the matching errno
 * (EIO for a code it does not know), keeping the host error as `cause`.
 */
export function fromHostError(error: unknown, operation: string): SysError {
  if (error instanceof SysError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const errno = typeof code === 'string' ? HOST_ERRNO[code] : undefined;
  return new SysError(errno ?? Errno.IO, `${operation}: host ${typeof code === 'string' ? code : 'error'}`, {
    cause: error,
  });
}
