/**
 * `createMetrics(io)`: Prometheus metrics of a Socketeer server. Live state (connections, sockets) is read when
 * scraped; events the server already emits (engine `connection`, `connection_error`, a session's `upgrade` and
 * `close`, a namespace's `connection`) are counted by listeners; the per-message traffic goes through the probe
 * attached to `io.probes` ({@link TrafficProbe}), which the server's hot paths skip entirely when metrics are off.
 *
 * Why a built-in registry rather than `prom-client`: no dependency for users who do not have it, and the hot-path
 * counters are plain number fields rendered at scrape time (no label lookup per message). The output is the standard
 * text format, so a `prom-client` user merges it in one line (see `docs/metrics.md`), or passes one `register`
 * ({@link Registry}) shared by several servers.
 *
 * Owns: the metric families of a server and their listeners. Must never import the client, nor call the server's
 * underscore members; it uses only public members and the documented hooks.
 *
 * @example
 * ```ts
 * import { createMetrics } from 'socketeer/metrics';
 * const metrics = createMetrics(io, { eventNames: ['chat message'] });
 * await metrics.serve({ port: 9464 });   // http://localhost:9464/metrics
 * ```
 */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../server/auth/authenticate.js';
import type { RateLimiter } from '../server/auth/rate-limit.js';
import type { EngineConnection } from '../server/engine.js';
import type { Namespace } from '../server/namespace.js';
import type { Server } from '../server/server.js';
import type { Socket } from '../server/socket.js';
import type { EventsMap } from '../server/typed-events.js';
import { collectProcessMetrics } from './process.js';
import { Registry, type LabeledValue, type Sample } from './registry.js';
import { mountOn, serveOn, type ServeOptions, type Served } from './serve.js';
import { TrafficProbe } from './traffic.js';

export type { ServeOptions, Served } from './serve.js';

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** the registry to register into (default: a new one); share one between several servers with distinct `prefix` */
  register?: Registry;
  /** the prefix of the metric names (default `socketeer_`) */
  prefix?: string;
  /** event names counted by name (`…_events_received_total{event}`); others count as `(other)`. Default: none */
  eventNames?: readonly string[];
  /** distinct namespace labels kept; further namespaces count as `*` (default 100) */
  maxNamespaces?: number;
  /** the process collectors (CPU, memory, event loop lag, handles); default true */
  defaultMetrics?: boolean;
  /** `socketeer/auth` authenticators whose counters are exported (credentials refreshes, refusals, expiries) */
  authenticators?: ReadonlyArray<Pick<Authenticator, 'nsp' | 'stats'>>;
  /** `socketeer/auth` rate limiters whose counters are exported */
  rateLimiters?: ReadonlyArray<Pick<RateLimiter, 'stats'>>;
}

/** The refusal message of the per-address connection limit (`maxConnectionsPerAddress`). */
const LIMIT_MESSAGE = /too many connections/i;

/**
 * The metrics of one server.
 * @example
 * ```ts
 * const metrics = createMetrics(io);
 * const text = await metrics.text();
 * metrics.close();
 * ```
 */
export class Metrics<L extends EventsMap = EventsMap, E extends EventsMap = L, S extends EventsMap = EventsMap, D = unknown> {
  /** The registry holding the families. */
  readonly register: Registry;
  private readonly io: Server<L, E, S, D>;
  private readonly accepted: LabeledValue;
  private readonly refusedHandshakes: LabeledValue;
  private readonly upgrades: LabeledValue;
  private readonly disconnections: LabeledValue;
  private readonly recoveries: LabeledValue;
  private readonly sizeLimitHits: LabeledValue;
  private readonly detachProbe: () => void;
  private readonly cleanups: Array<() => void> = [];
  private readonly names: string[] = [];
  private limitRefusalsSeen = 0;
  private closed = false;

