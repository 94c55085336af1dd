// Sizes and field offsets of the WASI preview1 structs in guest memory (wasm32, little
// endian), as uvwasi's wasi_serdes names them; source:
// https://github.com/WebAssembly/WASI/blob/snapshot-01/phases/snapshot/witx/typenames.witx

/** IOVEC_SIZE is the size of `iovec`/`ciovec`: buf u32 @0, buf_len u32 @4. */
export const IOVEC_SIZE = 8;
/** IOVEC_BUF_OFFSET is the offset of `iovec.buf`. */
export const IOVEC_BUF_OFFSET = 0;
/** IOVEC_LEN_OFFSET is the offset of `iovec.buf_len`. */
export const IOVEC_LEN_OFFSET = 4;

/** FDSTAT_SIZE is the size of `fdstat`. */
export const FDSTAT_SIZE = 24;
/** FDSTAT_FILETYPE_OFFSET is the offset of `fdstat.fs_filetype` (u8). */
export const FDSTAT_FILETYPE_OFFSET = 0;
/** FDSTAT_FLAGS_OFFSET is the offset of `fdstat.fs_flags` (u16). */
export const FDSTAT_FLAGS_OFFSET = 2;
/** FDSTAT_RIGHTS_BASE_OFFSET is the offset of `fdstat.fs_rights_base` (u64). */
export const FDSTAT_RIGHTS_BASE_OFFSET = 8;
/** FDSTAT_RIGHTS_INHERITING_OFFSET is the offset of `fdstat.fs_rights_inheriting` (u64). */
export const FDSTAT_RIGHTS_INHERITING_OFFSET = 16;

/** FILESTAT_SIZE is the size of `filestat`. */
export const FILESTAT_SIZE = 64;
/** FILESTAT_DEV_OFFSET is the offset of `filestat.dev` (u64). */
export const FILESTAT_DEV_OFFSET = 0;
/** FILESTAT_INO_OFFSET is the offset of `filestat.ino` (u64). */
export const FILESTAT_INO_OFFSET = 8;
/** FILESTAT_FILETYPE_OFFSET is the offset of `filestat.filetype` (u8). */
export const FILESTAT_FILETYPE_OFFSET = 16;
/** FILESTAT_NLINK_OFFSET is the offset of `filestat.nlink` (u64). */
export const FILESTAT_NLINK_OFFSET = 24;
/** FILESTAT_SIZE_OFFSET is the offset of `filestat.size` (u64). */
export const FILESTAT_SIZE_OFFSET = 32;
/** FILESTAT_ATIM_OFFSET is the offset of `filestat.atim` (u64 ns). */
export const FILESTAT_ATIM_OFFSET = 40;
/** FILESTAT_MTIM_OFFSET is the offset of `filestat.mtim` (u64 ns). */
export const FILESTAT_MTIM_OFFSET = 48;
/** FILESTAT_CTIM_OFFSET is the offset of `filestat.ctim` (u64 ns). */
export const FILESTAT_CTIM_OFFSET = 56;

/** DIRENT_SIZE is the size of the `dirent` header; the name follows it unterminated. */
export const DIRENT_SIZE = 24;
/** DIRENT_NEXT_OFFSET is the offset of `dirent.d_next` (u64 cookie). */
export const DIRENT_NEXT_OFFSET = 0;
/** DIRENT_INO_OFFSET is the offset of `dirent.d_ino` (u64). */
export const DIRENT_INO_OFFSET = 8;
/** DIRENT_NAMLEN_OFFSET is the offset of `dirent.d_namlen` (u32). */
export const DIRENT_NAMLEN_OFFSET = 16;
/** DIRENT_TYPE_OFFSET is the offset of `dirent.d_type` (u8). */
export const DIRENT_TYPE_OFFSET = 20;

/** PRESTAT_SIZE is the size of `prestat`. */
export const PRESTAT_SIZE = 8;
/** PRESTAT_TAG_OFFSET is the offset of `prestat.tag` (u8). */
export const PRESTAT_TAG_OFFSET = 0;
/** PRESTAT_NAME_LEN_OFFSET is the offset of `prestat.u.dir.pr_name_len` (u32). */
export const PRESTAT_NAME_LEN_OFFSET = 4;

/** SUBSCRIPTION_SIZE is the size of `subscription`. */
export const SUBSCRIPTION_SIZE = 48;
/** SUBSCRIPTION_USERDATA_OFFSET is the offset of `subscription.userdata` (u64). */
export const SUBSCRIPTION_USERDATA_OFFSET = 0;
/** SUBSCRIPTION_TAG_OFFSET is the offset of `subscription.u.tag` (u8 eventtype). */
export const SUBSCRIPTION_TAG_OFFSET = 8;
/** SUBSCRIPTION_CLOCK_ID_OFFSET is the offset of `subscription_clock.id` (u32). */
export const SUBSCRIPTION_CLOCK_ID_OFFSET = 16;
/** SUBSCRIPTION_CLOCK_TIMEOUT_OFFSET is the offset of `subscription_clock.timeout` (u64 ns). */
export const SUBSCRIPTION_CLOCK_TIMEOUT_OFFSET = 24;
/** SUBSCRIPTION_CLOCK_PRECISION_OFFSET is the offset of `subscription_clock.precision` (u64 ns). */
export const SUBSCRIPTION_CLOCK_PRECISION_OFFSET = 32;
/** SUBSCRIPTION_CLOCK_FLAGS_OFFSET is the offset of `subscription_clock.flags` (u16). */
export const SUBSCRIPTION_CLOCK_FLAGS_OFFSET = 40;
/** SUBSCRIPTION_FD_OFFSET is the offset of `subscription_fd_readwrite.file_descriptor` (u32). */
export const SUBSCRIPTION_FD_OFFSET = 16;

/** EVENT_SIZE is the size of `event`. */
export const EVENT_SIZE = 32;
/** EVENT_USERDATA_OFFSET is the offset of `event.userdata` (u64). */
export const EVENT_USERDATA_OFFSET = 0;
/** EVENT_ERROR_OFFSET is the offset of `event.error` (u16 errno). */
export const EVENT_ERROR_OFFSET = 8;
/** EVENT_TYPE_OFFSET is the offset of `event.type` (u8). */
export const EVENT_TYPE_OFFSET = 10;
/** EVENT_NBYTES_OFFSET is the offset of `event.fd_readwrite.nbytes` (u64). */
export const EVENT_NBYTES_OFFSET = 16;
/** EVENT_FLAGS_OFFSET is the offset of `event.fd_readwrite.flags` (u16). */
export const EVENT_FLAGS_OFFSET = 24;
