// `stasis cpu-features`: placeholder until @stasis/cpuid lands (issue 2).
export async function run(_options: { format: 'text' | 'json' }): Promise<number> {
  throw new Error('cpu-features: not implemented yet');
}