  /**
   * @param io the server (attached to an HTTP server, or bound to an engine)
   * @param opts the options
   */
  constructor(io: Server<L, E, S, D>, opts: MetricsOptions = {}) {
    const engine = io.engine;
    if (engine === undefined) throw new Error('createMetrics: attach the server to an HTTP server (or bind an engine) first');
    this.io = io;
    if (io.probes.current !== undefined) throw new Error('createMetrics: metrics (or another probe) are already attached to this server');
    const registry = (this.register = opts.register ?? new Registry());
    const p = opts.prefix ?? 'socketeer_';
    const track = <T extends { name: string }>(family: T): T => (this.names.push(family.name), family);

    track(registry.collected(p + 'engine_connections', 'Open Engine.IO sessions, by transport', 'gauge', ['transport'], () => {
      const counts = new Map<string, number>([['polling', 0], ['websocket', 0]]);
      for (const conn of engine.clients.values()) counts.set(conn.transport.name, (counts.get(conn.transport.name) ?? 0) + 1);
      return [...counts].map(([transport, value]) => ({ labels: [transport], value }));
    }));
    track(registry.collected(p + 'sockets', 'Connected Socket.IO sockets, by namespace and transport', 'gauge', ['namespace', 'transport'], () => this.socketCounts(opts.maxNamespaces ?? 100)));
    this.accepted = track(registry.counter(p + 'handshakes_accepted_total', 'Handshakes accepted: Engine.IO sessions opened (stage engine), namespace CONNECTs accepted (stage namespace)', ['stage']));
    this.refusedHandshakes = track(
      registry.counter(p + 'handshakes_refused_total', 'Handshakes refused, by stage (engine, namespace) and reason (origin, limits, forbidden, bad_request, unknown_transport, unknown_sid, bad_method, unsupported_protocol, middleware, invalid_namespace)', ['stage', 'reason']),
    );
    this.upgrades = track(registry.counter(p + 'upgrades_total', 'Transport upgrades completed', ['from', 'to']));
    this.disconnections = track(registry.counter(p + 'engine_disconnections_total', 'Engine.IO sessions closed, by reason', ['reason']));
    this.recoveries = track(registry.counter(p + 'recoveries_total', 'Connection state recoveries attempted at CONNECT, by namespace and outcome (recovered, failed)', ['namespace', 'outcome']));
    this.sizeLimitHits = track(registry.counter(p + 'size_limit_hits_total', 'Messages or HTTP bodies over maxHttpBufferSize, by transport', ['transport']));
    track(registry.collected(p + 'connection_limit_refusals_total', 'Handshakes refused by the per-address connection limit (maxConnectionsPerAddress)', 'counter', [], () => [{ labels: [], value: engine.connectionLimiter?.stats().refused ?? 0 }]));
    this.addAuthFamilies(registry, p, opts);

    const probe = new TrafficProbe(registry, p, { eventNames: opts.eventNames, maxNamespaces: opts.maxNamespaces, opaque: io.parser !== undefined }, this.refusedHandshakes);
    for (const name of ['messages_received_total', 'messages_sent_total', 'received_bytes_total', 'sent_bytes_total', 'ack_round_trip_seconds', 'broadcast_duration_seconds', 'adapter_publish_lag_seconds', 'adapter_request_timeouts_total']) this.names.push(p + name);
    if ((opts.eventNames ?? []).length > 0) this.names.push(p + 'events_received_total', p + 'events_sent_total');
    this.detachProbe = io.probes.attach(probe);
    if (opts.defaultMetrics !== false) this.cleanups.push(collectProcessMetrics(registry));

    this.listen(engine, 'connection', this.onEngineConnection);
    this.listen(engine, 'connection_error', this.onEngineError);
    for (const nsp of io.namespaces.byName.values()) this.watchNamespace(nsp);
    this.listen(io.sockets, 'new_namespace', this.watchNamespace);
    const http = io.httpServer;
    if (http !== undefined) this.listen(http, 'request', this.onHttpRequest);
  }

  private listen(target: EventEmitter, ev: string, fn: (...args: never[]) => void): void {
    const listener = fn as (...args: unknown[]) => void;
    target.on(ev, listener);
    this.cleanups.push(() => target.off(ev, listener));
  }

