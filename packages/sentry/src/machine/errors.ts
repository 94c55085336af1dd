// Errors raised by the execution engine itself (not by the guest).

/** MemoryLimitError: the sandbox's memory limit is below what the program needs to start. */
export class MemoryLimitError extends Error {
  override name = 'MemoryLimitError';
  readonly limitPages: number;
  readonly neededPages: number;
  constructor(limitPages: number, neededPages: number) {
    super(`memory limit of ${limitPages} pages (${limitPages * 64} KiB) is below the ${neededPages} pages the program needs`);
    this.limitPages = limitPages;
    this.neededPages = neededPages;
  }
}

/** MachineStateError: saved machine state does not fit the module or machine it is loaded into. */
export class MachineStateError extends Error {
  override name = 'MachineStateError';
}

/** MachineStateMisuseError: an operation was asked of a machine in a phase that does not allow it (a caller bug). */
export class MachinePhaseError extends Error {
  override name = 'MachinePhaseError';
  readonly phase: string;
  constructor(operation: string, phase: string) {
    super(`cannot ${operation} a machine that is ${phase}`);
    this.phase = phase;
  }
}

/** StackSwitchingUnavailableError: stack switching was required but this Node does not provide it. */
export class StackSwitchingUnavailableError extends Error {
  override name = 'StackSwitchingUnavailableError';
  constructor() {
    super('stack switching (JSPI) is not available: start node with --experimental-wasm-stack-switching (Node 20)');
  }
}
