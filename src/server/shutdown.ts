/**
 * Graceful shutdown (`io.shutdown()`, and the opt-in signal handling of the `gracefulShutdown` option): a server
 * leaves a cluster without losing a message or a client.
 *
 * 1. the engine drains: new handshakes get `503 Service Unavailable` (a load balancer's health check sees it, a
 *    client retries and reaches another server); requests of open sessions are still served;
 * 2. every socket leaves its namespace with the reason `server shutting down`: its client is told first (the
 *    `socketeer:disconnect` event, `{ reason: 'server shutting down' }`); with connection state recovery its
 *    session is saved (rooms, data) for another server to restore;
 * 3. the adapters finish their work: broadcasts waiting to be published go out, sessions being saved are written
 *    (the Redis adapter awaits both in `close()`);
 * 4. every connection is closed gracefully: queued packets are written first, then the transport closes (WebSocket
 *    close frame, or the `close` packet on long-polling). The official client sees `transport close` and
 *    reconnects; with the Redis adapter it resumes on another server with `socket.recovered === true` and the
 *    broadcasts it missed. No DISCONNECT packet is sent (after one, the official client would not reconnect);
 * 5. the HTTP server stops listening (until then it answers new handshakes `503`).
 *
 * All of it within `timeout` ms: what is still open then is closed at once.
 *
 * ```ts
 * const io = new Server(httpServer, {
 *   adapter: createAdapter(pub, sub),
 *   connectionStateRecovery: {},
 *   gracefulShutdown: { signals: ['SIGTERM'], timeout: 10_000 }, // shut down, then exit, on SIGTERM
 * });
 * // or by hand:
 * process.once('SIGTERM', async () => { await io.shutdown({ timeout: 10_000 }); process.exit(0); });
 * ```
 *
 * Owns: closing (`io.close()`) and shutting down (`io.shutdown()`, signals). Uses a server only through
 * {@link ShutdownTarget} (public members: the engine, the HTTP server, the namespaces and their sockets'
 * `leaveNamespace`); must never import the server, namespace, connection or socket modules.
 */
import type { Server as HttpServer } from 'node:http';
import { createLogger } from '../util/logger.js';
import type { EngineConnection, EngineLike, EngineTransport } from './engine.js';

const debug = createLogger('socketeer:shutdown');

/** Options of `io.shutdown()`. */
export interface ShutdownOptions {
  /** Longest time the shutdown may take, in ms (default 10000); connections still open then are closed at once. */
  timeout?: number;
}

/** The `gracefulShutdown` server option. */
export interface GracefulShutdownOptions extends ShutdownOptions {
  /** Signals that start the shutdown (default `['SIGTERM', 'SIGINT']`). A second signal exits at once. */
  signals?: NodeJS.Signals[];
  /** Exit the process once every server that handles the signal is shut down (default true). */
  exit?: boolean;
}

/** What closing and shutting down need of a socket: tell its client why, then leave the namespace. */
export interface ShutdownSocket {
  sendDisconnectDetails(details: { reason: 'server shutting down' }): void;
  leaveNamespace(reason: 'server shutting down'): unknown;
}

/** Tells the client the server is going away (no DISCONNECT: it reconnects), then leaves the namespace. */
function leaveForShutdown(socket: ShutdownSocket): void {
  socket.sendDisconnectDetails({ reason: 'server shutting down' });
  socket.leaveNamespace('server shutting down');
}

/** What closing and shutting down need of a namespace: its sockets (to make them leave) and its adapter. */
export interface ShutdownNamespace {
  readonly sockets: ReadonlyMap<string, ShutdownSocket>;
  readonly adapter: { close(): Promise<void> | void };
}

/**
 * What closing and shutting down need of a server (`Server` satisfies it).
 * @example
 * ```ts
 * const target: ShutdownTarget = io;   // a Server satisfies it
 * ```
 */
export interface ShutdownTarget {
  readonly engine?: EngineLike;
  readonly httpServer?: unknown;
  readonly namespaces: { values(): Iterable<ShutdownNamespace> };
}

export const DEFAULT_SHUTDOWN_TIMEOUT = 10000;

/**
 * Closes a server at once (`io.close()`): every socket leaves with `server shutting down`, then the adapters, the
 * engine and the HTTP server are closed.
 * @param io the server
 * @param fn called once closed (with an error if the HTTP server was not running)
 * @example
 * ```ts
 * await closeServer(io);   // what io.close() does
 * ```
 */
export async function closeServer(io: ShutdownTarget, fn?: (err?: Error) => void): Promise<void> {
  await Promise.allSettled(
    [...io.namespaces.values()].map(async (nsp) => {
      for (const socket of nsp.sockets.values()) leaveForShutdown(socket);
      await nsp.adapter.close();
    }),
  );
  io.engine?.close();
  if (io.httpServer) {
    return new Promise((resolve) => {
      (io.httpServer as HttpServer).close((err) => {
        fn && fn(err);
        if (err) debug('server was not running');
        resolve();
      });
    });
  }
  fn && fn();
}

/**
 * Shuts a server down gracefully (see the module comment).
 * @param io the server
 * @param opts the bound
 * @returns settles once done, within `timeout` ms (plus the time of one event loop turn)
 * @example
 * ```ts
 * await shutdownServer(io, { timeout: 10_000 });   // what io.shutdown() does
 * ```
 */
