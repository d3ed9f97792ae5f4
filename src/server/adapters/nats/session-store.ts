/**
 * Connection state recovery across servers on NATS JetStream, the storage: sessions live in a KV bucket (one key
 * per private session id, the bucket's TTL is `maxDisconnectionDuration`), and the broadcast history is the
 * stream of the bus (`bus.ts`), whose sequences are the offsets handed to clients. A session is taken once (a
 * compare-and-delete on its revision), then the stored broadcasts after the client's offset are read back and
 * kept when they are recoverable (an event, no ack, not volatile) and reach the session's rooms.
 *
 * ```ts
 * const store = new NatsSessionStore(nc, { stream: 'socket_io', subject: 'socket.io.m./', ttl: 120_000 });
 * await store.persist({ sid, pid, rooms: [sid, 'news'], data: {} }, 120_000);
 * const session = await store.restore(pid, '42');
 * ```
 *
 * Owns the bucket and the reading of the history. Imports only types of the `nats` package, and of the cluster
 * core only its session-store module (the interface, `reaches`); must never import the server classes.
 */
import { encode as msgpackEncode, decode as msgpackDecode } from 'notepack.io';
import type { ConsumerConfig, JetStreamClient, JetStreamManager, KV, NatsConnection } from 'nats';
import type { PrivateSessionId, Room, Session, SessionToPersist } from '../../adapter-types.js';
import { reaches, type ClusterSessionStore } from '../cluster/session-store.js';
import { decodeMessage, log, withTimeout } from './bus.js';

/** Options of {@link NatsSessionStore}. */
export interface NatsSessionStoreOptions {
  /** The stream holding the history (the bus's). */
  stream: string;
  /** The namespace's subject in that stream. */
  subject: string;
  /**
   * How long a session stays restorable, in ms: the TTL of the bucket, set when it is created (JetStream expires
   * a whole bucket's keys alike; `maxDisconnectionDuration`).
   */
  ttl: number;
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

/** The event arguments of a stored message, when it is a recoverable broadcast reaching `rooms`. */
function recoverable(bytes: Uint8Array, rooms: readonly Room[]): unknown[] | null {
  const m = decodeMessage(bytes);
  if (!m || m.type !== BROADCAST) return null;
  const data = m.data as { packet?: { type?: number; id?: number; data?: unknown }; opts?: {
    rooms?: Room[]; except?: Room[]; flags?: { volatile?: boolean } }; requestId?: string } | undefined;
  const packet = data?.packet;
  if (!data || !packet || packet.type !== EVENT || packet.id !== undefined || data.requestId !== undefined) return null;
  if (data.opts?.flags?.volatile !== undefined || !Array.isArray(packet.data)) return null;
  return reaches(rooms, data.opts?.rooms ?? [], data.opts?.except ?? []) ? packet.data : null;
}

/** Private session id → a valid KV key. */
function keyOf(pid: string): string {
  return Buffer.from(pid).toString('base64url') || '_';
}

interface Opened {
  js: JetStreamClient;
  jsm: JetStreamManager;
  kv: KV;
}

/**
 * Sessions in a JetStream KV bucket, history in the bus's stream (the offsets are its sequences, given by the
 * bus's publish: no `append`).
 * @example
 * ```ts
 * const store = new NatsSessionStore(nc, { stream: 'socket_io', subject: 'socket.io.m./', ttl: 120_000 });
 * const session = await store.restore(pid, offset);   // the session and the broadcasts after `offset`
 * ```
 */
export class NatsSessionStore implements ClusterSessionStore {
  private readonly timeout: number;
  private opened: Promise<Opened> | null = null;

  /**
   * @param nc the connection (the bucket is opened, or created, on first use)
   * @param opts stream, subject, TTL
   * @example
   * ```ts
   * const store = new NatsSessionStore(nc, { stream: 'socket_io', subject: 'socket.io.m./', ttl: 120_000 });
   * ```
   */
  constructor(private readonly nc: NatsConnection, private readonly opts: NatsSessionStoreOptions) {
    this.timeout = opts.timeout ?? 5000;
  }

