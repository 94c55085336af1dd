/** UsageError is a mistake in the command line: the message is shown with a hint, exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** ExitError ends the command with the given exit status after its output has been written. */
export class ExitError extends Error {
  override name = 'ExitError';
  readonly code: number;
  constructor(code: number, message = `exit status ${code}`) {
    super(message);
    this.code = code;
  }
}
