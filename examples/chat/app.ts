/**
 * The chat demo as a function, so tests can run it on an ephemeral port with short token lifetimes:
 *
 * ```ts
 * import { startChat } from './examples/chat/app.js';
 * const chat = await startChat({ port: 0, tokenTtlSeconds: 2 });
 * console.log(chat.url); // http://127.0.0.1:54321
 * await chat.close();
 * ```
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Server, type ServerOptions } from '../../src/server/index.js';
import { ChatAuth } from './auth.js';
import { attachAdmin } from './admin.js';
import { attachChat, USER_ROOM_PREFIX } from './chat.js';
import { buildFallbackBundle, FALLBACK_BUNDLE, probeServedBundle, SERVED_BUNDLE } from './client-bundle.js';
import { createHttpHandler } from './http.js';
import { Metrics } from './metrics.js';
import { tokenMiddleware } from './middleware.js';

/** Options of `startChat`. */
export interface ChatOptions {
  /** port to listen on (default 3000; 0 picks a free one) */
  port?: number;
  /** interface to listen on (default: all) */
  host?: string;
  /** access token lifetime (default 300 s) */
  tokenTtlSeconds?: number;
  /** refresh cookie lifetime (default 8 h) */
  refreshTtlSeconds?: number;
  /** HS256 secret of the tokens (default: random at each start) */
  secret?: Uint8Array;
  /** extra Socket.IO server options (heartbeat, transports…) */
  server?: Partial<ServerOptions>;
}

/** A running chat server. */
export interface Chat {
  /** `http://<host>:<port>` */
  url: string;
  port: number;
  io: Server;
  http: HttpServer;
  auth: ChatAuth;
  metrics: Metrics;
  /** where the pages load the client bundle from */
  bundlePath: string;
  /** Disconnects everyone and stops the servers. */
  close(): Promise<void>;
}

/**
 * Starts the chat: HTTP pages and API, Socket.IO on `/` (chat) and `/admin` (dashboard feed).
 * @param opts port, token lifetimes, server options
 * @returns the running chat
 */
export async function startChat(opts: ChatOptions = {}): Promise<Chat> {
  const auth = new ChatAuth({
    tokenTtlSeconds: opts.tokenTtlSeconds,
    refreshTtlSeconds: opts.refreshTtlSeconds,
    secret: opts.secret,
  });
  let bundlePath = SERVED_BUNDLE;
  let fallback: string | null = null;

  // the page handler goes first: the Socket.IO server hands it every request outside `/socket.io/`
  const http = createServer(
    createHttpHandler({
      auth,
      publicDir: fileURLToPath(new URL('public/', import.meta.url)),
      bundlePath: () => bundlePath,
      fallbackBundle: () => fallback,
      onLogout: (user) => {
        // every socket of the user, chat and dashboard
        main.in(USER_ROOM_PREFIX + user.name).disconnectSockets();
        admin.in(USER_ROOM_PREFIX + user.name).disconnectSockets();
      },
    }),
  );
  const io = new Server(http, { maxHttpBufferSize: 2e6, ...opts.server });
  const main = io.of('/');
  const admin = io.of('/admin');
  const metrics = new Metrics(io, {
    namespaces: ['/', '/admin'],
    counted: ['/'],
    isPrivateRoom: (room) => room.startsWith(USER_ROOM_PREFIX) || room === 'dashboards',
  });
  const onRefuse = (code: string) => metrics.refuse(code);
  main.use(tokenMiddleware(auth, { onRefuse }));
  admin.use(tokenMiddleware(auth, { requireAdmin: true, onRefuse: (code) => onRefuse(`/admin ${code}`) }));
  const chat = attachChat(main, { onChange: () => metrics.changed() });
  const feed = attachAdmin(admin, main, metrics);

  http.listen(opts.port ?? 3000, opts.host);
  await once(http, 'listening');
  const port = (http.address() as AddressInfo).port;
  const probeHost = opts.host && opts.host !== '0.0.0.0' && opts.host !== '::' ? opts.host : '127.0.0.1';
  if (!(await probeServedBundle(port, probeHost))) {
    fallback = await buildFallbackBundle();
    bundlePath = FALLBACK_BUNDLE;
  }

  return {
    url: `http://${opts.host && opts.host !== '0.0.0.0' ? opts.host : 'localhost'}:${port}`,
    port,
    io,
    http,
    auth,
    metrics,
    get bundlePath() {
      return bundlePath;
    },
    async close() {
      chat.close();
      feed.close();
      await io.close();
      http.closeAllConnections();
    },
  };
}