  private open(): Promise<Opened> {
    this.opened ??= (async () => {
      const js = this.nc.jetstream();
      const jsm = await this.nc.jetstreamManager();
      const kv = await js.views.kv(this.opts.bucket ?? `${this.opts.stream}_sessions`, { ttl: this.opts.ttl, history: 1 });
      return { js, jsm, kv };
    })();
    const opened = this.opened;
    opened.catch(() => { if (this.opened === opened) this.opened = null; });   // retried on next use
    return withTimeout(opened, this.timeout, 'KV bucket');
  }

  /**
   * Saves a session (restorable for the bucket's TTL).
   * @param session sid, pid, rooms and data
   * @param _ttl ignored: the bucket's TTL applies
   * @example
   * ```ts
   * await store.persist({ sid: socket.id, pid, rooms: [...socket.rooms], data: socket.data }, 120_000);
   * ```
   */
  async persist(session: SessionToPersist, _ttl?: number): Promise<void> {
    const { kv } = await this.open();
    const value = msgpackEncode({ sid: session.sid, pid: session.pid, rooms: [...session.rooms], data: session.data });
    await withTimeout(kv.put(keyOf(session.pid), value), this.timeout, 'KV put');
  }

  /**
   * Deletes a saved session (the socket left for good).
   * @param pid private session id
   * @example
   * ```ts
   * await store.forget(pid);
   * ```
   */
  async forget(pid: PrivateSessionId): Promise<void> {
    const { kv } = await this.open();
    await withTimeout(kv.purge(keyOf(pid)), this.timeout, 'KV purge');
  }

  /**
   * Takes a saved session (restored once: a compare-and-delete on its revision) and the recoverable broadcasts it
   * missed after `offset`, each ending with its own offset.
   * @param pid private session id
   * @param offset the last offset the client received (a stream sequence)
   * @returns the session, or null when unknown, expired, taken by another server, or the offset is not in the
   *   history
   * @example
   * ```ts
   * const session = await store.restore(pid, '1042');
   * ```
   */
  async restore(pid: PrivateSessionId, offset: string): Promise<Session | null> {
    if (typeof pid !== 'string' || typeof offset !== 'string' || !OFFSET_RE.test(offset)) return null;
    const { js, jsm, kv } = await this.open();
    const key = keyOf(pid);
    const entry = await withTimeout(kv.get(key), this.timeout, 'KV get');
    if (!entry || entry.operation !== 'PUT') return null;
    try {
      await withTimeout(kv.delete(key, { previousSeq: entry.revision }), this.timeout, 'KV delete');
    } catch {
      return null;   // taken meanwhile by another server
    }
    let session: SessionToPersist;
    try {
      session = msgpackDecode(Buffer.from(entry.value)) as SessionToPersist;
    } catch {
      return null;
    }
    const seq = Number(offset);
    const { state } = await withTimeout(jsm.streams.info(this.opts.stream), this.timeout, 'stream info');
    if (seq > state.last_seq || (state.messages > 0 && seq < state.first_seq - 1)) {
      log('offset %s of session %s is not in the history (%d..%d)', offset, pid, state.first_seq, state.last_seq);
      return null;
    }
    return { ...session, missedPackets: await this.readAfter(js, jsm, seq, state.last_seq, session.rooms) };
  }

  /** The recoverable broadcasts of the namespace after `seq` up to `last`, reaching `rooms`. */
  private async readAfter(js: JetStreamClient, jsm: JetStreamManager, seq: number, last: number,
    rooms: readonly Room[]): Promise<unknown[][]> {
    const missed: unknown[][] = [];
    if (seq >= last) return missed;
    const config = {
      filter_subject: this.opts.subject, deliver_policy: 'by_start_sequence', opt_start_seq: seq + 1,
      ack_policy: 'none', mem_storage: true, inactive_threshold: 30_000 * 1e6,
    } as unknown as Partial<ConsumerConfig>;
    const info = await withTimeout(jsm.consumers.add(this.opts.stream, config), this.timeout, 'consumer add');
    try {
      const consumer = await js.consumers.get(this.opts.stream, info.name);
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
      jsm.consumers.delete(this.opts.stream, info.name).catch(() => {});
    }
    return missed;
  }
}