  private socketCounts(max: number): Sample[] {
    const samples: Sample[] = [];
    let other: Map<string, number> | undefined;
    let n = 0;
    for (const nsp of this.io.namespaces.byName.values()) {
      const counts = n++ < max ? new Map<string, number>() : (other ??= new Map());
      for (const socket of nsp.sockets.values()) {
        const transport = socket.conn.transport.name;
        counts.set(transport, (counts.get(transport) ?? 0) + 1);
      }
      if (counts !== other) for (const [transport, value] of counts) samples.push({ labels: [nsp.name, transport], value });
    }
    if (other) for (const [transport, value] of other) samples.push({ labels: ['*', transport], value });
    return samples;
  }

  private addAuthFamilies(registry: Registry, p: string, opts: MetricsOptions): void {
    const auths = opts.authenticators ?? [];
    const limiters = opts.rateLimiters ?? [];
    const byAuth = (outcomes: ReadonlyArray<[string, (s: ReturnType<Authenticator['stats']>) => number]>) => (): Sample[] =>
      auths.flatMap((a) => {
        const stats = a.stats();
        return outcomes.map(([outcome, pick]) => ({ labels: [a.nsp.name, outcome], value: pick(stats) }));
      });
    const sum = (pick: (s: ReturnType<RateLimiter['stats']>) => number) => (): Sample[] => [{ labels: [], value: limiters.reduce((n, l) => n + pick(l.stats()), 0) }];
    const families = [
      registry.collected(p + 'credentials_verifications_total', 'Credentials checked at CONNECT (socketeer/auth), by namespace and outcome', 'counter', ['namespace', 'outcome'], byAuth([['accepted', (s) => s.accepted], ['refused', (s) => s.refused]])),
      registry.collected(p + 'credentials_refreshes_total', 'Credentials refreshes in place (socketeer/auth), by namespace and outcome (accepted, refused, throttled, principal_changed)', 'counter', ['namespace', 'outcome'], byAuth([
        ['accepted', (s) => s.refreshed],
        ['refused', (s) => s.refreshRefused],
        ['throttled', (s) => s.refreshThrottled],
        ['principal_changed', (s) => s.principalChanged],
      ])),
      registry.collected(p + 'credentials_expiries_total', 'Sockets disconnected because their credentials expired (socketeer/auth), by namespace', 'counter', ['namespace'], () => auths.map((a) => ({ labels: [a.nsp.name], value: a.stats().expired }))),
      registry.collected(p + 'rate_limited_events_total', 'Events dropped by the rate limits (socketeer/auth rateLimit)', 'counter', [], sum((s) => s.limited)),
      registry.collected(p + 'rate_limit_disconnects_total', 'Sockets disconnected for sustained abuse of the rate limits', 'counter', [], sum((s) => s.disconnected)),
    ];
    for (const f of families) this.names.push(f.name);
  }

  private readonly onEngineConnection = (conn: EngineConnection): void => {
    this.accepted.inc(['engine']);
    conn.once('upgrade', this.onUpgrade);
    conn.once('close', this.onClose);
  };

  private readonly onUpgrade = (transport: { name: string }): void => {
    this.upgrades.inc(['polling', transport.name]);
  };

  private readonly onClose = (reason: string, description?: unknown): void => {
    this.disconnections.inc([reason]);
    if (reason === 'transport error' && isPayloadTooLarge(description)) this.sizeLimitHits.inc(['websocket']);
  };

  private readonly onEngineError = (err: { code: number; context?: Record<string, unknown> }): void => {
    this.refusedHandshakes.inc(['engine', this.refusalReason(err.code, err.context)]);
  };

  private refusalReason(code: number, context: Record<string, unknown> | undefined): string {
    const name = context?.name;
    if (name === 'ORIGIN_NOT_ALLOWED' || name === 'INVALID_ORIGIN') return 'origin';
    switch (code) {
      case 0:
        return 'unknown_transport';
      case 1:
        return 'unknown_sid';
      case 2:
        return 'bad_method';
      case 4: {
        const refused = this.io.engine.connectionLimiter?.stats().refused ?? 0;
        const byLimiter = refused > this.limitRefusalsSeen;
        this.limitRefusalsSeen = refused;
        return byLimiter || LIMIT_MESSAGE.test(String(context?.message ?? '')) ? 'limits' : 'forbidden';
      }
      case 5:
        return 'unsupported_protocol';
      default:
        return 'bad_request';
    }
  }

