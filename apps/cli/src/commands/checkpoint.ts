// `stasis checkpoint --image-path DIR [--leave-running] ID`, as gVisor documents it: save the
// container to an image directory, then stop and remove it unless --leave-running. The shim
// calls it between `pause` and `resume`, so a paused container is checkpointed as it is.
// Extras beyond runsc: --parent-path (incremental), --compression, --image-key-file (HMAC).
import { isAbsolute, resolve } from 'node:path';
import type { GlobalOptions } from '../cli.js';
import { killProcess, waitForExit, withContainer } from '../container/container.js';
import { removeContainerDirectory } from '../container/state-store.js';
import { createProgressDisplay, formatBytes } from '../progress.js';

/** CheckpointOptions are the options of `stasis checkpoint`. */
export interface CheckpointOptions {
  readonly globals: GlobalOptions;
  readonly id: string;
  readonly imagePath: string;
  readonly leaveRunning: boolean;
  /** A parent image; relative to the image directory, as CRIU and runc take --parent-path. */
  readonly parentPath?: string;
  readonly compression?: 'none' | 'gzip' | 'brotli' | 'zstd';
  readonly imageKeyFile?: string;
}

// How long a sandbox process may take to exit after a stopping checkpoint before it is killed.
const EXIT_AFTER_CHECKPOINT_MS = 10_000;

/** run writes the image; progress and a summary appear only when stderr is a terminal. */
export async function run(options: CheckpointOptions): Promise<number> {
  const imagePath = resolve(options.imagePath);
  const parentPath = options.parentPath === undefined ? undefined : isAbsolute(options.parentPath) ? options.parentPath : resolve(imagePath, options.parentPath);
  const keyFile = options.imageKeyFile === undefined ? undefined : resolve(options.imageKeyFile);
  const progress = createProgressDisplay('checkpoint');
  await withContainer(options.globals.root, options.id, async (container) => {
    const response = await container
      .request(
        'checkpoint',
        { type: 'checkpoint', checkpoint: { imagePath, leaveRunning: options.leaveRunning, parentPath, compression: options.compression, keyFile } },
        { onMessage: (message) => message.type === 'progress' && progress.update(message.bytes, message.total) },
      )
      .finally(() => progress.done());
    if (response.type !== 'checkpointed') throw new Error(`checkpoint: unexpected answer ${response.type} from the sandbox process`);
    if (process.stderr.isTTY) process.stderr.write(`checkpointed ${container.id} to ${imagePath}: ${formatBytes(response.bytes)} in ${Math.round(response.ms)} ms\n`);
    if (options.leaveRunning) return;
    // Stopped: the container goes away, as runc's does ("does not exist" for what follows).
    const identity = container.state.process;
    if (identity && !(await waitForExit(identity, EXIT_AFTER_CHECKPOINT_MS))) await killProcess(identity);
    removeContainerDirectory(options.globals.root, container.id);
  });
  return 0;
}