export function shutdownServer(io: ShutdownTarget, opts: ShutdownOptions = {}): Promise<void> {
  const timeout = opts.timeout ?? DEFAULT_SHUTDOWN_TIMEOUT;
  if (!(timeout >= 0)) return Promise.reject(new TypeError('shutdown timeout must be a number of ms >= 0'));
  const engine = io.engine;
  if (engine) engine.draining = true;
  debug('draining (bound %d ms)', timeout);
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeout);
  });
  const closing = new Set<EngineTransport>();
  return Promise.race([drain(io, closing), bound]).then((outcome) => {
    clearTimeout(timer);
    if (outcome === 'timeout') debug('bound reached: closing what is left');
    // what is left: WebSocket connections whose closing handshake did not end, sessions still open
    for (const transport of closing) transport.terminate?.();
    engine?.close();
    const http = io.httpServer as HttpServer | undefined;
    if (http && typeof http.close === 'function' && http.listening) http.close();
    if (http && typeof http.closeAllConnections === 'function') http.closeAllConnections();
    debug('shut down');
  });
}

/** The graceful part: sockets leave (sessions saved), adapters finish, connections close after their writes. */
async function drain(io: ShutdownTarget, closing: Set<EngineTransport>): Promise<void> {
  const nsps = [...io.namespaces.values()];
  for (const nsp of nsps) {
    for (const socket of [...nsp.sockets.values()]) {
      try {
        leaveForShutdown(socket);
      } catch (err) {
        debug('error while closing a socket: %s', (err as Error)?.message);
      }
    }
  }
  await Promise.allSettled(nsps.map(async (nsp) => nsp.adapter.close()));
  const closed: Promise<void>[] = [];
  if (io.engine) for (const conn of [...io.engine.clients.values()]) closed.push(closeGracefully(conn, closing));
  await Promise.allSettled(closed);
  // the server listened until now, answering new handshakes `503`
  const http = io.httpServer as HttpServer | undefined;
  if (http && typeof http.close === 'function' && http.listening) {
    const closed = new Promise<void>((resolve) => http.close(() => resolve()));
    // idle keep-alive connections would hold `close()` until they time out
    if (typeof http.closeIdleConnections === 'function') http.closeIdleConnections();
    await closed;
  }
}

/**
 * Closes one connection after its queued packets are written; settles when its transport is closed (for a
 * WebSocket, once the close frame went out and the TCP connection ended).
 */
function closeGracefully(conn: EngineConnection, closing: Set<EngineTransport>): Promise<void> {
  return new Promise((resolve) => {
    if (conn.readyState === 'closed') return resolve();
    const transport = conn.transport;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      closing.delete(transport);
      resolve();
    };
    if (transport.name === 'websocket') {
      if (transport.readyState === 'closed') return finish();
      closing.add(transport);
      transport.once('close', finish);
    } else {
      conn.once('close', finish);
    }
    try {
      conn.close();
    } catch (err) {
      debug('error while closing a connection: %s', (err as Error)?.message);
      finish();
    }
  });
}

// ---- signals ------------------------------------------------------------------------------------------------------

/** Servers shut down by a signal, with their options. */
const registered = new Map<ShutdownTarget & { shutdown(opts?: ShutdownOptions): Promise<void> }, GracefulShutdownOptions>();
/** Installed process listeners, by signal. */
const listeners = new Map<NodeJS.Signals, () => void>();
let shuttingDown = false;

/**
 * Shuts the server down when the process receives one of `opts.signals`, then (with `exit`, the default) exits
 * with code 0 once every server registered for that signal is done. A second signal exits at once (code 1).
 * @param io the server
 * @param opts signals, bound and exit
 * @returns a function removing the registration
 * @example
 * ```ts
 * const off = handleSignals(io, { signals: ['SIGTERM'], timeout: 10_000 });   // the gracefulShutdown option
 * off();
 * ```
 */
export function handleSignals(
  io: ShutdownTarget & { shutdown(opts?: ShutdownOptions): Promise<void> },
  opts: GracefulShutdownOptions = {},
): () => void {
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  registered.set(io, { ...opts, signals });
  for (const signal of signals) {
    if (listeners.has(signal)) continue;
    const listener = (): void => onSignal(signal);
    listeners.set(signal, listener);
    process.on(signal, listener);
  }
  return () => {
    if (!registered.delete(io)) return;
    for (const [signal, listener] of listeners) {
      if ([...registered.values()].some((o) => o.signals!.includes(signal))) continue;
      process.removeListener(signal, listener);
      listeners.delete(signal);
    }
  };
}

function onSignal(signal: NodeJS.Signals): void {
  if (shuttingDown) {
    debug('%s received again: exiting now', signal);
    process.exit(1);
  }
  shuttingDown = true;
  const targets = [...registered].filter(([, o]) => o.signals!.includes(signal));
  debug('%s received: shutting down %d server(s)', signal, targets.length);
  const exit = targets.some(([, o]) => o.exit !== false);
  void Promise.allSettled(targets.map(([io, o]) => io.shutdown({ timeout: o.timeout }))).then(() => {
    shuttingDown = false;
    if (exit) process.exit(process.exitCode ?? 0);
  });
}
