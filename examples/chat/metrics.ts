/**
 * The dashboard's figures, built on the library's metrics (`socketeer/metrics`, the families `/metrics`
 * exposes) and the server's public API for the live lists: engine connections and their transports, sockets per
 * namespace and transport, messages and bytes in and out, ack round trips, refused handshakes, credentials and
 * limits, process facts. The demo keeps no counter of its own.
 */
import type { Server, Socket } from '../../src/server/index.js';
import type { Authenticator, RateLimiter } from '../../src/server/auth/index.js';
import { createMetrics, type LabeledValue, type Metrics as LibraryMetrics, type ReadSample } from '../../src/metrics/index.js';

/** Credentials and limits counters, since the start (summed over the nodes of a cluster). */
export interface Guard {
  /** tokens refreshed in place (`auth.stats().refreshed`) */
  refreshed: number;
  /** refreshes refused for coming too soon after the previous one */
  refreshThrottled: number;
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
    refreshThrottled: 0,
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

/** Sockets of a namespace, by transport. */
export interface NamespaceInfo {
  name: string;
  sockets: number;
  websocket: number;
  polling: number;
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
  /** `socketeer_sockets` */
  namespaces: NamespaceInfo[];
  rooms: RoomInfo[];
  /** users present in each chat room, on every node (`io.presence`: the same on every node once replicated) */
  presence?: Array<{ room: string; users: number }>;
  /** chat events and bytes per second over the last `HISTORY` seconds, oldest first */
  rates: { in: number[]; out: number[]; bytesIn: number[]; bytesOut: number[] };
  /** refusals by reason: the chat's codes (`chat_refusals_total`), the engine's (`engine origin`, …) */
  refusals: Record<string, number>;
  /** since the start: chat events and bytes (`socketeer_messages_*`, `socketeer_*_bytes_total`), sessions opened, refusals */
  totals: { eventsIn: number; eventsOut: number; bytesIn: number; bytesOut: number; connections: number; refusals: number };
  /** open Engine.IO sessions by transport (`socketeer_engine_connections`) */
  transports: { websocket: number; polling: number };
  /** `socketeer_handshakes_refused_total` by `stage reason`, and `socketeer_upgrades_total` */
  handshakes: { refused: Record<string, number>; upgrades: number };
  /** `socketeer_ack_round_trip_seconds` of the chat namespace */
  ack: { count: number; sumSeconds: number };
  /** the process collectors (the sum over the nodes of a cluster; the lag is the largest) */
  process: ProcessInfo;
  /** token refreshes, refusals, expiries and the limits' counters */
  guard: Guard;
  /** one line per node, when the chat runs on several (the other fields then sum or list every node) */
  nodes?: NodeSummary[];
}

/** Process facts, from the default collectors. */
export interface ProcessInfo {
  cpuSeconds: number;
  residentBytes: number;
  heapUsedBytes: number;
  eventLoopLagP99Seconds: number;
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
  process: ProcessInfo;
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
  const namespaces = new Map<string, NamespaceInfo>();
  const rooms = new Map<string, RoomInfo>();
  const rates = { in: zeros(), out: zeros(), bytesIn: zeros(), bytesOut: zeros() };
  const refusals: Record<string, number> = {};
  const totals = { eventsIn: 0, eventsOut: 0, bytesIn: 0, bytesOut: 0, connections: 0, refusals: 0 };
  const transports = { websocket: 0, polling: 0 };
  const handshakes = { refused: {} as Record<string, number>, upgrades: 0 };
  const ack = { count: 0, sumSeconds: 0 };
  const proc: ProcessInfo = { cpuSeconds: 0, residentBytes: 0, heapUsedBytes: 0, eventLoopLagP99Seconds: 0 };
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
    for (const n of s.namespaces) {
      const known = namespaces.get(n.name);
      if (!known) namespaces.set(n.name, { ...n });
      else for (const k of ['sockets', 'websocket', 'polling'] as const) known[k] += n[k];
    }
    for (const r of s.rooms) {
      const key = r.nsp + '\0' + r.name;
      const known = rooms.get(key);
      if (known) known.members += r.members;
      else rooms.set(key, { ...r });
    }
    for (const k of ['in', 'out', 'bytesIn', 'bytesOut'] as const) for (let i = 0; i < HISTORY; i++) rates[k][i]! += s.rates[k][i] ?? 0;
    for (const k in s.refusals) refusals[k] = (refusals[k] ?? 0) + s.refusals[k]!;
    for (const k in s.handshakes.refused) handshakes.refused[k] = (handshakes.refused[k] ?? 0) + s.handshakes.refused[k]!;
    handshakes.upgrades += s.handshakes.upgrades;
    for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += s.totals[k];
    transports.websocket += s.transports.websocket;
    transports.polling += s.transports.polling;
    ack.count += s.ack.count;
    ack.sumSeconds += s.ack.sumSeconds;
    proc.cpuSeconds += s.process.cpuSeconds;
    proc.residentBytes += s.process.residentBytes;
    proc.heapUsedBytes += s.process.heapUsedBytes;
    proc.eventLoopLagP99Seconds = Math.max(proc.eventLoopLagP99Seconds, s.process.eventLoopLagP99Seconds);
    nodes.push({
      id: node,
      clients: s.clients.length,
      sockets: s.namespaces.reduce((a, n) => a + n.sockets, 0),
      rates: { in: s.rates.in[s.rates.in.length - 1] ?? 0, out: s.rates.out[s.rates.out.length - 1] ?? 0 },
      uptimeSeconds: s.uptimeSeconds,
      guard: s.guard ?? emptyGuard(),
      process: s.process,
    });
  }
  return {
    at: Date.now(),
    uptimeSeconds: Math.max(0, ...sorted.map((p) => p.snapshot.uptimeSeconds)),
    clients: clients.sort((a, b) => a.connectedAt - b.connectedAt),
    namespaces: [...namespaces.values()],
    rooms: [...rooms.values()].sort((a, b) => b.members - a.members || a.name.localeCompare(b.name)),
    // presence is replicated: every node has the cluster's, this node's is taken
    presence: parts[0]?.snapshot.presence,
    rates,
    refusals,
    totals,
    transports,
    handshakes,
    ack,
    process: proc,
    guard,
    nodes,
  };
}

