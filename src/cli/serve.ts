/**
 * `socketeer serve`: a local Socketeer server for trying clients out. Prints every connection (transport, auth,
 * query), event and disconnect, on every namespace; with `--echo`, sends each event back to its sender and
 * acknowledges it with the same arguments. Owns nothing but this test server.
 *
 * Part of the CLI (`src/cli/`), the top layer: nothing imports it. Uses only the server's public entry
 * (`src/server/index.ts`); must never import `src/engine/` or the server's internals.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from '../server/index.js';
import type { ServeCommand } from './args.js';
import type { Printer } from './output.js';

/** A running `socketeer serve`. */
export interface RunningServe {
  io: Server;
  http: HttpServer;
  /** the URL clients connect to, e.g. `http://localhost:3000` */
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the server of `socketeer serve` and resolves once it listens (a `listening` line printed with its URL).
 * @example
 * ```ts
 * const serve = await startServe({ command: 'serve', echo: true, port: 0, host: '127.0.0.1', cors: false, path: undefined, json: false }, printer);
 * console.log(serve.url);
 * await serve.close();
 * ```
 */
export function startServe(cmd: ServeCommand, printer: Printer): Promise<RunningServe> {
  const http = createServer();
  const io = new Server(http, {
    ...(cmd.path ? { path: cmd.path } : {}),
    ...(cmd.cors ? { cors: { origin: true, credentials: true } } : {}),
  });
  const onConnection = (socket: Socket): void => {
    const who = { socket: socket.id, namespace: socket.nsp.name };
    printer.print({ type: 'connection', ...who, transport: socket.conn.transport.name, auth: socket.handshake.auth, query: socket.handshake.query });
    socket.conn.once('upgrade', () => printer.print({ type: 'upgrade', ...who, transport: socket.conn.transport.name }));
    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (...a: unknown[]) => void) : undefined;
      printer.print({ type: 'event', ...who, event, args, ...(ack ? { ack: true } : {}) });
      if (!cmd.echo) return;
      socket.emit(event, ...args);
      if (ack) ack(...args);
    });
    socket.on('disconnect', (reason) => printer.print({ type: 'disconnect', ...who, reason }));
  };
  io.on('connection', onConnection);
  io.of(/^\/.+$/).on('connection', onConnection);
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    const listening = (): void => {
      http.off('error', reject);
      const { port } = http.address() as AddressInfo;
      const host = !cmd.host || cmd.host === '0.0.0.0' || cmd.host === '::' ? 'localhost' : cmd.host.includes(':') ? `[${cmd.host}]` : cmd.host;
      const url = `http://${host}:${port}`;
      printer.print({ type: 'listening', url, path: cmd.path ?? '/socket.io', echo: cmd.echo, cors: cmd.cors });
      resolve({
        io,
        http,
        url,
        close: () => new Promise<void>((done) => io.close(() => done())),
      });
    };
    if (cmd.host) http.listen(cmd.port, cmd.host, listening);
    else http.listen(cmd.port, listening);
  });
}
