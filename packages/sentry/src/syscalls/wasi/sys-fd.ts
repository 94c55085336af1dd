// fd_*: operations on open fds. Each handler looks its fd up with the rights the call
// needs (EBADF / ENOTCAPABLE at lookup), validates its guest pointers, does the work, and
// writes its results last, so a failing call leaves guest memory untouched.
import { Fdflags, Fstflags, Whence } from '../../abi/wasi/flags.js';
import { Rights } from '../../abi/wasi/rights.js';
import { sysError } from '../../errors/sys-error.js';
import type { SyscallCall } from './dispatch.js';
import { encodeDirents, encodeString } from './guest-memory.js';
import { transferAll } from './io-result.js';

const ALL_FDFLAGS = Fdflags.APPEND | Fdflags.DSYNC | Fdflags.NONBLOCK | Fdflags.RSYNC | Fdflags.SYNC;

/** timesFromFlags turns (atim, mtim, fstflags) into the values to set: null leaves a time unchanged. */
export function timesFromFlags(call: SyscallCall, atim: bigint, mtim: bigint, fstflags: number): { atim: bigint | null; mtim: bigint | null } {
  if ((fstflags & ~(Fstflags.ATIM | Fstflags.ATIM_NOW | Fstflags.MTIM | Fstflags.MTIM_NOW)) !== 0) {
    throw sysError.inval(`fstflags 0x${fstflags.toString(16)}`);
  }
  if ((fstflags & Fstflags.ATIM) !== 0 && (fstflags & Fstflags.ATIM_NOW) !== 0) throw sysError.inval('ATIM with ATIM_NOW');
  if ((fstflags & Fstflags.MTIM) !== 0 && (fstflags & Fstflags.MTIM_NOW) !== 0) throw sysError.inval('MTIM with MTIM_NOW');
  const now = call.kernel.clock.realtime();
  const pick = (value: bigint, set: number, setNow: number) =>
    (fstflags & setNow) !== 0 ? now : (fstflags & set) !== 0 ? BigInt.asUintN(64, value) : null;
  return { atim: pick(atim, Fstflags.ATIM, Fstflags.ATIM_NOW), mtim: pick(mtim, Fstflags.MTIM, Fstflags.MTIM_NOW) };
}

/** fdAdvise implements fd_advise(fd, offset, len, advice). */
export function fdAdvise(call: SyscallCall, fd: number, offset: bigint, length: bigint, advice: number): void {
  const { description } = call.task.fdTable.get(fd, Rights.FD_ADVISE);
  if (BigInt.asIntN(64, offset) < 0n || BigInt.asIntN(64, length) < 0n) throw sysError.inval('negative range');
  description.advise(offset, length, advice);
}

/** fdAllocate implements fd_allocate(fd, offset, len). */
export function fdAllocate(call: SyscallCall, fd: number, offset: bigint, length: bigint): void {
  const { description } = call.task.fdTable.get(fd, Rights.FD_ALLOCATE);
  description.allocate(BigInt.asIntN(64, offset), BigInt.asIntN(64, length));
}

/** fdClose implements fd_close(fd); closing a preopen is allowed, as in wasmtime. */
export function fdClose(call: SyscallCall, fd: number): void {
  call.task.fdTable.close(fd);
}

/** fdDatasync implements fd_datasync(fd). */
export function fdDatasync(call: SyscallCall, fd: number): void {
  call.task.fdTable.get(fd, Rights.FD_DATASYNC).description.datasync();
}

/** fdSync implements fd_sync(fd). */
export function fdSync(call: SyscallCall, fd: number): void {
  call.task.fdTable.get(fd, Rights.FD_SYNC).description.sync();
}

/** fdFdstatGet implements fd_fdstat_get(fd, fdstat_ptr): type, flags as set, and rights. */
export function fdFdstatGet(call: SyscallCall, fd: number, pointer: number): void {
  const entry = call.task.fdTable.get(fd);
  call.memory.writeFdstat(pointer, {
    filetype: entry.description.filetype,
    flags: entry.description.flags,
    rightsBase: entry.rightsBase,
    rightsInheriting: entry.rightsInheriting,
  });
}

