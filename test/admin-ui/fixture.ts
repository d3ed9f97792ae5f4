// Fixtures for the admin-ui suites: a Socketeer server instrumented by the official `@socket.io/admin-ui`,
// an admin client (`socket.io-client` on `/admin`) that records what the admin namespace sends, and a static
// server for the UI the package ships.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, normalize, extname } from 'node:path';
import { instrument, type RedisStore } from '@socket.io/admin-ui';
import bcrypt from 'bcryptjs';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import { Server, type ServerOptions } from '../../src/server/index.js';

export const USERNAME = 'admin';
export const PASSWORD = 'changeit';
/** A bcrypt hash of PASSWORD, as `instrument()` expects it. */
export const PASSWORD_HASH = bcrypt.hashSync(PASSWORD, 4);

/** An instrumented Socketeer server. */
export interface AdminServer {
  io: Server;
  http: HttpServer;
  url: string;
  close(): Promise<void>;
}

/** What `instrument()` receives (typed loosely to accept our `Server` where it expects socket.io's). */
type InstrumentTarget = Parameters<typeof instrument>[0];

/**
 * Starts a Socketeer server on 127.0.0.1 (free port) with `instrument()` from the official package.
 * @param opts - server options, admin options
 */
export async function startAdminServer(opts: {
  server?: Partial<ServerOptions>;
  auth?: boolean;
  serverId?: string;
  store?: RedisStore;
  setup?: (io: Server) => void;
} = {}): Promise<AdminServer> {
  const http = createServer();
  const io = new Server(http, { cors: { origin: true, credentials: true }, ...opts.server });
  opts.setup?.(io);
  instrument(io as unknown as InstrumentTarget, {
    auth: opts.auth === false ? false : { type: 'basic', username: USERNAME, password: PASSWORD_HASH },
    mode: 'development',
    ...(opts.serverId ? { serverId: opts.serverId } : {}),
    ...(opts.store ? { store: opts.store } : {}),
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    io,
    http,
    url,
    close: async () => {
      await new Promise<void>((r) => io.close(() => r()));
      http.closeAllConnections();
    },
  };
}

/** One event received by the admin client. */
export interface AdminEvent {
  event: string;
  args: unknown[];
}

/** An admin client recording every event of the `/admin` namespace. */
export interface AdminClient {
  socket: ClientSocket;
  events: AdminEvent[];
  /** Resolves with the first recorded event matching, waiting up to `timeout` ms. */
  waitFor(event: string, match?: (args: unknown[]) => boolean, timeout?: number): Promise<unknown[]>;
  close(): void;
}

/**
 * Connects an admin client the way the UI does (`forceNew`, credentials in `auth`).
 * @param url - server URL
 * @param auth - credentials (`{ username, password }` or `{ sessionId }`)
 */
export function connectAdmin(url: string, auth: Record<string, string> = { username: USERNAME, password: PASSWORD }): AdminClient {
  const socket = ioc(`${url}/admin`, { forceNew: true, reconnection: false, auth });
  const events: AdminEvent[] = [];
  const waiters = new Set<() => void>();
  socket.onAny((event: string, ...args: unknown[]) => {
    events.push({ event, args });
    for (const w of waiters) w();
  });
  socket.on('connect_error', (err) => {
    events.push({ event: 'connect_error', args: [err.message] });
    for (const w of waiters) w();
  });
  return {
    socket,
    events,
    waitFor(event, match = () => true, timeout = 15000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const hit = events.find((e) => e.event === event && match(e.args));
          if (hit) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(hit.args);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`admin client: no "${event}" within ${timeout} ms (got: ${events.map((e) => e.event).join(', ')})`));
        }, timeout);
        if (!check()) waiters.add(check);
      });
    },
    close: () => socket.close(),
  };
}

/**
 * Waits until `cond()` holds (polling every 25 ms), failing after `timeout` ms.
 * @param what - described in the failure
 */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeout = 15000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** The directory of the UI shipped by `@socket.io/admin-ui`. */
export function uiDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@socket.io/admin-ui/package.json')), 'ui', 'dist');
}

/** Serves the shipped UI on 127.0.0.1 (free port). */
export async function startUiServer(): Promise<{ url: string; close(): Promise<void> }> {
  const root = uiDir();
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
