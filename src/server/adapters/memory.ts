/**
 * The in-memory adapter, the embedded default: rooms and delivery for one process, plus the session store of
 * connection state recovery when the server enables it (`connectionStateRecovery`).
 *
 * ```ts
 * const io = new Server({ connectionStateRecovery: { maxDisconnectionDuration: 120_000 } });
 * // io.of('/').adapter is a MemoryAdapter keeping sessions and the events sent since
 * ```
 *
 * Owns the in-memory sessions and broadcast history. Speaks to its namespace only through `AdapterNamespace`:
 * must never import the server classes (`server.ts`, `namespace.ts`, `socket.ts`, `client.ts`) nor `redis/`.
 */
import { PacketType, type Packet } from '../../protocol/index.js';
import {
  Adapter, type AdapterNamespace, type BroadcastOptions, type PrivateSessionId, type Session, type SessionToPersist,
} from '../adapter.js';
import { generateOffset } from '../ids.js';

interface PersistedSession extends SessionToPersist {
  disconnectedAt: number;
}

interface StoredPacket {
  id: string;
  opts: BroadcastOptions;
  data: unknown[];
  emittedAt: number;
}

const SWEEP_INTERVAL = 60 * 1000;

/**
 * In-memory adapter. With connection state recovery on, every event broadcast without ack and not volatile gets
 * an offset as its last argument and is kept for `maxDisconnectionDuration`; sessions saved on a recoverable
 * disconnection are restored with the events they missed.
 * @example
 * ```ts
 * const io = new Server(httpServer, { connectionStateRecovery: {} });   // MemoryAdapter is the default
 * io.of('/').adapter instanceof MemoryAdapter;   // true
 * ```
 */
export class MemoryAdapter extends Adapter {
  private readonly recovery: boolean;
  private readonly maxDisconnectionDuration: number;
  private readonly sessions = new Map<PrivateSessionId, PersistedSession>();
  private packets: StoredPacket[] = [];
  private sweepTimer: NodeJS.Timeout | undefined;

  /**
   * @param nsp the namespace this adapter serves
   * @example
   * ```ts
   * import { MemoryAdapter } from 'socketeer';
   *
   * const io = new Server(httpServer, { adapter: MemoryAdapter });   // the default
   * ```
   */
  constructor(nsp: AdapterNamespace) {
    super(nsp);
    const recovery = nsp.server.opts.connectionStateRecovery;
    this.recovery = !!recovery;
    this.maxDisconnectionDuration = (recovery ? recovery.maxDisconnectionDuration : undefined) ?? 2 * 60 * 1000;
    if (this.recovery) {
      this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL);
      this.sweepTimer.unref();
    }
  }

  /** Drops expired sessions and packets. */
  private sweep(): void {
    const threshold = Date.now() - this.maxDisconnectionDuration;
    for (const [pid, session] of this.sessions) {
      if (session.disconnectedAt < threshold) this.sessions.delete(pid);
    }
    for (let i = this.packets.length - 1; i >= 0; i--) {
      if (this.packets[i]!.emittedAt < threshold) {
        this.packets.splice(0, i + 1);
        break;
      }
    }
  }

  /**
   * Stops the sweep timer and forgets sessions.
   * @example
   * ```ts
   * await io.close();   // closes every namespace's adapter
   * ```
   */
  override close(): void {
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  /**
   * Stores a session.
   * @param session the session
   * @example
   * ```ts
   * const io = new Server(httpServer, { connectionStateRecovery: { maxDisconnectionDuration: 120_000 } });
   * // sessions of sockets that lost their connection are kept this long in memory
   * ```
   */
  override persistSession(session: SessionToPersist): void {
    if (!this.recovery) return;
    this.sessions.set(session.pid, { ...session, disconnectedAt: Date.now() });
  }

  /**
   * Restores a session if it is recent enough and the offset is still buffered.
   * @param pid the private session id
   * @param offset the offset of the last event the client received
   * @returns the session with the missed events, or null
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   console.log(socket.recovered);   // true when the session was restored, with its rooms, data and missed events
   * });
   * ```
   */
  override restoreSession(pid: PrivateSessionId, offset: string): Promise<Session | null> | null {
    const session = this.sessions.get(pid);
    if (session === undefined) return null;
    if (session.disconnectedAt + this.maxDisconnectionDuration < Date.now()) {
      this.sessions.delete(pid);
      return null;
    }
    let index = -1;
    for (let i = this.packets.length - 1; i >= 0; i--) {
      if (this.packets[i]!.id === offset) {
        index = i;
        break;
      }
    }
    if (index === -1) return null;
    const missedPackets: unknown[][] = [];
    for (let i = index + 1; i < this.packets.length; i++) {
      const packet = this.packets[i]!;
      if (shouldIncludePacket(session.rooms, packet.opts)) missedPackets.push(packet.data);
    }
    return Promise.resolve({ sid: session.sid, pid: session.pid, rooms: session.rooms, data: session.data, missedPackets });
  }

  /**
   * Broadcasts a packet; with recovery on, stores it with a fresh offset appended to its arguments.
   * @param packet the packet
   * @param opts rooms, except and flags
   * @returns false when a recipient is over its high-water mark
   * @example
   * ```ts
   * io.to('room-101').emit('hello');   // adapter.broadcast(packet, { rooms: Set { 'room-101' }, … })
   * ```
   */
  override broadcast(packet: Packet, opts: BroadcastOptions): boolean | void {
    if (
      this.recovery &&
      packet.type === PacketType.EVENT &&
      packet.id === undefined &&
      opts.flags?.volatile === undefined
    ) {
      const id = generateOffset();
      (packet.data as unknown[]).push(id);
      this.packets.push({ id, opts, data: packet.data, emittedAt: Date.now() });
    }
    return super.broadcast(packet, opts);
  }
}

/** Alias kept for code written against `socket.io-adapter`. */
export const SessionAwareAdapter = MemoryAdapter;

function shouldIncludePacket(sessionRooms: string[], opts: BroadcastOptions): boolean {
  const included = opts.rooms.size === 0 || sessionRooms.some((room) => opts.rooms.has(room));
  const notExcluded = opts.except === undefined || sessionRooms.every((room) => !opts.except!.has(room));
  return included && notExcluded;
}