/** fdFdstatSetFlags implements fd_fdstat_set_flags(fd, flags). */
export function fdFdstatSetFlags(call: SyscallCall, fd: number, flags: number): void {
  const { description } = call.task.fdTable.get(fd, Rights.FD_FDSTAT_SET_FLAGS);
  if ((flags & ~ALL_FDFLAGS) !== 0) throw sysError.inval(`fdflags 0x${flags.toString(16)}`);
  description.setFlags(flags);
}

/** fdFdstatSetRights implements fd_fdstat_set_rights(fd, base, inheriting): rights can only be dropped. */
export function fdFdstatSetRights(call: SyscallCall, fd: number, base: bigint, inheriting: bigint): void {
  const entry = call.task.fdTable.get(fd);
  if ((base & ~entry.rightsBase) !== 0n || (inheriting & ~entry.rightsInheriting) !== 0n) {
    throw sysError.notcapable('rights can only be dropped');
  }
  entry.rightsBase = base;
  entry.rightsInheriting = inheriting;
}

/** fdFilestatGet implements fd_filestat_get(fd, filestat_ptr). */
export function fdFilestatGet(call: SyscallCall, fd: number, pointer: number): void {
  const { description } = call.task.fdTable.get(fd, Rights.FD_FILESTAT_GET);
  call.memory.check(pointer, 64);
  call.memory.writeFilestat(pointer, description.stat());
}

/** fdFilestatSetSize implements fd_filestat_set_size(fd, size). */
export function fdFilestatSetSize(call: SyscallCall, fd: number, size: bigint): void {
  const { description } = call.task.fdTable.get(fd, Rights.FD_FILESTAT_SET_SIZE);
  description.setSize(BigInt.asIntN(64, size));
}

/** fdFilestatSetTimes implements fd_filestat_set_times(fd, atim, mtim, fstflags). */
export function fdFilestatSetTimes(call: SyscallCall, fd: number, atim: bigint, mtim: bigint, fstflags: number): void {
  const { description } = call.task.fdTable.get(fd, Rights.FD_FILESTAT_SET_TIMES);
  const times = timesFromFlags(call, atim, mtim, fstflags);
  if (times.atim === null && times.mtim === null) return;
  description.setTimes(times.atim, times.mtim);
}

/** fdPread implements fd_pread(fd, iovs, iovs_len, offset, nread_ptr). */
export function fdPread(call: SyscallCall, fd: number, iovs: number, iovsLength: number, offset: bigint, resultPointer: number): void {
  const { description } = call.task.fdTable.get(fd, Rights.FD_READ | Rights.FD_SEEK);
  const buffers = call.memory.readIovecs(iovs, iovsLength);
  call.memory.check(resultPointer, 4);
  const signedOffset = BigInt.asIntN(64, offset);
  if (signedOffset < 0n) throw sysError.inval('negative offset');
  let position = signedOffset;
  const count = transferAll(buffers, (buffer) => {
    const moved = description.pread([buffer], position);
    position += BigInt(moved);
    return moved;
  });
  call.memory.setU32(resultPointer, count);
}

/** fdPwrite implements fd_pwrite(fd, iovs, iovs_len, offset, nwritten_ptr). */
export function fdPwrite(call: SyscallCall, fd: number, iovs: number, iovsLength: number, offset: bigint, resultPointer: number): void {
  const { description } = call.task.fdTable.get(fd, Rights.FD_WRITE | Rights.FD_SEEK);
  const buffers = call.memory.readIovecs(iovs, iovsLength);
  call.memory.check(resultPointer, 4);
  const signedOffset = BigInt.asIntN(64, offset);
  if (signedOffset < 0n) throw sysError.inval('negative offset');
  let position = signedOffset;
  const count = transferAll(buffers, (buffer) => {
    const moved = description.pwrite([buffer], position);
    position += BigInt(moved);
    return moved;
  });
  call.memory.setU32(resultPointer, count);
}

