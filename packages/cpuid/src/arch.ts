// The architectures whose CPU features this package names.

/** Arch is an architecture with a feature table: Linux's names for the x86-64 and AArch64 machines. */
export type Arch = 'x86_64' | 'arm64';

/** ARCHES lists every Arch. */
export const ARCHES: readonly Arch[] = Object.freeze(['x86_64', 'arm64']);

const ALIASES: Readonly<Record<string, Arch>> = {
  x86_64: 'x86_64',
  x64: 'x86_64', // Node's process.arch
  amd64: 'x86_64', // Go's GOARCH, OCI platform
  arm64: 'arm64',
  aarch64: 'arm64', // uname -m
};

/** normalizeArch maps a Node (`x64`), uname (`aarch64`) or Go (`amd64`) architecture name to an Arch, or undefined. */
export function normalizeArch(arch: string): Arch | undefined {
  return Object.hasOwn(ALIASES, arch) ? ALIASES[arch] : undefined;
}
