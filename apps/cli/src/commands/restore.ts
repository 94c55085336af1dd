// `stasis restore --image-path DIR ID`, in both of its forms:
// - gVisor's: `create ID` then `restore --image-path DIR ID`, which "parallels start": the
//   created container's sandbox process restores the image and runs it;
// - runc's one step, as containerd and Docker call it: `restore --image-path DIR --bundle B
//   [--detach] [--pid-file F] ID` with no prior create, which creates the container from the
//   bundle, restores into it and, without --detach, waits for it like `run`.
import { resolve } from 'node:path';
import type { GlobalOptions } from '../cli.js';
import { Container, withContainer } from '../container/container.js';
import { writePidFile } from '../container/atomic-file.js';
import { ContainerNotFoundError } from '../container/errors.js';
import { createContainer, runInForeground } from '../container/lifecycle.js';
import { validateContainerId } from '../container/state-store.js';
import { createProgressDisplay } from '../progress.js';

/** RestoreOptions are the options of `stasis restore`. */
export interface RestoreOptions {
  readonly globals: GlobalOptions;
  readonly id: string;
  readonly imagePath: string;
  readonly bundle?: string;
  readonly detach: boolean;
  readonly pidFile?: string;
  readonly consoleSocket?: string;
  readonly imageKeyFile?: string;
}

/** run restores the image; one-step and in the foreground, it resolves to the program's exit status. */
export async function run(options: RestoreOptions): Promise<number> {
  const { globals, id } = options;
  const source = { imagePath: resolve(options.imagePath), keyFile: options.imageKeyFile === undefined ? undefined : resolve(options.imageKeyFile) };
  const progress = createProgressDisplay('restore');
  const onMessage = (message: { type: string; bytes?: number; total?: number }) => {
    if (message.type === 'progress') progress.update(message.bytes ?? 0, message.total ?? 0);
  };
  if (exists(globals.root, id)) {
    await withContainer(globals.root, id, async (container) => {
      await container.request('restore', { type: 'restore', source }, { onMessage }).finally(() => progress.done());
      if (options.pidFile !== undefined) writePidFile(resolve(options.pidFile), container.pid);
    });
    return 0;
  }
  const launched = await createContainer({
    globals,
    id,
    bundle: options.bundle ?? '.',
    pidFile: options.pidFile,
    consoleSocket: options.consoleSocket,
    foreground: !options.detach,
    restore: source,
    onProgress: onMessage,
  }).finally(() => progress.done());
  if (!options.detach) return runInForeground(launched, globals, id);
  launched.detach();
  return 0;
}

function exists(root: string, id: string): boolean {
  try {
    Container.load(root, validateContainerId(id));
    return true;
  } catch (error) {
    if (error instanceof ContainerNotFoundError) return false;
    throw error;
  }
}
