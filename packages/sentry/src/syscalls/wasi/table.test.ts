import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renderSyscallTable, syscallTable, WASI_SYSCALLS } from './table.js';

/** The 46 functions of wasi_snapshot_preview1, from the spec's witx. */
const PREVIEW1 = [
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_res_get', 'clock_time_get',
  'fd_advise', 'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get', 'fd_fdstat_set_flags',
  'fd_fdstat_set_rights', 'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread',
  'fd_prestat_get', 'fd_prestat_dir_name', 'fd_pwrite', 'fd_read', 'fd_readdir', 'fd_renumber', 'fd_seek',
  'fd_sync', 'fd_tell', 'fd_write', 'path_create_directory', 'path_filestat_get', 'path_filestat_set_times',
  'path_link', 'path_open', 'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink',
  'path_unlink_file', 'poll_oneoff', 'proc_exit', 'proc_raise', 'random_get', 'sched_yield', 'sock_accept',
  'sock_recv', 'sock_send', 'sock_shutdown',
];

const Table = suite('Syscall table');

Table('covers exactly the preview 1 surface, and every partial entry says why', () => {
  assert.equal(Object.keys(WASI_SYSCALLS).sort(), [...PREVIEW1].sort());
  for (const row of syscallTable()) {
    if (row.status !== 'supported') assert.ok(row.note.length > 10, `${row.name} is ${row.status} without a note`);
  }
});

Table('renders as text and as Markdown', () => {
  const text = renderSyscallTable('text');
  assert.is(text.trim().split('\n').length, PREVIEW1.length);
  assert.match(text, /^fd_advise +partial +Advice is validated and ignored\.$/m);
  const markdown = renderSyscallTable('markdown');
  assert.match(markdown, /^\| Function \| Status \| Note \|$/m);
  assert.match(markdown, /^\| `path_open` \| supported \| /m);
  assert.is(markdown.trim().split('\n').length, PREVIEW1.length + 2);
});

Table.run();