  private readonly watchNamespace = (nsp: Namespace<L, E, S, D>): void => {
    const onConnection = (socket: Socket<L, E, S, D>): void => {
      this.accepted.inc(['namespace']);
      const auth = socket.handshake.auth as Record<string, unknown> | undefined;
      if (nsp.server.opts.connectionStateRecovery && typeof auth?.pid === 'string' && typeof auth.offset === 'string') this.recoveries.inc([nsp.name, socket.recovered ? 'recovered' : 'failed']);
    };
    this.listen(nsp, 'connection', onConnection as (...args: never[]) => void);
  };

  private readonly onHttpRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'POST' || req.url === undefined || !req.url.startsWith(this.io.path() as string)) return;
    res.once('finish', () => {
      if (res.statusCode === 413) this.sizeLimitHits.inc(['polling']);
    });
  };

  /**
   * The exposition in the Prometheus text format.
   * @returns the text
   * @example
   * ```ts
   * console.log(await metrics.text());
   * ```
   */
  text(): Promise<string> {
    return this.register.metrics();
  }

  /**
   * An HTTP handler answering with the exposition (for a route of an application: `app.get('/metrics', …)`).
   * @example
   * ```ts
   * app.get('/metrics', metrics.handler);
   * ```
   */
  readonly handler = (req: IncomingMessage, res: ServerResponse): void => {
    void req;
    this.text().then(
      (text) => res.writeHead(200, { 'Content-Type': this.register.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(err)),
    );
  };

  /**
   * Answers `path` on an HTTP server (by default the server's own), passing every other request on.
   * @param path the path (default `/metrics`)
   * @param http the HTTP server (default `io.httpServer`)
   * @returns this
   * @example
   * ```ts
   * createMetrics(io).mount('/metrics');   // on the same port as Socket.IO
   * ```
   */
  mount(path = '/metrics', http = this.io.httpServer): this {
    if (http === undefined) throw new Error('mount: the server has no HTTP server; pass one');
    this.cleanups.push(mountOn(http, path, this.handler));
    return this;
  }

  /**
   * Serves the exposition on a port of its own.
   * @param opts port (0: a free one), host, path
   * @returns the listening server and its port
   * @example
   * ```ts
   * const { port } = await metrics.serve({ port: 9464 });
   * ```
   */
  async serve(opts: ServeOptions = {}): Promise<Served> {
    const served = await serveOn(opts, this.handler);
    this.cleanups.push(() => served.server.close());
    return served;
  }

  /**
   * Detaches from the server: the probe is removed (the hot paths are free again), the listeners, the mounted
   * route and the served port go, and the families leave the registry.
   * @example
   * ```ts
   * metrics.close();
   * ```
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.detachProbe();
    for (const fn of this.cleanups.splice(0).reverse()) fn();
    for (const name of this.names) this.register.remove(name);
  }
}

/** Whether a transport error is a message over the WebSocket payload limit. */
function isPayloadTooLarge(description: unknown): boolean {
  for (let e = description, depth = 0; e instanceof Object && depth < 3; e = (e as { description?: unknown }).description, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' || code === 1009 || (typeof message === 'string' && /max payload size exceeded/i.test(message))) return true;
  }
  return false;
}

/**
 * Prometheus metrics of a Socketeer server.
 * @param io the server (attached to an HTTP server)
 * @param opts registry, prefix, allow-listed event names, `socketeer/auth` sources
 * @returns the metrics (`text()`, `handler`, `mount()`, `serve()`, `close()`)
 * @throws Error if the server has no engine yet, or if metrics are already attached to it
 * @example
 * ```ts
 * import { Server } from 'socketeer';
 * import { createMetrics } from 'socketeer/metrics';
 * const io = new Server(3000);
 * const metrics = createMetrics(io, { eventNames: ['chat message'] }).mount('/metrics');
 * ```
 */
export function createMetrics<L extends EventsMap, E extends EventsMap, S extends EventsMap, D>(io: Server<L, E, S, D>, opts?: MetricsOptions): Metrics<L, E, S, D> {
  return new Metrics(io, opts);
}