/** Seconds of rate history kept. */
export const HISTORY = 60;

/** What the dashboard needs to know of the server besides its metrics. */
export interface FigureOptions {
  /** namespaces shown */
  namespaces: string[];
  /** the namespace whose traffic the rates and totals show (not the dashboard's own feed) */
  counted: string;
  /** tells rooms that are not chat rooms (per-user rooms) to hide them */
  isPrivateRoom: (name: string) => boolean;
  /** the credentials extension of each namespace, exported by the metrics */
  authenticators: Authenticator[];
  /** the event rate limiter, exported by the metrics, and its rate */
  limiter: RateLimiter;
  eventsPerSecond: number;
}

/**
 * The dashboard's figures, read from the library's metrics (`socketeer/metrics`, the same families `/metrics`
 * exposes): this class keeps no counter of its own. The live lists (clients, rooms) come from the server's
 * public API; the one-second rates are differences of the library's counters between two ticks; the refusal codes
 * of the chat's token check are an application family in the same registry (`chat_refusals_total{code}`).
 */
export class Metrics {
  /** the library's metrics of the server (`metrics.mount('/metrics')`, `metrics.text()`) */
  readonly library: LibraryMetrics;
  private readonly codes: LabeledValue;
  private readonly rates = { in: zeros(), out: zeros(), bytesIn: zeros(), bytesOut: zeros() };
  private last: { in: number; out: number; bytesIn: number; bytesOut: number } | null = null;
  private readonly connectedAt = new WeakMap<object, number>();
  private changeListener: (() => void) | null = null;
  private changeTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly maxPerAddress: number;

