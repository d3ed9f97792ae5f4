/**
 * Connection state recovery across servers on NATS JetStream, the storage: sessions live in a KV bucket (one key
 * per private session id, the bucket's TTL is `maxDisconnectionDuration`), and the broadcast history is the
 * stream of the bus (`bus.ts`), whose sequences are the offsets handed to clients. A session is taken once (a
 * compare-and-delete on its revision), then the stored broadcasts after the client's offset are read back and
 * kept when they are recoverable (an event, no ack, not volatile) and reach the session's rooms.
 *
 * ```ts
 * const store = await NatsSessionStore.open(nc, { stream: 'socket_io', subject: 'socket.io.m./', maxDisconnectionDuration: 120_000 });
 * await store.persist({ sid, pid, rooms: [sid, 'news'], data: {} });
 * const session = await store.restore(pid, '42');
 * ```
 *
 * Owns the bucket and the reading of the history. Imports only types of the `nats` package; must never import the
 * server classes nor the cluster core.
 */
import { encode as msgpackEncode, decode as msgpackDecode } from 'notepack.io';
import type { ConsumerConfig, JetStreamClient, JetStreamManager, KV, NatsConnection } from 'nats';
import { decodeMessage, log, withTimeout } from './bus.js';

/** A disconnected session as saved by the server layer. */
export interface StoredSession {
  sid: string;
  pid: string;
  rooms: Array<string | number>;
  data: unknown;
}

/** A restored session with the event argument lists the client missed (each ending with its offset). */
export interface RestoredSession extends StoredSession {
  missedPackets: unknown[][];
}

/** Options of {@link NatsSessionStore}. */
export interface NatsSessionStoreOptions {
  /** The stream holding the history (the bus's). */
  stream: string;
  /** The namespace's subject in that stream. */
  subject: string;
  /** How long a session stays restorable, in ms (the bucket's TTL). */
  maxDisconnectionDuration: number;
  /** KV bucket name. Default `<stream>_sessions`. */
  bucket?: string;
  /** Longest wait for one JetStream call, in ms. Default 5000. */
  timeout?: number;
}

const OFFSET_RE = /^\d+$/;
const PAGE = 500;
/** Message type of a broadcast in the cluster protocol. */
const BROADCAST = 3;
/** Socket.IO packet type of an event. */
const EVENT = 2;

/**
 * Whether a stored broadcast (rooms/except) reaches a socket in `sessionRooms`.
 * @example
 * ```ts
 * reaches(['s1', 'news'], ['news'], []);   // true
 * ```
 */
export function reaches(sessionRooms: ReadonlyArray<string | number>, rooms: ReadonlyArray<string | number>,
  except: ReadonlyArray<string | number>): boolean {
  const included = rooms.length === 0 || sessionRooms.some((r) => rooms.includes(r));
  return included && sessionRooms.every((r) => !except.includes(r));
}

/** The event arguments of a stored message, when it is a recoverable broadcast reaching `rooms`. */
function recoverable(bytes: Uint8Array, rooms: ReadonlyArray<string | number>): unknown[] | null {
  const m = decodeMessage(bytes);
  if (!m || m.type !== BROADCAST) return null;
  const data = m.data as { packet?: { type?: number; id?: number; data?: unknown }; opts?: {
    rooms?: Array<string | number>; except?: Array<string | number>; flags?: { volatile?: boolean } }; requestId?: string };
  const packet = data?.packet;
  if (!packet || packet.type !== EVENT || packet.id !== undefined || data.requestId !== undefined) return null;
  if (data.opts?.flags?.volatile !== undefined || !Array.isArray(packet.data)) return null;
  return reaches(rooms, data.opts?.rooms ?? [], data.opts?.except ?? []) ? packet.data : null;
}

/** Private session id → a valid KV key. */
function keyOf(pid: string): string {
  return Buffer.from(pid).toString('base64url') || '_';
}

/**
 * Sessions in a JetStream KV bucket, history in the bus's stream.
 * @example
 * ```ts
 * const store = await NatsSessionStore.open(nc, { stream: bus.stream!, subject: bus.subject, maxDisconnectionDuration: 120_000 });
 * const session = await store.restore(pid, offset);   // the session and the broadcasts after `offset`
 * ```
 */
export class NatsSessionStore {
  private readonly timeout: number;

  private constructor(private readonly js: JetStreamClient, private readonly jsm: JetStreamManager, private readonly kv: KV,
    private readonly opts: NatsSessionStoreOptions) {
    this.timeout = opts.timeout ?? 5000;
  }

