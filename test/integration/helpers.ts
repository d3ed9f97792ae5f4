/**
 * Helpers of the integration suites: a Socketeer server on an ephemeral port, reference `socket.io-client`
 * clients that are closed with it, and small promise utilities.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { io as ioc, type Socket as ClientSocket, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { Server, type ServerOptions } from '../../src/server/index.js';

export interface Harness<S extends Server<any, any, any, any> = Server> {
  io: S;
  http: HttpServer;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /**
   * Opens a reference client (no reconnection unless asked), closed by `close()`.
   * @param nsp namespace path (default `/`)
   * @param opts client options
   */
  client(nsp?: string, opts?: Partial<ManagerOptions & SocketOptions>): ClientSocket;
  /** Closes every client, the server and the HTTP server. */
  close(): Promise<void>;
}

/**
 * Starts a Socketeer server on 127.0.0.1:0 with short heartbeat settings.
 * @param opts server options
 */
export async function startServer(opts: Partial<ServerOptions> = {}): Promise<Harness> {
  const http = createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  const io = new Server(http, { pingInterval: 500, pingTimeout: 1000, ...opts });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const port = (http.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const clients: ClientSocket[] = [];
  return {
    io,
    http,
    port,
    url,
    client(nsp = '/', copts = {}) {
      const socket = ioc(url + nsp, { forceNew: true, reconnection: false, ...copts });
      clients.push(socket);
      return socket;
    },
    async close() {
      for (const c of clients) c.io.engine?.close();
      for (const c of clients) c.disconnect();
      await io.close();
      http.closeAllConnections();
    },
  };
}

/**
 * Waits for an event.
 * @param emitter anything with `once`
 * @param event the event name
 * @param ms fails after this delay (generous: an event is late on a busy machine, never missing)
 * @returns the arguments of the event
 */
export function waitFor<T extends any[] = any[]>(
  emitter: { once(event: string, fn: (...args: any[]) => void): unknown },
  event: string,
  ms = 15000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for "${event}"`)), ms);
    emitter.once(event, (...args: any[]) => {
      clearTimeout(timer);
      resolve(args as T);
    });
  });
}

/**
 * Resolves after a delay.
 * @param ms the delay
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves when `n` calls of the returned `done` happened.
 * @param n the number of calls
 * @param ms fails after this delay (generous: an event is late on a busy machine, never missing)
 */
export function countdown(n: number, ms = 3000): { done: () => void; promise: Promise<void> } {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(() => reject(new Error(`countdown: ${n} calls left`)), ms);
  return {
    done() {
      if (--n === 0) {
        clearTimeout(timer);
        resolve();
      }
    },
    promise,
  };
}

/**
 * Polls until a condition holds.
 * @param cond the condition
 * @param ms fails after this delay (generous: an event is late on a busy machine, never missing)
 */
export async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}