  /**
   * @param io the server to observe (attached to its HTTP server)
   * @param opts the namespaces shown and counted, the credentials and limits sources
   */
  constructor(
    private readonly io: Server,
    private readonly opts: FigureOptions,
  ) {
    this.library = createMetrics(io, {
      eventNames: CHAT_EVENTS,
      authenticators: opts.authenticators,
      rateLimiters: [opts.limiter],
    });
    this.codes = this.library.register.counter('chat_refusals_total', 'Handshakes and refreshes refused by the chat token check, by code', ['code']);
    const max = io.engine.connectionLimiter?.stats().maxPerAddress ?? 0;
    this.maxPerAddress = Number.isFinite(max) ? max : 0;
    // not counters: what makes the dashboard redraw sooner than the next tick, and when each connection opened
    io.engine.on('connection', (conn: { on(ev: string, fn: () => void): void }) => {
      this.connectedAt.set(conn, Date.now());
      conn.on('upgrade', () => this.changed());
      conn.on('close', () => this.changed());
      this.changed();
    });
    for (const name of opts.namespaces) {
      io.of(name).on('connection', (socket: Socket) => {
        this.changed();
        socket.on('disconnect', () => this.changed());
      });
    }
  }

  /**
   * Counts a refusal of the chat's token check in `chat_refusals_total`.
   * @param code the refusal's code (`TOKEN_EXPIRED`, `/admin NOT_ADMIN`, `refresh BAD_TOKEN`, …)
   */
  refuse(code: string): void {
    this.codes.inc([code]);
    this.changed();
  }

  /** Registers the function called (at most every 100 ms) when something visible changed. */
  onChange(fn: () => void): void {
    this.changeListener = fn;
  }

