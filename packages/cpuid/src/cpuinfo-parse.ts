// A reader for Linux /proc/cpuinfo: `key<tabs>: value` lines, one block per processor,
// each block opened by a `processor` line (arch/x86/kernel/cpu/proc.c show_cpuinfo,
// arch/arm64/kernel/cpuinfo.c c_show).
import { MalformedCpuinfoError } from './errors.js';

/** CpuinfoText is /proc/cpuinfo split into its processor blocks. */
export interface CpuinfoText {
  /** One map of fields per `processor` block, in file order. */
  readonly processors: readonly ReadonlyMap<string, string>[];
  /** Fields outside any processor block (old arm64 kernels print Features and Hardware there). */
  readonly global: ReadonlyMap<string, string>;
}

/** parseCpuinfoText splits /proc/cpuinfo into fields; a line without a colon, or no processor at all, is a MalformedCpuinfoError. */
export function parseCpuinfoText(text: string): CpuinfoText {
  const processors: Map<string, string>[] = [];
  const global = new Map<string, string>();
  let current: Map<string, string> | undefined;
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    if (colon === -1) throw new MalformedCpuinfoError(`expected "key : value", got ${JSON.stringify(line.slice(0, 60))}`, index + 1);
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === '') throw new MalformedCpuinfoError('empty key', index + 1);
    if (key === 'processor') {
      if (!/^\d+$/.test(value)) throw new MalformedCpuinfoError(`processor number ${JSON.stringify(value)} is not a number`, index + 1);
      current = new Map();
      processors.push(current);
    }
    (current ?? global).set(key, value);
  });
  if (processors.length === 0) throw new MalformedCpuinfoError('no "processor" entry');
  return { processors, global };
}

/**
 * commonWords returns the words of a space-separated field (`flags`, `Features`) that every
 * block having the field lists, in the first block's order: a feature is usable only if
 * every CPU has it. A text with no such field is a MalformedCpuinfoError.
 */
export function commonWords(cpuinfo: CpuinfoText, key: string): string[] {
  const lists = [cpuinfo.global, ...cpuinfo.processors].flatMap((fields) => {
    const value = fields.get(key);
    return value === undefined ? [] : [value.split(/\s+/).filter((word) => word !== '')];
  });
  const [first, ...rest] = lists;
  if (first === undefined) throw new MalformedCpuinfoError(`no "${key}" line`);
  const others = rest.map((words) => new Set(words));
  return [...new Set(first)].filter((word) => others.every((set) => set.has(word)));
}

/** firstField returns a field's value from the first block that has it. */
export function firstField(cpuinfo: CpuinfoText, key: string): string | undefined {
  for (const fields of [...cpuinfo.processors, cpuinfo.global]) {
    const value = fields.get(key);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** numberField reads a field as a number in the given syntax; absent or `unknown` is undefined, anything else not matching is a MalformedCpuinfoError. */
export function numberField(cpuinfo: CpuinfoText, key: string, syntax: 'integer' | 'hex' | 'decimal' | 'kilobytes'): number | undefined {
  const value = firstField(cpuinfo, key);
  if (value === undefined || value === 'unknown') return undefined;
  const pattern = { integer: /^\d+$/, hex: /^0x[0-9a-fA-F]+$/, decimal: /^\d+(\.\d+)?$/, kilobytes: /^\d+ KB$/ }[syntax];
  if (!pattern.test(value)) throw new MalformedCpuinfoError(`"${key}" is ${JSON.stringify(value)}, not ${syntax === 'kilobytes' ? 'a size in KB' : `a ${syntax} number`}`);
  return syntax === 'hex' ? Number.parseInt(value, 16) : Number.parseFloat(value);
}
