// `stasis exec-attach ID` (internal): the host process of a detached or terminal exec. It
// reads the task from fd 3, runs it with its own fds 0-2 as the task's stdio (the caller's, or
// the pty the console helper made), reports `exec-started` on fd 3 and closes it, and exits
// with the task's status, which is what the shim waits for on the exec's pid.
import { Socket } from 'node:net';
import type { GlobalOptions } from '../cli.js';
import { Container } from '../container/container.js';
import { execAndWait } from '../container/exec-session.js';
import { ExecSpecSchema, LineSplitter, type Response, decodeLine, encodeMessage } from '../container/protocol.js';
import { validateContainerId } from '../container/state-store.js';

/** ExecAttachOptions are the options of `stasis exec-attach`. */
export interface ExecAttachOptions {
  readonly globals: GlobalOptions;
  readonly id: string;
}

const CHANNEL_FD = 3;

/** run runs the task handed over on fd 3 and exits with its status. */
export async function run(options: ExecAttachOptions): Promise<number> {
  const channel = new Socket({ fd: CHANNEL_FD, readable: true, writable: true });
  const report = (message: Response) => {
    channel.end(encodeMessage(message));
  };
  let code: number;
  try {
    const line = await firstLine(channel);
    const spec = decodeLine(ExecSpecSchema, line);
    const container = Container.load(options.globals.root, validateContainerId(options.id));
    code = await execAndWait(container, spec, (tid) => report({ type: 'exec-started', tid }));
  } catch (error) {
    report({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  process.exit(code);
}

function firstLine(channel: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = new LineSplitter();
    channel.setEncoding('utf8');
    const onData = (chunk: string) => {
      const [line] = lines.push(chunk);
      if (line === undefined) return;
      channel.off('data', onData);
      channel.pause();
      resolve(line);
    };
    channel.on('data', onData);
    channel.once('end', () => reject(new Error('exec-attach: the channel closed before the task was sent')));
    channel.once('error', reject);
  });
}
