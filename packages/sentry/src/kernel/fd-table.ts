// A task's file descriptor table: fd numbers to open file descriptions, each slot with
// the rights it was granted (uvwasi-style: rights are checked at lookup, so handlers
// never repeat the check). Allocation takes the lowest free number, as POSIX requires.
import { Rights } from '../abi/wasi/rights.js';
import { sysError } from '../errors/sys-error.js';
import type { FileDescription } from '../vfs/file-description.js';

/** PATH_RIGHTS are the rights of a directory over the names in it. */
const PATH_RIGHTS = (Object.entries(Rights) as [string, bigint][])
  .filter(([name]) => name.startsWith('PATH_'))
  .reduce((all, [, right]) => all | right, 0n);

/** FdEntry is one slot of the table. */
export interface FdEntry {
  readonly description: FileDescription;
  rightsBase: bigint;
  rightsInheriting: bigint;
  /** The name a preopened directory reports through fd_prestat_dir_name. */
  readonly preopen?: string;
}

/** OpenFileCount is the kernel-wide count of open descriptions, shared by every table (ENFILE past `limit`). */
export interface OpenFileCount {
  open: number;
  readonly limit: number;
}

/** FdTable maps a task's fd numbers to file descriptions. */
export class FdTable {
  readonly #slots = new Map<number, FdEntry>();
  /** Largest number of fds this table holds (RLIMIT_NOFILE): EMFILE past it. */
  readonly limit: number;
  readonly #count: OpenFileCount;
  constructor(limit: number, count: OpenFileCount) {
    this.limit = limit;
    this.#count = count;
  }

  /** size is the number of open fds. */
  get size(): number {
    return this.#slots.size;
  }

  /** insert places an entry at the lowest free fd at or above `minimum` and returns it. */
  insert(entry: FdEntry, minimum = 0): number {
    let fd = minimum;
    while (this.#slots.has(fd)) fd += 1;
    this.insertAt(fd, entry);
    return fd;
  }

  /** insertAt places an entry at `fd`, which must be free. */
  insertAt(fd: number, entry: FdEntry): void {
    if (this.#slots.has(fd)) throw sysError.badf(`fd ${fd} is in use`);
    if (fd >= this.limit || this.#slots.size >= this.limit) throw sysError.mfile(`${this.limit} fds`);
    if (this.#count.open >= this.#count.limit) throw sysError.nfile(`${this.#count.limit} open files`);
    this.#slots.set(fd, entry);
    this.#count.open += 1;
    entry.description.references += 1;
  }

  /**
   * get returns the entry at `fd` if it holds every one of `rights`. There being no such fd
   * is EBADF. Lacking an access right on the fd itself (reading, writing, seeking...) is
   * EBADF too, as Linux answers read(2) on a write-only fd and as wasmtime reports it;
   * lacking a `path_*` right of a directory is ENOTCAPABLE.
   */
  get(fd: number, rights = 0n): FdEntry {
    const entry = this.#slots.get(fd);
    if (entry === undefined) throw sysError.badf(`fd ${fd}`);
    const missing = rights & ~entry.rightsBase;
    if (missing !== 0n) {
      const detail = `fd ${fd} lacks rights 0x${missing.toString(16)}`;
      throw (missing & PATH_RIGHTS) !== 0n ? sysError.notcapable(detail) : sysError.badf(detail);
    }
    return entry;
  }

  /** has tells whether `fd` is open. */
  has(fd: number): boolean {
    return this.#slots.has(fd);
  }

  /** close frees `fd`, releasing its description when it was the last reference. */
  close(fd: number): void {
    const entry = this.#slots.get(fd);
    if (entry === undefined) throw sysError.badf(`fd ${fd}`);
    this.#slots.delete(fd);
    this.#count.open -= 1;
    unreference(entry.description);
  }

  /** renumber moves `from` over `to` (closing what `to` held), like dup2 then close. */
  renumber(from: number, to: number): void {
    const entry = this.get(from);
    this.get(to);
    if (from === to) return;
    this.close(to);
    this.#slots.delete(from);
    this.#slots.set(to, entry);
  }

  /** entries lists the open fds in ascending order. */
  entries(): [number, FdEntry][] {
    return [...this.#slots].sort(([a], [b]) => a - b);
  }

  /** closeAll closes every fd (task exit). */
  closeAll(): void {
    for (const [fd] of this.entries()) this.close(fd);
  }
}

function unreference(description: FileDescription): void {
  description.references -= 1;
  if (description.references === 0) description.release();
}
