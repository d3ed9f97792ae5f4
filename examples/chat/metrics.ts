/**
 * Live figures for the dashboard, built only on the server's public API: engine connections and their
 * transports (`socket.conn.transport.name`, the engine's `upgrade`), namespaces and their sockets, rooms
 * from `adapter.rooms`, event rates from `onAny` / `onAnyOutgoing`, and handshake refusals counted by
 * the middlewares and the engine's `connection_error`.
 */
import type { Server, Socket } from '../../src/server/index.js';
import type { Authenticator, RateLimiter } from '../../src/server/auth/index.js';
import type { ConnectionLimiter } from '../../src/engine/limits.js';

/** Credentials and limits counters, since the start (summed over the nodes of a cluster). */
export interface Guard {
  /** tokens refreshed in place (`auth.stats().refreshed`) */
  refreshed: number;
  /** refresh requests sent to pages */
  refreshRequests: number;
  /** CONNECTs refused by the token check */
  refused: number;
  /** sockets cut because a refresh was refused */
  refreshRefused: number;
  /** sockets cut at token expiry (no refresh in time, or a client without the extension) */
  expired: number;
  /** events dropped by the rate limit */
  rateLimited: number;
  /** sockets disconnected for a sustained rate above the limit */
  rateDisconnected: number;
  /** handshakes refused by the per-address connection cap */
  connectionRefusals: number;
  /** the configured limits (0: none) */
  eventsPerSecond: number;
  maxConnectionsPerAddress: number;
}

/** An empty {@link Guard}. */
export function emptyGuard(): Guard {
  return {
    refreshed: 0,
    refreshRequests: 0,
    refused: 0,
    refreshRefused: 0,
    expired: 0,
    rateLimited: 0,
    rateDisconnected: 0,
    connectionRefusals: 0,
    eventsPerSecond: 0,
    maxConnectionsPerAddress: 0,
  };
}

/** One Engine.IO connection, with the namespaces its sockets joined. */
export interface ClientInfo {
  /** Engine.IO session id */
  id: string;
  user: string | null;
  transport: string;
  address: string;
  namespaces: string[];
  /** epoch ms */
  connectedAt: number;
  /** the node serving it (when the chat runs on several) */
  node?: string;
}

/** A room of a namespace with its member count. */
export interface RoomInfo {
  nsp: string;
  name: string;
  members: number;
}

/** What the dashboard draws, pushed over `/admin` as `snapshot`. */
export interface Snapshot {
  at: number;
  uptimeSeconds: number;
  clients: ClientInfo[];
  namespaces: Array<{ name: string; sockets: number }>;
  rooms: RoomInfo[];
  /** events per second over the last `HISTORY` seconds, oldest first */
  rates: { in: number[]; out: number[] };
  /** handshake refusals by reason */
  refusals: Record<string, number>;
  totals: { eventsIn: number; eventsOut: number; connections: number; refusals: number };
  /** token refreshes, refusals, expiries and the limits' counters */
  guard: Guard;
  /** one line per node, when the chat runs on several (the other fields then sum or list every node) */
  nodes?: NodeSummary[];
}

/** A node of a chat running on several processes, as the dashboard lists it. */
export interface NodeSummary {
  id: string;
  clients: number;
  sockets: number;
  /** events per second in the last full second */
  rates: { in: number; out: number };
  uptimeSeconds: number;
  /** this node's credentials and limits counters */
  guard: Guard;
}

/** One node's own snapshot, as gathered over `serverSideEmit`. */
export interface NodeSnapshot {
  node: string;
  snapshot: Snapshot;
}

/**
 * Combines the snapshots of every node into the one the dashboard draws: clients listed with their node,
 * namespaces, rooms, rates, refusals and totals summed, and a `nodes` line per node.
 * @param parts each node's snapshot (this node first)
 * @returns the cluster's snapshot
 */
