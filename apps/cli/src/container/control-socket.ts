// The client side of the control socket, and where the socket lives. A unix socket path is
// limited to 107 bytes, and --root plus a 64-character container id can exceed that (Docker's
// exec-root is deep), so a long path is reached through /proc/self/fd/<dir fd>/control.sock:
// the kernel resolves the directory through the open descriptor.
import { closeSync, openSync } from 'node:fs';
import { type Socket, connect } from 'node:net';
import { join } from 'node:path';
import { SandboxProcessError } from './errors.js';
import { LineSplitter, type Request, type Response, ResponseSchema, decodeLine, encodeMessage } from './protocol.js';

const SOCKET_NAME = 'control.sock';
// sun_path holds 108 bytes including the terminating NUL.
const MAX_SOCKET_PATH = 107;

/** SocketAddress is a usable path for a container's control socket; release closes what it opened. */
export interface SocketAddress {
  readonly path: string;
  release(): void;
}

/** controlSocketAddress gives a path under 108 bytes for directory/control.sock. */
export function controlSocketAddress(directory: string): SocketAddress {
  const path = join(directory, SOCKET_NAME);
  if (Buffer.byteLength(path) <= MAX_SOCKET_PATH) return { path, release: () => {} };
  const fd = openSync(directory, 'r');
  return { path: `/proc/self/fd/${fd}/${SOCKET_NAME}`, release: () => closeSync(fd) };
}

/** SandboxUnreachableError: nothing listens on the control socket (the sandbox process has exited). */
export class SandboxUnreachableError extends SandboxProcessError {
  override name = 'SandboxUnreachableError';
}

/** SandboxConnectionClosedError: the sandbox process closed the connection before its final answer (it exited, or was killed). */
export class SandboxConnectionClosedError extends SandboxProcessError {
  override name = 'SandboxConnectionClosedError';
}

/** SandboxRequestError: the sandbox process refused or failed a request; message is its own. */
export class SandboxRequestError extends SandboxProcessError {
  override name = 'SandboxRequestError';
}

// Messages that come before a request's answer rather than being it.
const INTERMEDIATE = new Set<Response['type']>(['progress', 'exec-started']);

/** RequestHandlers receive the messages that precede a request's final answer. */
export interface RequestHandlers {
  readonly onMessage?: (message: Response) => void;
}

/**
 * sendRequest sends one request to the sandbox process of the container in directory and
 * resolves to its final answer; an `error` answer becomes a SandboxRequestError.
 */
export function sendRequest(containerId: string, directory: string, request: Request, handlers: RequestHandlers = {}): Promise<Response> {
  const address = controlSocketAddress(directory);
  return new Promise<Response>((resolve, reject) => {
    const socket: Socket = connect(address.path);
    const lines = new LineSplitter();
    let settled = false;
    const finish = (error: Error | undefined, response?: Response) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      address.release();
      if (error) reject(error);
      else resolve(response as Response);
    };
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(encodeMessage(request)));
    socket.on('data', (chunk: string) => {
      for (const line of lines.push(chunk)) {
        let message: Response;
        try {
          message = decodeLine(ResponseSchema, line);
        } catch (error) {
          finish(error as Error);
          return;
        }
        if (INTERMEDIATE.has(message.type)) {
          handlers.onMessage?.(message);
          continue;
        }
        if (message.type === 'error') finish(new SandboxRequestError(containerId, message.message));
        else finish(undefined, message);
        return;
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') {
        finish(new SandboxUnreachableError(containerId, `the sandbox process of container "${containerId}" is not running`, { cause: error }));
      } else {
        finish(new SandboxProcessError(containerId, `control socket of container "${containerId}": ${error.message}`, { cause: error }));
      }
    });
    socket.on('close', () => finish(new SandboxConnectionClosedError(containerId, `the sandbox process of container "${containerId}" closed the connection before answering ${request.type}`)));
  });
}