  /**
   * Opens (creates if needed) the bucket.
   * @param nc the connection
   * @param opts stream, subject, TTL
   * @returns the store
   * @example
   * ```ts
   * const store = await NatsSessionStore.open(nc, { stream: 'socket_io', subject: 'socket.io.m./', maxDisconnectionDuration: 120_000 });
   * ```
   */
  static async open(nc: NatsConnection, opts: NatsSessionStoreOptions): Promise<NatsSessionStore> {
    const js = nc.jetstream();
    const jsm = await nc.jetstreamManager();
    const kv = await js.views.kv(opts.bucket ?? `${opts.stream}_sessions`, { ttl: opts.maxDisconnectionDuration, history: 1 });
    return new NatsSessionStore(js, jsm, kv, opts);
  }

  /**
   * Saves a session, restorable for `maxDisconnectionDuration` ms.
   * @param session sid, pid, rooms and data
   * @example
   * ```ts
   * await store.persist({ sid: socket.id, pid, rooms: [...socket.rooms], data: socket.data });
   * ```
   */
  async persist(session: StoredSession): Promise<void> {
    const value = msgpackEncode({ sid: session.sid, pid: session.pid, rooms: [...session.rooms], data: session.data });
    await withTimeout(this.kv.put(keyOf(session.pid), value), this.timeout, 'KV put');
  }

  /**
   * Deletes a saved session (the socket left for good).
   * @param pid private session id
   * @example
   * ```ts
   * await store.forget(pid);
   * ```
   */
  async forget(pid: string): Promise<void> {
    await withTimeout(this.kv.purge(keyOf(pid)), this.timeout, 'KV purge');
  }

  /**
   * Takes a saved session (restored once) and the broadcasts it missed after `offset`.
   * @param pid private session id
   * @param offset the last offset the client received (a stream sequence)
   * @returns the session, or null when unknown, expired, taken by another server, or the offset is no longer
   *   (or not yet) in the history
   * @example
   * ```ts
   * const session = await store.restore(pid, '1042');
   * ```
   */
  async restore(pid: string, offset: string): Promise<RestoredSession | null> {
    if (typeof pid !== 'string' || typeof offset !== 'string' || !OFFSET_RE.test(offset)) return null;
    const key = keyOf(pid);
    const entry = await withTimeout(this.kv.get(key), this.timeout, 'KV get');
    if (!entry || entry.operation !== 'PUT') return null;
    try {
      await withTimeout(this.kv.delete(key, { previousSeq: entry.revision }), this.timeout, 'KV delete');
    } catch {
      return null;   // taken meanwhile by another server
    }
    let session: StoredSession;
    try {
      session = msgpackDecode(Buffer.from(entry.value)) as StoredSession;
    } catch {
      return null;
    }
    const seq = Number(offset);
    const { state } = await withTimeout(this.jsm.streams.info(this.opts.stream), this.timeout, 'stream info');
    if (seq > state.last_seq || (state.messages > 0 && seq < state.first_seq - 1)) {
      log('offset %s of session %s is not in the history (%d..%d)', offset, pid, state.first_seq, state.last_seq);
      return null;
    }
    return { ...session, missedPackets: await this.readAfter(seq, state.last_seq, session.rooms) };
  }

  /** The recoverable broadcasts of the namespace after `seq` up to `last`, reaching `rooms`. */
  private async readAfter(seq: number, last: number, rooms: ReadonlyArray<string | number>): Promise<unknown[][]> {
    const missed: unknown[][] = [];
    if (seq >= last) return missed;
    const config = {
      filter_subject: this.opts.subject, deliver_policy: 'by_start_sequence', opt_start_seq: seq + 1,
      ack_policy: 'none', mem_storage: true, inactive_threshold: 30_000 * 1e6,
    } as unknown as Partial<ConsumerConfig>;
    const info = await withTimeout(this.jsm.consumers.add(this.opts.stream, config), this.timeout, 'consumer add');
    try {
      const consumer = await this.js.consumers.get(this.opts.stream, info.name);
      let pending = info.num_pending;
      while (pending > 0) {
        const batch = await consumer.fetch({ max_messages: Math.min(PAGE, pending), expires: this.timeout });
        let got = 0;
        for await (const msg of batch) {
          got++;
          pending = msg.info.pending;
          if (msg.info.streamSequence > last) { pending = 0; break; }
          const args = recoverable(msg.data, rooms);
          if (args) missed.push([...args, String(msg.info.streamSequence)]);
          if (pending === 0) break;
        }
        if (got === 0) break;
      }
    } finally {
      this.jsm.consumers.delete(this.opts.stream, info.name).catch(() => {});
    }
    return missed;
  }
}
