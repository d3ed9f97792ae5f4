/**
 * Pluggable servers for the client interop suites: the same test cases run against the
 * official `socket.io` server and, when enabled, against Socketeer's own server.
 *
 * Select with `INTEROP_SERVERS=official`, `INTEROP_SERVERS=socketeer` (default: both).
 *
 * ```ts
 * for (const factory of serverFactories()) {
 *   describe(factory.name, () => {
 *     it('connects', async () => {
 *       const srv = await factory.start({}, (io) => io.on('connection', () => {}));
 *       …
 *       await srv.close();
 *     });
 *   });
 * }
 * ```
 */
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as OfficialServer } from 'socket.io';

/** A running server under test. */
export interface TestServer {
  /** The Socket.IO server instance (official or ours; same API). */
  io: any;
  /** The HTTP server it is attached to. */
  http: HttpServer;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Stops the server and drops every connection. */
  close(): Promise<void>;
  /** Stops, then starts a fresh server on the same port with the same options and setup. */
  restart(): Promise<void>;
}

/** Called on every new server instance (also after a restart) to install handlers. */
export type Setup = (io: any, http: HttpServer) => void;

/** Extra HTTP handler run before the Socket.IO server sees a request (return true if handled). */
export type RequestHook = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Starts a server. */
export interface ServerFactory {
  name: string;
  start(opts?: Record<string, unknown>, setup?: Setup, hook?: RequestHook): Promise<TestServer>;
}

type ServerCtor = new (http: HttpServer, opts: Record<string, unknown>) => any;

function listen(http: HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve((http.address() as AddressInfo).port);
    });
  });
}

async function startWith(
  Ctor: ServerCtor,
  opts: Record<string, unknown> = {},
  setup?: Setup,
  hook?: RequestHook,
  host = '127.0.0.1',
): Promise<TestServer> {
  const boot = async (port: number) => {
    const http = createServer();
    const io = new Ctor(http, opts);
    if (hook) {
      // the hook sees every request first; handled ones are hidden from the Socket.IO server
      const listeners = http.listeners('request').slice() as Array<(req: IncomingMessage, res: ServerResponse) => void>;
      http.removeAllListeners('request');
      http.on('request', (req, res) => {
        if (hook(req, res)) return;
        for (const l of listeners) l.call(http, req, res);
      });
    }
    setup?.(io, http);
    const actual = await listen(http, port, host);
    return { io, http, port: actual };
  };
  let current = await boot(0);
  const srv: TestServer = {
    io: current.io,
    http: current.http,
    port: current.port,
    url: `http://${host}:${current.port}`,
    async close() {
      await new Promise<void>((resolve) => {
        current.io.close(() => resolve());
        current.http.closeAllConnections?.();
      });
    },
    async restart() {
      await srv.close();
      current = await boot(srv.port);
      srv.io = current.io;
      srv.http = current.http;
    },
  };
  return srv;
}

/** The official `socket.io` server. */
export const official: ServerFactory = {
  name: 'official socket.io server',
  start: (opts, setup, hook) => startWith(OfficialServer as unknown as ServerCtor, opts, setup, hook),
};

/**
 * Starts the official server.
 * @param opts server options
 * @param setup installs handlers (also after restarts)
 */
export function startOfficialServer(opts?: Record<string, unknown>, setup?: Setup, hook?: RequestHook): Promise<TestServer> {
  return official.start(opts, setup, hook);
}

/** Socketeer's own server (`src/server/index.ts`). */
export const socketeer: ServerFactory = {
  name: 'socketeer server',
  async start(opts, setup, hook) {
    const mod = (await import('../../src/server/index.js' as string)) as { Server?: ServerCtor };
    if (!mod.Server) throw new Error('src/server/index.ts does not export Server');
    return startWith(mod.Server, opts, setup, hook);
  },
};

/** The factories selected by `INTEROP_SERVERS` (default: both servers). */
export function serverFactories(): ServerFactory[] {
  const names = (process.env.INTEROP_SERVERS ?? 'official,socketeer').split(',').map((s) => s.trim());
  const out: ServerFactory[] = [];
  if (names.includes('official')) out.push(official);
  if (names.includes('socketeer')) out.push(socketeer);
  return out;
}