export function mergeSnapshots(parts: NodeSnapshot[]): Snapshot {
  const sorted = [...parts].sort((a, b) => a.node.localeCompare(b.node));
  const clients: ClientInfo[] = [];
  const namespaces = new Map<string, number>();
  const rooms = new Map<string, RoomInfo>();
  const rates = { in: new Array<number>(HISTORY).fill(0), out: new Array<number>(HISTORY).fill(0) };
  const refusals: Record<string, number> = {};
  const totals = { eventsIn: 0, eventsOut: 0, connections: 0, refusals: 0 };
  const nodes: NodeSummary[] = [];
  const guard = emptyGuard();
  for (const { node, snapshot: s } of sorted) {
    if (s.guard) {
      for (const k of Object.keys(guard) as Array<keyof Guard>) {
        // the limits are per node: show the one configured, the counters add up
        if (k === 'eventsPerSecond' || k === 'maxConnectionsPerAddress') guard[k] = Math.max(guard[k], s.guard[k]);
        else guard[k] += s.guard[k];
      }
    }
    for (const c of s.clients) clients.push({ ...c, node });
    for (const n of s.namespaces) namespaces.set(n.name, (namespaces.get(n.name) ?? 0) + n.sockets);
    for (const r of s.rooms) {
      const key = r.nsp + '\0' + r.name;
      const known = rooms.get(key);
      if (known) known.members += r.members;
      else rooms.set(key, { ...r });
    }
    for (let i = 0; i < HISTORY; i++) {
      rates.in[i]! += s.rates.in[i] ?? 0;
      rates.out[i]! += s.rates.out[i] ?? 0;
    }
    for (const k in s.refusals) refusals[k] = (refusals[k] ?? 0) + s.refusals[k]!;
    totals.eventsIn += s.totals.eventsIn;
    totals.eventsOut += s.totals.eventsOut;
    totals.connections += s.totals.connections;
    totals.refusals += s.totals.refusals;
    nodes.push({
      id: node,
      clients: s.clients.length,
      sockets: s.namespaces.reduce((a, n) => a + n.sockets, 0),
      rates: { in: s.rates.in[s.rates.in.length - 1] ?? 0, out: s.rates.out[s.rates.out.length - 1] ?? 0 },
      uptimeSeconds: s.uptimeSeconds,
      guard: s.guard ?? emptyGuard(),
    });
  }
  return {
    at: Date.now(),
    uptimeSeconds: Math.max(0, ...sorted.map((p) => p.snapshot.uptimeSeconds)),
    clients: clients.sort((a, b) => a.connectedAt - b.connectedAt),
    namespaces: [...namespaces].map(([name, sockets]) => ({ name, sockets })),
    rooms: [...rooms.values()].sort((a, b) => b.members - a.members || a.name.localeCompare(b.name)),
    rates,
    refusals,
    totals,
    guard,
    nodes,
  };
}

/** Seconds of rate history kept. */
export const HISTORY = 60;

/** Counts what happens on a server and renders it as `Snapshot`s. */
export class Metrics {
  private eventsIn = 0;
  private eventsOut = 0;
  private lastIn = 0;
  private lastOut = 0;
  private connections = 0;
  private readonly ratesIn: number[] = new Array(HISTORY).fill(0);
  private readonly ratesOut: number[] = new Array(HISTORY).fill(0);
  private readonly refusals: Record<string, number> = {};
  private readonly connectedAt = new WeakMap<object, number>();
  private readonly startedAt = Date.now();
  private changeListener: (() => void) | null = null;

  private readonly namespaces: string[];
  private readonly isPrivateRoom: (name: string) => boolean;

  /**
   * @param io the server to observe
   * @param opts `namespaces` shown, `counted` namespaces whose events are counted (not the dashboard's own
   * traffic), `isPrivateRoom` tells rooms that are not chat rooms (per-user rooms) to hide them
   */
  constructor(
    private readonly io: Server,
    opts: { namespaces: string[]; counted: string[]; isPrivateRoom: (name: string) => boolean },
  ) {
    this.namespaces = opts.namespaces;
    this.isPrivateRoom = opts.isPrivateRoom;
    io.engine.on('connection', (conn: { on(ev: string, fn: () => void): void }) => {
      this.connections++;
      this.connectedAt.set(conn, Date.now());
      conn.on('upgrade', () => this.changed());
      conn.on('close', () => this.changed());
      this.changed();
    });
    // refused Engine.IO handshakes: requests without a session id on the engine path (requests of a closed
    // session, or for other files under the path, are not handshakes)
    const enginePath = (io.path() + '/').replace(/\/+$/, '/');
    io.engine.on('connection_error', (err: { message?: string; req?: { url?: string } }) => {
      const url = err.req?.url ?? '';
      const isEngine = url.startsWith(enginePath) && (url.length === enginePath.length || url[enginePath.length] === '?');
      if (isEngine && !/[?&]sid=/.test(url)) this.refuse(`engine: ${err.message ?? 'error'}`);
    });
    for (const name of opts.counted) {
      const nsp = io.of(name);
      nsp.on('connection', (socket: Socket) => this.track(socket));
    }
  }

  private watched: { authenticators: Authenticator[]; limiter?: RateLimiter; eventsPerSecond?: number; connections?: ConnectionLimiter } = {
    authenticators: [],
  };

