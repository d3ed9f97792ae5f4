/**
 * Connection state recovery on Redis Streams: sessions under `<sessionKeyPrefix><pid>` (base64 MessagePack, with
 * an expiry of `maxDisconnectionDuration`, as `@socket.io/redis-streams-adapter` keeps them, so either side
 * restores the other's), and the missed broadcasts read back from the stream itself: the stream is the history.
 *
 * ```ts
 * const store = new RedisStreamsSessionStore(wrapClient(redis), { streamName: 'socket.io', nsp: '/', sessionKeyPrefix: 'sio:session:' });
 * const session = await store.restore(pid, '1718000000000-0');
 * ```
 *
 * Owns the session keys and the reading of the history. Must never import a Redis client library (it speaks to
 * a `RedisConnection`), the adapters nor the server classes.
 */
import { PacketType } from '../../../protocol/index.js';
import type { PrivateSessionId, Room, Session, SessionToPersist } from '../../adapter-types.js';
import type { RedisConnection } from '../redis/client.js';
import { asRecord, decodeOptions, isWirePacket, MessageType } from '../cluster/messages.js';
import { compareOffsets, reaches, type ClusterSessionStore } from '../cluster/session-store.js';
import { decodeEntry, decodeSession, encodeSession, ENTRY_ID } from './wire.js';

/** Where the store reads and writes. */
export interface StreamsStoreOptions {
  /** The stream of the namespace. */
  streamName: string;
  /** The namespace name. */
  nsp: string;
  /** Prefix of the session keys. */
  sessionKeyPrefix: string;
  /** Entries read per XRANGE call while restoring. Default 500. */
  pageSize?: number;
}

/**
 * Sessions in Redis keys, history in the stream.
 * @example
 * ```ts
 * const adapter = createAdapter(redis);   // builds one per namespace when the server enables recovery
 * ```
 */
export class RedisStreamsSessionStore implements ClusterSessionStore {
  private readonly pageSize: number;

  /**
   * @param conn a command connection
   * @param opts stream, namespace and key prefix
   * @example
   * ```ts
   * const store = new RedisStreamsSessionStore(wrapClient(redis), { streamName: 'socket.io', nsp: '/', sessionKeyPrefix: 'sio:session:' });
   * ```
   */
  constructor(private readonly conn: RedisConnection, private readonly opts: StreamsStoreOptions) {
    this.pageSize = opts.pageSize ?? 500;
  }

  /**
   * @param session the session
   * @param ttl in ms
   * @example
   * ```ts
   * await store.persist({ sid, pid, rooms: [sid], data: {} }, 120_000);
   * ```
   */
  async persist(session: SessionToPersist, ttl: number): Promise<void> {
    const key = this.opts.sessionKeyPrefix + session.pid;
    const value = encodeSession({ sid: session.sid, pid: session.pid, rooms: [...session.rooms], data: session.data });
    await this.conn.command(['SET', key, value, 'PX', String(Math.max(1, Math.floor(ttl)))], key);
  }

  /**
   * @param pid the private session id
   * @example
   * ```ts
   * await store.forget(pid);
   * ```
   */
  async forget(pid: PrivateSessionId): Promise<void> {
    const key = this.opts.sessionKeyPrefix + pid;
    await this.conn.command(['DEL', key], key);
  }

  /**
   * Takes the session and reads the broadcasts of the namespace after `offset` that reach it.
   * @param pid the private session id
   * @param offset a stream entry id
   * @returns null when the session is gone or the offset no longer in the stream
   * @example
   * ```ts
   * const session = await store.restore(pid, offset);
   * ```
   */
  async restore(pid: PrivateSessionId, offset: string): Promise<Session | null> {
    if (typeof offset !== 'string' || !ENTRY_ID.test(offset)) return null;
    const key = this.opts.sessionKeyPrefix + pid;
    const stream = this.opts.streamName;
    const [raw, head] = await Promise.all([
      this.conn.command(['GETDEL', key], key),
      this.conn.command(['XRANGE', stream, offset, offset], stream),
    ]);
    if (!raw || !Array.isArray(head) || head.length === 0) return null;
    const stored = decodeSession(String(raw));
    if (!stored || typeof stored.sid !== 'string') return null;
    const rooms = Array.isArray(stored.rooms) ? (stored.rooms as Room[]) : [];
    const missedPackets: unknown[][] = [];
    let from = offset;
    for (;;) {
      const page = await this.conn.command(['XRANGE', stream, '(' + from, '+', 'COUNT', String(this.pageSize)], stream);
      const entries = Array.isArray(page) ? (page as Array<[Buffer, Array<Buffer>]>) : [];
      for (const [id, fields] of entries) {
        const message = decodeEntry(fields);
        if (!message || message.nsp !== this.opts.nsp || message.type !== MessageType.BROADCAST) continue;
        const data = asRecord(message.data);
        if (!isWirePacket(data.packet) || data.requestId !== undefined) continue;
        const packet = data.packet;
        const opts = decodeOptions(data.opts);
        if (packet.type !== PacketType.EVENT || packet.id !== undefined || opts.flags?.volatile || !Array.isArray(packet.data)) continue;
        if (reaches(rooms, [...opts.rooms], [...(opts.except ?? [])])) missedPackets.push([...packet.data, String(id)]);
      }
      if (entries.length < this.pageSize) break;
      from = String(entries[entries.length - 1]![0]);
    }
    return { sid: stored.sid, pid: String(stored.pid ?? pid), rooms, data: stored.data, missedPackets };
  }

  /**
   * @param a a stream entry id
   * @param b another
   * @returns negative, zero or positive
   * @example
   * ```ts
   * store.compareOffsets('1-2', '1-10');   // < 0
   * ```
   */
  compareOffsets(a: string, b: string): number {
    return compareOffsets(a, b);
  }
}