  /** Notes that something the dashboard shows has changed (rooms joined, …). */
  changed(): void {
    if (this.changeTimer || !this.changeListener) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = null;
      this.changeListener?.();
    }, 100);
  }

  /** Closes the one-second sample (the counters' increase since the previous tick): call every second. */
  tick(): void {
    const now = this.traffic();
    const prev = this.last ?? now;
    for (const k of ['in', 'out', 'bytesIn', 'bytesOut'] as const) {
      this.rates[k].push(Math.max(0, now[k] - prev[k]));
      this.rates[k].shift();
    }
    this.last = now;
  }

  /** Detaches the metrics and stops pending work. */
  close(): void {
    if (this.changeTimer) clearTimeout(this.changeTimer);
    this.changeTimer = null;
    this.changeListener = null;
    this.library.close();
  }

  /** @returns the credentials and limits counters of this server, from the metrics */
  guard(): Guard {
    const refreshes = this.read('credentials_refreshes_total');
    return {
      refreshed: total(refreshes, { outcome: 'accepted' }),
      refreshThrottled: total(refreshes, { outcome: 'throttled' }),
      refused: total(this.read('credentials_verifications_total'), { outcome: 'refused' }),
      refreshRefused: total(refreshes, { outcome: 'refused' }),
      expired: total(this.read('credentials_expiries_total')),
      rateLimited: total(this.read('rate_limited_events_total')),
      rateDisconnected: total(this.read('rate_limit_disconnects_total')),
      connectionRefusals: total(this.read('connection_limit_refusals_total')),
      eventsPerSecond: this.opts.eventsPerSecond,
      maxConnectionsPerAddress: this.maxPerAddress,
    };
  }

  /** @returns the current state of the server */
  snapshot(): Snapshot {
    const clients = new Map<string, ClientInfo>();
    const rooms: RoomInfo[] = [];
    const sockets = this.read('sockets');
    const namespaces: Snapshot['namespaces'] = this.opts.namespaces.map((name) => ({
      name,
      sockets: total(sockets, { namespace: name }),
      websocket: total(sockets, { namespace: name, transport: 'websocket' }),
      polling: total(sockets, { namespace: name, transport: 'polling' }),
    }));
    for (const name of this.opts.namespaces) {
      const nsp = this.io.of(name);
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
        if (nsp.sockets.has(room) || this.opts.isPrivateRoom(room)) continue;
        rooms.push({ nsp: name, name: room, members: members.size });
      }
    }
    rooms.sort((a, b) => b.members - a.members || a.name.localeCompare(b.name));

    // refusals by reason: the chat's codes, and the engine's own refusals (not requests of closed sessions)
    const refusals: Record<string, number> = {};
    for (const s of this.library.register.read('chat_refusals_total')) if (s.value > 0) refusals[s.labels.code!] = s.value;
    const handshakes = this.read('handshakes_refused_total');
    for (const s of handshakes) {
      if (s.labels.stage === 'engine' && s.labels.reason !== 'unknown_sid' && s.value > 0) refusals[`engine ${s.labels.reason}`] = s.value;
    }
    const refusedByReason: Record<string, number> = {};
    for (const s of handshakes) if (s.value > 0) refusedByReason[`${s.labels.stage} ${s.labels.reason}`] = s.value;
    const engines = this.read('engine_connections');
    const ack = this.library.register.read(PREFIX + 'ack_round_trip_seconds');
    const counted = { namespace: this.opts.counted };
    const traffic = this.traffic();
    const at = Date.now();
    const started = total(this.library.register.read('process_start_time_seconds'));
    return {
      at,
      uptimeSeconds: started > 0 ? Math.max(0, Math.round(at / 1000 - started)) : 0,
      clients: [...clients.values()].sort((a, b) => a.connectedAt - b.connectedAt),
      namespaces,
      rooms,
      rates: { in: this.rates.in.slice(), out: this.rates.out.slice(), bytesIn: this.rates.bytesIn.slice(), bytesOut: this.rates.bytesOut.slice() },
      refusals,
      totals: {
        eventsIn: traffic.in,
        eventsOut: traffic.out,
        bytesIn: traffic.bytesIn,
        bytesOut: traffic.bytesOut,
        connections: total(this.read('handshakes_accepted_total'), { stage: 'engine' }),
        refusals: Object.values(refusals).reduce((a, b) => a + b, 0),
      },
      transports: { websocket: total(engines, { transport: 'websocket' }), polling: total(engines, { transport: 'polling' }) },
      handshakes: { refused: refusedByReason, upgrades: total(this.read('upgrades_total')) },
      ack: {
        count: total(ack.filter((s) => s.name.endsWith('_count')), counted),
        sumSeconds: total(ack.filter((s) => s.name.endsWith('_sum')), counted),
      },
      process: {
        cpuSeconds: total(this.library.register.read('process_cpu_seconds_total')),
        residentBytes: total(this.library.register.read('process_resident_memory_bytes')),
        heapUsedBytes: total(this.library.register.read('nodejs_heap_size_used_bytes')),
        eventLoopLagP99Seconds: total(this.library.register.read('nodejs_eventloop_lag_p99_seconds')),
      },
      guard: this.guard(),
      presence: this.io.presence.rooms().filter((r) => !this.opts.isPrivateRoom(r))
        .map((room) => ({ room, users: this.io.presence.count(room) })).sort((a, b) => b.users - a.users || a.room.localeCompare(b.room)),
    };
  }

  /** The samples of a `socketeer_…` family. */
  private read(name: string): ReadSample[] {
    return this.library.register.read(PREFIX + name);
  }

  /** Events and bytes of the counted namespace, since the start. */
  private traffic(): { in: number; out: number; bytesIn: number; bytesOut: number } {
    const nsp = { namespace: this.opts.counted };
    return {
      in: total(this.read('messages_received_total'), nsp),
      out: total(this.read('messages_sent_total'), nsp),
      bytesIn: total(this.read('received_bytes_total'), nsp),
      bytesOut: total(this.read('sent_bytes_total'), nsp),
    };
  }
}

/** The prefix of the library's families. */
const PREFIX = 'socketeer_';

/** The chat's events, counted by name in `socketeer_events_received_total` / `…_sent_total`. */
const CHAT_EVENTS = ['message', 'image', 'typing', 'room:join', 'room:leave', 'rooms', 'presence'];

function zeros(): number[] {
  return new Array<number>(HISTORY).fill(0);
}

/**
 * Adds up the samples whose labels include `match`.
 * @param samples samples read from the registry
 * @param match label values required
 * @returns the sum
 */
export function total(samples: ReadSample[], match: Record<string, string> = {}): number {
  let sum = 0;
  for (const s of samples) {
    let ok = true;
    for (const k in match) if (s.labels[k] !== match[k]) ok = false;
    if (ok) sum += s.value;
  }
  return sum;
}
