// The command-line parser. runc/runsc users (and the containerd shim, and Docker) pass
// flags as `--name value`, `--name=value` and, for some, a single dash (`-no-subreaper`),
// so every flag is accepted with one or two dashes. Flags may come before or after
// positional arguments unless a command asks to stop at its first positional (`do`,
// `exec`), where the rest belongs to the guest program.
import { UsageError } from './errors.js';

/** FlagSpec declares one flag of a command or of the global set. */
export interface FlagSpec {
  readonly name: string;
  readonly type: 'boolean' | 'string' | 'list';
  readonly description: string;
  readonly short?: string;
  /** Accepted for compatibility with runc/go-runc and ignored, as runsc does. */
  readonly ignored?: boolean;
  readonly placeholder?: string;
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  readonly flags: FlagValues;
  readonly positionals: string[];
}

/** parseArgs parses argv against flag specs; unknown flags are a UsageError. */
export function parseArgs(
  argv: readonly string[],
  specs: readonly FlagSpec[],
  options: { stopAtPositional?: boolean; allowUnknownAfter?: boolean } = {},
): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) {
    byName.set(spec.name, spec);
    if (spec.short) byName.set(spec.short, spec);
  }
  const flags: FlagValues = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      if (options.stopAtPositional) {
        positionals.push(...argv.slice(i + 1));
        break;
      }
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`flag provided but not defined: -${name}`);
    let value: string | undefined = eq === -1 ? undefined : body.slice(eq + 1);
    if (spec.type === 'boolean') {
      flags[spec.name] = value === undefined ? true : value !== 'false' && value !== '0';
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: -${name}`);
      value = argv[++i] as string;
    }
    if (spec.type === 'list') {
      const previous = flags[spec.name];
      flags[spec.name] = [...(Array.isArray(previous) ? previous : []), value];
    } else {
      flags[spec.name] = value;
    }
  }
  return { flags, positionals };
}

/** stringFlag reads a string flag, or undefined. */
export function stringFlag(flags: FlagValues, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

/** listFlag reads a repeatable flag as an array (empty when absent). */
export function listFlag(flags: FlagValues, name: string): string[] {
  const value = flags[name];
  return Array.isArray(value) ? value : [];
}

/** booleanFlag reads a boolean flag (false when absent). */
export function booleanFlag(flags: FlagValues, name: string): boolean {
  return flags[name] === true;
}