  /**
   * Adds the credentials extension's and the limits' counters to the snapshots.
   * @param what the authenticators (one per namespace), the event rate limiter with its rate, the engine's
   * connection limiter (`io.engine.connectionLimiter`)
   */
  watch(what: { authenticators: Authenticator[]; limiter?: RateLimiter; eventsPerSecond?: number; connections?: ConnectionLimiter }): void {
    this.watched = what;
  }

  /** @returns the credentials and limits counters of this server */
  guard(): Guard {
    const g = emptyGuard();
    for (const a of this.watched.authenticators) {
      const s = a.stats();
      g.refreshed += s.refreshed;
      g.refreshRequests += s.refreshRequests;
      g.refused += s.refused;
      g.refreshRefused += s.refreshRefused;
      g.expired += s.expired;
    }
    if (this.watched.limiter) {
      const s = this.watched.limiter.stats();
      g.rateLimited = s.limited;
      g.rateDisconnected = s.disconnected;
      g.eventsPerSecond = this.watched.eventsPerSecond ?? 0;
    }
    if (this.watched.connections) {
      const s = this.watched.connections.stats();
      g.connectionRefusals = s.refused;
      g.maxConnectionsPerAddress = Number.isFinite(s.maxPerAddress) ? s.maxPerAddress : 0;
    }
    return g;
  }

  /** Registers the function called (at most every 100 ms) when something visible changed. */
  onChange(fn: () => void): void {
    this.changeListener = fn;
  }

  /**
   * Counts a refused handshake.
   * @param reason the refusal's code (`TOKEN_EXPIRED`, `NOT_ADMIN`, `engine: Session ID unknown`, …)
   */
  refuse(reason: string): void {
    this.refusals[reason] = (this.refusals[reason] ?? 0) + 1;
    this.changed();
  }

  /** Notes that something the dashboard shows has changed (rooms joined, …). */
  changed(): void {
    if (this.changeTimer || !this.changeListener) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = null;
      this.changeListener?.();
    }, 100);
  }
  private changeTimer: ReturnType<typeof setTimeout> | null = null;

  /** Closes the one-second sample: call every second. */
  tick(): void {
    this.ratesIn.push(this.eventsIn - this.lastIn);
    this.ratesOut.push(this.eventsOut - this.lastOut);
    this.ratesIn.shift();
    this.ratesOut.shift();
    this.lastIn = this.eventsIn;
    this.lastOut = this.eventsOut;
  }

  /** Stops pending work. */
  close(): void {
    if (this.changeTimer) clearTimeout(this.changeTimer);
    this.changeTimer = null;
    this.changeListener = null;
  }

  /** @returns the current state of the server */
  snapshot(): Snapshot {
    const clients = new Map<string, ClientInfo>();
    const namespaces: Snapshot['namespaces'] = [];
    const rooms: RoomInfo[] = [];
    for (const name of this.namespaces) {
      const nsp = this.io.of(name);
      namespaces.push({ name, sockets: nsp.sockets.size });
      for (const socket of nsp.sockets.values()) {
        const conn = socket.conn;
        let info = clients.get(conn.id);
        if (!info) {
          info = {
            id: conn.id,
            user: (socket.data as { user?: { name: string } }).user?.name ?? null,
            transport: conn.transport.name,
            address: socket.handshake.address,
            namespaces: [],
            connectedAt: this.connectedAt.get(conn) ?? socket.handshake.issued,
          };
          clients.set(conn.id, info);
        }
        info.namespaces.push(name);
      }
      for (const [room, members] of nsp.adapter.rooms) {
        if (nsp.sockets.has(room) || this.isPrivateRoom(room)) continue;
        rooms.push({ nsp: name, name: room, members: members.size });
      }
    }
    rooms.sort((a, b) => b.members - a.members || a.name.localeCompare(b.name));
    let refusals = 0;
    for (const k in this.refusals) refusals += this.refusals[k]!;
    return {
      at: Date.now(),
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      clients: [...clients.values()].sort((a, b) => a.connectedAt - b.connectedAt),
      namespaces,
      rooms,
      rates: { in: this.ratesIn.slice(), out: this.ratesOut.slice() },
      refusals: { ...this.refusals },
      totals: { eventsIn: this.eventsIn, eventsOut: this.eventsOut, connections: this.connections, refusals },
      guard: this.guard(),
    };
  }

  private track(socket: Socket): void {
    socket.onAny(() => {
      this.eventsIn++;
    });
    socket.onAnyOutgoing(() => {
      this.eventsOut++;
    });
    this.changed();
    socket.on('disconnect', () => this.changed());
  }
}
