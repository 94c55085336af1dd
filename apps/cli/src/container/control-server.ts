// The server side of the control socket, run by the sandbox process: each connection carries
// one request (a JSON line, validated with zod) and gets the handler's messages back.
import { rmSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { controlSocketAddress } from './control-socket.js';
import { LineSplitter, type Request, RequestSchema, type Response, decodeLine, encodeMessage } from './protocol.js';

/** Reply is how a request handler answers: zero or more intermediate messages, then one final one. */
export interface Reply {
  /** send writes an intermediate message (progress, exec-started); ignored once the client is gone. */
  send(message: Response): void;
  /** end writes the final message and resolves once it is flushed (or the client is gone). */
  end(message: Response): Promise<void>;
  /** closed tells whether the client has gone. */
  readonly closed: boolean;
}

/** RequestHandler serves one request; a throw becomes an `error` answer with the error's message. */
export type RequestHandler = (request: Request, reply: Reply) => Promise<void>;

/** ControlServer is a listening control socket. */
export interface ControlServer {
  /** close stops listening and removes the socket file. */
  close(): void;
}

/** listenControlSocket serves the control socket of the container directory with handler. */
export async function listenControlSocket(directory: string, handler: RequestHandler): Promise<ControlServer> {
  const address = controlSocketAddress(directory);
  rmSync(address.path, { force: true });
  const server: Server = createServer((socket) => serveConnection(socket, handler));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    address.release();
  }
  return {
    close() {
      server.close();
      const again = controlSocketAddress(directory);
      rmSync(again.path, { force: true });
      again.release();
    },
  };
}

function serveConnection(socket: Socket, handler: RequestHandler): void {
  const lines = new LineSplitter();
  let handled = false;
  let closed = false;
  socket.setEncoding('utf8');
  socket.on('close', () => {
    closed = true;
  });
  // A client that goes away mid-request (a killed `stasis exec`) is not an error of the sandbox.
  socket.on('error', () => {});
  const reply: Reply = {
    send(message) {
      if (!closed) socket.write(encodeMessage(message));
    },
    end(message) {
      if (closed) return Promise.resolve();
      return new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.end(encodeMessage(message), () => resolve());
      });
    },
    get closed() {
      return closed;
    },
  };
  socket.on('data', (chunk: string) => {
    if (handled) return;
    const [line] = lines.push(chunk);
    if (line === undefined) return;
    handled = true;
    let request: Request;
    try {
      request = decodeLine(RequestSchema, line);
    } catch (error) {
      void reply.end({ type: 'error', message: (error as Error).message });
      return;
    }
    handler(request, reply).catch((error: unknown) => {
      void reply.end({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    });
  });
}
