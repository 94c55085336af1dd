// The conformance cases: which program runs with which arguments, environment, preopened
// directories (and their contents), stdin, and what it must end with. The runner in
// src/syscalls/wasi/conformance.test.ts runs each case through `bin/stasis do`, in process
// (the syscall layer without the machine), and under node:wasi for comparison.

/**
 * FixtureTree is the content of a host directory made fresh for a run: a relative path to
 * the file's text, `-> TARGET` for a symlink (`{outside}` stands for a host file outside
 * the tree), or a path ending in `/` (with an empty value) for an empty directory.
 */
export type FixtureTree = Readonly<Record<string, string>>;

/** ConformanceCase says how to run one program and what it must end with. */
export interface ConformanceCase {
  /** The case's name, unique; skip.json and COVERAGE.md refer to it. */
  readonly name: string;
  /** The C program in c/ (built to wasm/), when it is not `name`. */
  readonly program?: string;
  /** argv after argv[0] (which is `PROGRAM.wasm`). */
  readonly args?: readonly string[];
  /** The whole environment (nothing is inherited). */
  readonly env?: Readonly<Record<string, string>>;
  /** Preopened host directories in order, by guest name: `--dir HOST::GUEST`, each a fresh copy of its tree. */
  readonly dirs?: Readonly<Record<string, FixtureTree>>;
  /** Bytes piped to stdin; stdin is /dev/null without them. */
  readonly stdin?: string;
  /** The exit status; 0 by default. */
  readonly exitCode?: number;
  /** The exact stdout, for a program that prints no `ok` lines. */
  readonly stdout?: string;
  /** Why `stasis do` cannot express this case, which then runs in process only. */
  readonly inProcessOnly?: string;
  /** In process only: a host rootfs for the overlay root, and `/` preopened. */
  readonly rootfs?: FixtureTree;
  /** In process only: `/` preopened (the OCI case), with a fixed CPU feature set. */
  readonly rootPreopen?: boolean;
}

const SCRATCH = { scratch: {} } as const;
/** A host directory as the guest's whole tree (`--dir HOST::/`), as the official suite now runs its file-system tests. */
const ROOT = { '/': {} } as const;

/** LIBC_TREE is the fixture the C tests of wasi-testsuite read, under our own names. */
const LIBC_TREE: FixtureTree = {
  file: 'Hello, file\n',
  'lseek.txt': '01234567',
  'pread.txt': 'pread-test\n',
  'fopendir.dir/file-0': '',
  'fopendir.dir/file-1': '',
  'writeable/': '',
};

/** rooted puts a fixture under a directory of a root tree. */
function rooted(directory: string, tree: FixtureTree): FixtureTree {
  return Object.fromEntries(Object.entries(tree).map(([name, content]) => [`${directory}/${name}`, content]));
}

/** CASES are every conformance case, in the order they run. */
export const CASES: readonly ConformanceCase[] = [
  {
    name: 'args_environ',
    args: ['first', 'the "second" arg', '3', 'two words'],
    env: { A: '1', EMPTY: '', UNICODE: 'é', QUOTED: 'escap " ing', NEWLINE: 'new\nline' },
  },
  { name: 'bare' },
  { name: 'hello_stdout', stdout: 'hello' },
  { name: 'exit_code', args: ['33'], exitCode: 33 },
  { name: 'exit_code_zero', program: 'exit_code', args: ['0'] },
  { name: 'clock_random' },
  { name: 'stdio_fds', args: ['scratch'], dirs: SCRATCH },
  { name: 'stdio_renumber', args: ['scratch'], dirs: SCRATCH },
  { name: 'file_io', args: ['scratch'], dirs: SCRATCH },
  { name: 'file_ops', args: ['scratch'], dirs: SCRATCH },
  { name: 'file_ops_root', program: 'file_ops', args: ['/'], dirs: ROOT },
  { name: 'path_filestat', args: ['scratch'], dirs: SCRATCH },
  { name: 'readdir', args: ['scratch'], dirs: SCRATCH },
  { name: 'readdir_root', program: 'readdir', args: ['/'], dirs: ROOT },
  { name: 'libc_files', dirs: { 'fs-tests.dir': LIBC_TREE } },
  { name: 'libc_files_root', program: 'libc_files', dirs: { '/': rooted('fs-tests.dir', LIBC_TREE) } },
  { name: 'preopens', args: ['scratch', 'spare'], dirs: { scratch: {}, spare: {} } },
  { name: 'names', args: ['scratch'], dirs: SCRATCH },
  { name: 'names_root', program: 'names', args: ['/'], dirs: ROOT },
  { name: 'paths', args: ['scratch'], dirs: { scratch: { 'host-abs': '-> /etc/passwd' } } },
  { name: 'symlinks', args: ['scratch'], dirs: SCRATCH },
  { name: 'symlinks_root', program: 'symlinks', args: ['/'], dirs: ROOT },
  { name: 'prestat', args: ['scratch'], dirs: SCRATCH },
  { name: 'poll', dirs: SCRATCH },
  { name: 'poll_stdio', args: ['null'] },
  { name: 'poll_stdio_data', program: 'poll_stdio', args: ['data'], stdin: 'ping\n' },
  { name: 'sock', dirs: SCRATCH },
  { name: 'bad_input', dirs: SCRATCH },
  {
    name: 'proc_dev',
    rootPreopen: true,
    inProcessOnly: 'it needs `/` preopened and a fixed CPU feature set, which `stasis do` has no flags for',
  },
  {
    name: 'overlay',
    rootfs: {
      'etc/motd': 'from the image\n',
      'etc/os-release': 'ID=test\n',
      'usr/bin/tool': 'tool\n',
      bin: '-> usr/bin',
      escape: '-> {outside}',
    },
    inProcessOnly: 'it needs an overlay root over a host rootfs, which `stasis do` has no flag for',
  },
];

/** programOf is the C program a case runs. */
export function programOf(testCase: ConformanceCase): string {
  return testCase.program ?? testCase.name;
}
