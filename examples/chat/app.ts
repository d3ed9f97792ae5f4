/**
 * The chat demo as a function, so tests can run it on an ephemeral port with short token lifetimes:
 *
 * ```ts
 * import { startChat } from './examples/chat/app.js';
 * const chat = await startChat({ port: 0, tokenTtlSeconds: 2 });
 * console.log(chat.url); // http://127.0.0.1:54321
 * await chat.close();
 * ```
 *
 * With `redisUrl` (the demo on several processes, see `cluster.ts`), the node joins the others through the
 * Redis Streams adapter: broadcasts, rooms, presence and `fetchSockets()` span every node, long-polling requests
 * reaching the wrong node are forwarded to their owner (`pollingForwarding`), users, refresh sessions, room history and the
 * token secret live in Redis, and the dashboard gathers every node's figures. Without it they live in an
 * SQLite file in `dataDir` (`npm start`: `./data/`), so a restart keeps everyone signed in and the history;
 * without either, in an SQLite database in memory (the tests).
 *
 * Every node serves its Prometheus metrics (`socketeer/metrics`) on `GET /metrics`; the dashboard shows the same
 * figures.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Server, type ServerOptions } from '../../src/server/index.js';
import { authenticate, rateLimit, type Authenticator, type RateLimiter } from '../../src/server/auth/index.js';
import { createAdapter } from '../../src/server/adapters/redis-streams/index.js';
import { ChatAuth } from './auth.js';
import { attachAdmin } from './admin.js';
import { attachChat, USER_ROOM_PREFIX } from './chat.js';
import { buildAuthHelperBundle, buildFallbackBundle, FALLBACK_BUNDLE, probeServedBundle, SERVED_BUNDLE } from './client-bundle.js';
import { createHttpHandler } from './http.js';
import { Metrics } from './metrics.js';
import { tokenVerifier } from './middleware.js';
import { RedisStore } from './redis-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { ChatStore } from './store.js';

/** Options of `startChat`. */
export interface ChatOptions {
  /** port to listen on (default 3000; 0 picks a free one) */
  port?: number;
  /** interface to listen on (default: all) */
  host?: string;
  /** access token lifetime (default 60 s), refreshed in place `refreshBeforeMs` before expiry */
  tokenTtlSeconds?: number;
  /** how long before expiry pages are asked for a new token (default 20 s; never sooner than half the lifetime) */
  refreshBeforeMs?: number;
  /** chat events a socket may send per second, and its burst (default 30) */
  eventsPerSecond?: number;
  /** Engine.IO sessions per remote address (default 50) */
  maxConnectionsPerAddress?: number;
  /** refresh cookie lifetime (default 8 h) */
  refreshTtlSeconds?: number;
  /** HS256 secret of the tokens (default: the store's, random at the first start) */
  secret?: Uint8Array;
  /** extra Socket.IO server options (heartbeat, transports…) */
  server?: Partial<ServerOptions>;
  /** Redis to share the chat with other nodes (default: none, everything in this process) */
  redisUrl?: string;
  /** without `redisUrl`: the folder of the SQLite file (`chat.db`) that keeps users, sessions, history and secret (default: none, in memory) */
  dataDir?: string;
  /** this node's name on the dashboard when `redisUrl` is set (default `node-<port>`) */
  nodeId?: string;
}

/** A running chat server. */
export interface Chat {
  /** `http://<host>:<port>` */
  url: string;
  port: number;
  io: Server;
  http: HttpServer;
  auth: ChatAuth;
  /** the credentials extension on `/` and `/admin` (refreshes, refusals, expiries) */
  authenticators: { main: Authenticator; admin: Authenticator };
  /** the event rate limit of both namespaces */
  limiter: RateLimiter;
  /** users, refresh sessions, history and secret (SQLite or Redis) */
  store: ChatStore;
  /** the dashboard figures; `metrics.library` is the server's `socketeer/metrics` (served on `GET /metrics`) */
  metrics: Metrics;
  /** where the pages load the client bundle from */
  bundlePath: string;
  /** this node's name, when it shares the chat with others over Redis */
  nodeId: string | undefined;
  /** Tells every page the server is shutting down, disconnects everyone and stops the servers (within 2 s). */
  close(): Promise<void>;
}

/**
 * Starts the chat: HTTP pages and API, Socket.IO on `/` (chat) and `/admin` (dashboard feed).
 * @param opts port, token lifetimes, server options
 * @returns the running chat
 */
