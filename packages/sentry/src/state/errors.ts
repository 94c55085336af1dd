// Why a checkpoint or a restore was refused. Each refusal is its own class with structured
// fields, so the CLI and tests compare classes and fields, never message text. Errors about the
// image file itself (bad magic, checksum, truncation, an occupied directory) are
// @stasis/statefile's and pass through unchanged; these are the sentry's own reasons.

/** CheckpointError is the base class of every checkpoint or restore refusal the sentry raises. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** CheckpointStateError: the sandbox is in a state that cannot be checkpointed (not started, stopped, already checkpointing). */
export class CheckpointStateError extends CheckpointError {
  override name = 'CheckpointStateError';
  /** The sandbox status when the checkpoint was asked for. */
  readonly status: string;
  constructor(status: string, detail: string) {
    super(`cannot checkpoint a sandbox that is ${status}: ${detail}`);
    this.status = status;
  }
}

/** SafePointTimeoutError: in safepoint mode a task did not reach a syscall within the bounded wait. */
export class SafePointTimeoutError extends CheckpointError {
  override name = 'SafePointTimeoutError';
  readonly tid: number;
  /** The task's argv, to name it in the message. */
  readonly args: readonly string[];
  readonly waitedMs: number;
  constructor(tid: number, args: readonly string[], waitedMs: number) {
    super(
      `task ${tid} (${args.join(' ')}) did not reach a safe point within ${waitedMs} ms: in safepoint mode a task stops only at a system call; ` +
        'run the sandbox in anywhere mode to checkpoint programs that compute for long stretches',
    );
    this.tid = tid;
    this.args = args;
    this.waitedMs = waitedMs;
  }
}

/** ImageCpuMismatchError: the image's CPU feature set is not a subset of this host's; every missing feature is named. */
export class ImageCpuMismatchError extends CheckpointError {
  override name = 'ImageCpuMismatchError';
  readonly imagePath: string;
  /** The image's features this host lacks, in Linux order. */
  readonly missing: readonly string[];
  constructor(imagePath: string, missing: readonly string[], options?: { cause?: unknown }) {
    super(
      `cannot restore ${imagePath} on this host: it lacks CPU features the checkpointed sandbox used: ${missing.join(', ')} ` +
        `(checkpoint with the annotation dev.gvisor.internal.cpufeatures narrowed to features every target host has)`,
      options,
    );
    this.imagePath = imagePath;
    this.missing = missing;
  }
}

/** ImageIncompatibleError: the image was written by a sentry whose saved state this one cannot read (or is not a sandbox image). */
export class ImageIncompatibleError extends CheckpointError {
  override name = 'ImageIncompatibleError';
  readonly imagePath: string;
  /** What the image says, e.g. `state version 2` or `producer foo`. */
  readonly found: string;
  /** What this sentry reads. */
  readonly supported: string;
  constructor(imagePath: string, found: string, supported: string, options?: { cause?: unknown }) {
    super(`cannot restore ${imagePath}: the image holds ${found}, this sentry reads ${supported}`, options);
    this.imagePath = imagePath;
    this.found = found;
    this.supported = supported;
  }
}

/** ImageContentError: the image passed every checksum but what it holds does not make a sandbox (a bug in the writer, or a crafted file). */
export class ImageContentError extends CheckpointError {
  override name = 'ImageContentError';
  readonly imagePath: string;
  readonly detail: string;
  constructor(imagePath: string, detail: string, options?: { cause?: unknown }) {
    super(`cannot restore ${imagePath}: ${detail}`, options);
    this.imagePath = imagePath;
    this.detail = detail;
  }
}

/** HostRebindError: a host resource the restored guest holds cannot be bound again as it was (a file open in the rootfs is gone or changed size). */
export class HostRebindError extends CheckpointError {
  override name = 'HostRebindError';
  /** The guest path of the resource. */
  readonly guestPath: string;
  /** The host path it was bound to. */
  readonly hostPath: string;
  readonly reason: string;
  constructor(guestPath: string, hostPath: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot restore: ${guestPath} (host ${hostPath}) ${reason}`, options);
    this.guestPath = guestPath;
    this.hostPath = hostPath;
    this.reason = reason;
  }
}

/** ReservedLabelError: a caller label uses the prefix the sentry keeps for its own metadata. */
export class ReservedLabelError extends CheckpointError {
  override name = 'ReservedLabelError';
  readonly label: string;
  constructor(label: string, prefix: string) {
    super(`label "${label}" uses the prefix "${prefix}", which the sentry reserves for its own checkpoint metadata`);
    this.label = label;
  }
}