/** fdRead implements fd_read(fd, iovs, iovs_len, nread_ptr). */
export function fdRead(call: SyscallCall, fd: number, iovs: number, iovsLength: number, resultPointer: number): void {
  const { description } = call.task.fdTable.get(fd, Rights.FD_READ);
  const buffers = call.memory.readIovecs(iovs, iovsLength);
  call.memory.check(resultPointer, 4);
  const count = transferAll(buffers, (buffer) => description.read([buffer]));
  call.memory.setU32(resultPointer, count);
}

/** fdWrite implements fd_write(fd, iovs, iovs_len, nwritten_ptr). */
export function fdWrite(call: SyscallCall, fd: number, iovs: number, iovsLength: number, resultPointer: number): void {
  const { description } = call.task.fdTable.get(fd, Rights.FD_WRITE);
  const buffers = call.memory.readIovecs(iovs, iovsLength);
  call.memory.check(resultPointer, 4);
  const count = transferAll(buffers, (buffer) => description.write([buffer]));
  call.memory.setU32(resultPointer, count);
}

/** fdPrestatGet implements fd_prestat_get(fd, prestat_ptr); EBADF for an fd that is not a preopen. */
export function fdPrestatGet(call: SyscallCall, fd: number, pointer: number): void {
  const entry = call.task.fdTable.get(fd);
  if (entry.preopen === undefined) throw sysError.badf(`fd ${fd} is not a preopen`);
  call.memory.writePrestat(pointer, encodeString(entry.preopen).length);
}

/**
 * fdPrestatDirName implements fd_prestat_dir_name(fd, path, path_len). A buffer shorter
 * than the name is ENAMETOOLONG without a partial copy (wasmtime's behaviour; a zero-length
 * buffer is just the shortest such case); the name is not NUL-terminated.
 */
export function fdPrestatDirName(call: SyscallCall, fd: number, pointer: number, length: number): void {
  const entry = call.task.fdTable.get(fd);
  if (entry.preopen === undefined) throw sysError.badf(`fd ${fd} is not a preopen`);
  const name = encodeString(entry.preopen);
  const target = call.memory.slice(pointer, length);
  if (target.length < name.length) throw sysError.nametoolong('buffer shorter than the preopen name');
  target.set(name);
}

/** fdReaddir implements fd_readdir(fd, buf, buf_len, cookie, bufused_ptr): `.` and `..` first, the last entry cut at the buffer's end. */
export function fdReaddir(call: SyscallCall, fd: number, pointer: number, length: number, cookie: bigint, resultPointer: number): void {
  const { description } = call.task.fdTable.get(fd, Rights.FD_READDIR);
  const target = call.memory.slice(pointer, length);
  call.memory.check(resultPointer, 4);
  const entries = description.readdir(cookie);
  const bytes = encodeDirents(entries, cookie, target.length);
  target.set(bytes);
  call.memory.setU32(resultPointer, bytes.length);
}

/** fdRenumber implements fd_renumber(from, to): both must be open. */
export function fdRenumber(call: SyscallCall, from: number, to: number): void {
  call.task.fdTable.renumber(from, to);
}

/** fdSeek implements fd_seek(fd, offset, whence, newoffset_ptr); a pure query (0, CUR) needs only FD_TELL, as in uvwasi. */
export function fdSeek(call: SyscallCall, fd: number, offset: bigint, whence: number, resultPointer: number): void {
  const signedOffset = BigInt.asIntN(64, offset);
  const right = signedOffset === 0n && whence === Whence.CUR ? Rights.FD_TELL : Rights.FD_SEEK;
  const { description } = call.task.fdTable.get(fd, right);
  call.memory.check(resultPointer, 8);
  call.memory.setU64(resultPointer, description.seek(signedOffset, whence));
}

/** fdTell implements fd_tell(fd, offset_ptr). */
export function fdTell(call: SyscallCall, fd: number, resultPointer: number): void {
  const { description } = call.task.fdTable.get(fd, Rights.FD_TELL);
  call.memory.check(resultPointer, 8);
  call.memory.setU64(resultPointer, description.seek(0n, Whence.CUR));
}