export async function startChat(opts: ChatOptions = {}): Promise<Chat> {
  // with Redis: one connection runs the store's commands; the adapter opens its own from it
  const pub = opts.redisUrl ? new Redis(opts.redisUrl, { maxRetriesPerRequest: 2 }) : null;
  const store: ChatStore = pub ? new RedisStore(pub) : opts.dataDir ? SqliteStore.open(opts.dataDir) : new SqliteStore(':memory:');
  const auth = new ChatAuth({
    tokenTtlSeconds: opts.tokenTtlSeconds,
    refreshTtlSeconds: opts.refreshTtlSeconds,
    secret: opts.secret,
    store,
  });
  await auth.ready;
  let bundlePath = SERVED_BUNDLE;
  let fallback: string | null = null;
  const authHelper = await buildAuthHelperBundle();

  // the page handler goes first: the Socket.IO server hands it every request outside `/socket.io/`
  const http = createServer(
    createHttpHandler({
      auth,
      publicDir: fileURLToPath(new URL('public/', import.meta.url)),
      bundlePath: () => bundlePath,
      fallbackBundle: () => fallback,
      authHelper: () => authHelper,
      onLogout: (user) => {
        // every socket of the user, chat and dashboard, on every node: their pages show the sign-in form
        const why = { reason: 'signed out', message: 'Signed out in another window' };
        main.in(USER_ROOM_PREFIX + user.name).disconnectSockets(false, why);
        admin.in(USER_ROOM_PREFIX + user.name).disconnectSockets(false, why);
      },
    }),
  );
  const io = new Server(http, {
    maxHttpBufferSize: 2e6,
    maxConnectionsPerAddress: opts.maxConnectionsPerAddress ?? 50,
    // a node gone is out of everyone's presence within the heartbeat timeout
    ...(pub ? { adapter: createAdapter(pub, { requestsTimeout: 2000, heartbeatInterval: 2000, heartbeatTimeout: 6000, pollingForwarding: true }) } : {}),
    presence: { diffInterval: 50 },
    ...opts.server,
  });
  const main = io.of('/');
  const admin = io.of('/admin');
  // the refusal codes of the token check go to the metrics (`chat_refusals_total`), created just below
  const onRefuse = (code: string) => metrics.refuse(code);
  // tokens are checked at CONNECT and at every refresh in place; pages are asked for a new one ~20 s before expiry
  const refresh = { refreshBefore: opts.refreshBeforeMs ?? 20_000, refreshTimeout: 10_000 };
  const authenticators = {
    main: authenticate(main, { verify: tokenVerifier(auth, { onRefuse }), ...refresh }),
    admin: authenticate(admin, { verify: tokenVerifier(auth, { requireAdmin: true, onRefuse: (code) => onRefuse(`/admin ${code}`) }), ...refresh }),
  };
  const eventsPerSecond = opts.eventsPerSecond ?? 30;
  // an event over the rate is refused on its own (its ack says `rate limited` and `retryAfter`; the page shows the
  // message as not sent, with a Retry): only a sustained flood of ten times the rate in refused events cuts the socket
  const limiter = rateLimit({ points: eventsPerSecond, duration: 1000, tolerance: eventsPerSecond * 10 });
  main.use(limiter);
  admin.use(limiter);
  // the library's metrics (`socketeer/metrics`), served on GET /metrics and read by the dashboard
  const metrics = new Metrics(io, {
    namespaces: ['/', '/admin'],
    counted: '/',
    isPrivateRoom: (room) => room.startsWith(USER_ROOM_PREFIX) || room === 'dashboards',
    authenticators: Object.values(authenticators),
    limiter,
    eventsPerSecond,
  });
  metrics.library.mount('/metrics');
  const chat = attachChat(main, { history: store, shared: pub !== null, onChange: () => metrics.changed() });
  let feed = pub ? null : attachAdmin(admin, main, metrics);

  http.listen(opts.port ?? 3000, opts.host);
  try {
    await once(http, 'listening');
  } catch (err) {
    // e.g. EADDRINUSE: nothing stays open behind the error
    chat.close();
    await io.close();
    store.close();
    pub?.disconnect();
    throw err;
  }
  const port = (http.address() as AddressInfo).port;
  // a shared chat names its node after the port unless told otherwise
  const nodeId = pub ? (opts.nodeId ?? `node-${port}`) : undefined;
  feed ??= attachAdmin(admin, main, metrics, { nodeId });
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
    store,
    authenticators,
    limiter,
    metrics,
    get bundlePath() {
      return bundlePath;
    },
    nodeId,
    async close() {
      chat.close();
      feed!.close();
      // a graceful stop: each page is told "server shutting down" (its writes flushed, long-polling included),
      // so it says "The server restarted, reconnecting…" and reconnects
      await io.shutdown({ timeout: 2000 });
      http.closeAllConnections();
      store.close();
      pub?.disconnect();
    },
  };
}
