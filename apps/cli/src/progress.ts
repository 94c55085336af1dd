// Progress of long checkpoints and restores, on a terminal only: one line rewritten in place
// with the bytes done, the total and the rate. When stderr is not a terminal (the shim, a
// pipe, a log) nothing extra is printed, as runc prints nothing.

/** ProgressDisplay receives progress updates and clears its line when done. */
export interface ProgressDisplay {
  update(bytes: number, total: number): void;
  done(): void;
}

/** ProgressStream is the part of a tty write stream the display uses. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): boolean;
}

// Redraw at most this often: a terminal does not need more, and each write costs a syscall.
const REDRAW_INTERVAL_MS = 100;

/** createProgressDisplay shows progress labelled `label` on stream, or does nothing when stream is not a terminal. */
export function createProgressDisplay(label: string, stream: ProgressStream = process.stderr, now: () => number = Date.now): ProgressDisplay {
  if (!stream.isTTY) return { update() {}, done() {} };
  const started = now();
  let lastDraw = 0;
  let drawn = false;
  return {
    update(bytes, total) {
      const time = now();
      if (time - lastDraw < REDRAW_INTERVAL_MS && bytes < total) return;
      lastDraw = time;
      drawn = true;
      stream.write(`\r\x1b[K${formatProgress(label, bytes, total, time - started)}`);
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}

/** formatProgress writes one progress line: `checkpoint: 12.0 MiB / 48.0 MiB (25%), 30.1 MiB/s`. */
export function formatProgress(label: string, bytes: number, total: number, elapsedMs: number): string {
  const percent = total > 0 ? ` (${Math.floor((bytes / total) * 100)}%)` : '';
  const rate = elapsedMs > 0 ? `, ${formatBytes((bytes * 1000) / elapsedMs)}/s` : '';
  return `${label}: ${formatBytes(bytes)} / ${formatBytes(total)}${percent}${rate}`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** formatBytes writes a byte count with a binary unit: `512 B`, `1.5 KiB`, `12.0 MiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}
