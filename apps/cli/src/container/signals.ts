// Signal names and numbers as `kill` takes them: runc accepts `9`, `KILL` and `SIGKILL`.
// Numbers are Linux x86-64 and arm64 (asm-generic), which agree for these; 34..64 are the
// real-time signals, accepted by number as runc does.

/** Signals maps each standard Linux signal name to its number. */
export const Signals = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
} as const;

/** SignalName is a key of Signals. */
export type SignalName = keyof typeof Signals;

const MAX_SIGNAL = 64;

/** InvalidSignalError: a signal given to `kill` that Linux does not have. */
export class InvalidSignalError extends Error {
  override name = 'InvalidSignalError';
  readonly signal: string;
  constructor(signal: string) {
    super(`invalid signal: ${JSON.stringify(signal)}`);
    this.signal = signal;
  }
}

/** parseSignal reads `15`, `TERM`, `SIGTERM` or `sigterm` as a signal number. */
export function parseSignal(text: string): number {
  if (/^\d+$/.test(text)) {
    const number = Number(text);
    if (number < 1 || number > MAX_SIGNAL) throw new InvalidSignalError(text);
    return number;
  }
  const upper = text.toUpperCase();
  const name = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as SignalName;
  if (!Object.hasOwn(Signals, name)) throw new InvalidSignalError(text);
  return Signals[name];
}

/** signalName is the name of a signal number (`SIGTERM`), or `SIG<number>` for the real-time ones. */
export function signalName(signal: number): string {
  const entry = Object.entries(Signals).find(([, number]) => number === signal);
  return entry ? entry[0] : `SIG${signal}`;
}

