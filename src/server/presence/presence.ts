/**
 * Presence: who is here, in every room of a namespace, across the cluster. A socket is tracked in a room under a
 * key (a user id: several tabs of one user are one key with several metas) with a meta; `list` and `count` read
 * the replicated state of this node (no request to the others); changes are gathered for `diffInterval` ms and
 * given as one diff per room to server-side subscribers and to the sockets following the room, as ordinary
 * events: `presence_state` once, then `presence_diff`.
 *
 * ```ts
 * io.on('connection', (socket) => {
 *   io.presence.track(socket, 'lobby', socket.data.userId, { name: socket.data.name, status: 'online' });
 *   io.presence.follow(socket, 'lobby');   // presence_state now, presence_diff on each change
 *   socket.on('away', () => io.presence.update(socket, 'lobby', { name: socket.data.name, status: 'away' }));
 * });
 * io.presence.subscribe('lobby', ({ joins, leaves }) => console.log(Object.keys(joins), Object.keys(leaves)));
 * io.presence.count('lobby');   // users in the lobby, on every node
 * ```
 *
 * Owns the local entries (tracking, limits, automatic untracking when a socket leaves the room or disconnects),
 * followers and subscribers, and the diff timer. The table is in `table.ts`, replication in `replica.ts`; the
 * adapter carries the messages. Must never import a bus client nor the server classes (only their shapes).
 */
import { randomBytes } from 'node:crypto';
import type { ErrorReporter } from '../handler-errors.js';
import { PresenceReplica } from './replica.js';
import { PresenceTable, type PresenceEntry } from './table.js';
import {
  PresenceError, type PresenceChannel, type PresenceDiff, type PresenceOptions, type PresenceReplicatingAdapter,
  type PresenceState,
} from './types.js';

/** The longest key, in characters. */
const MAX_KEY_LENGTH = 256;

/** The socket shape presence uses. */
export interface PresenceSocket {
  readonly id: string;
  readonly connected: boolean;
  readonly rooms: ReadonlySet<string>;
  join(room: string): unknown;
}

/** The namespace shape presence uses. */
export interface PresenceNamespace {
  readonly name: string;
  readonly adapter: { on(ev: 'leave-room', fn: (room: string, id: string) => void): unknown; off(ev: 'leave-room', fn: (room: string, id: string) => void): unknown };
  readonly sockets: ReadonlyMap<string, unknown>;
  readonly local: { to(rooms: string[]): { emit(ev: string, ...args: unknown[]): unknown } };
  readonly errors: ErrorReporter;
}

/** Options of `list` and `count`. */
export interface PresenceReadOptions {
  /** Only the entries of this node's sockets. Default false (every node). */
  local?: boolean;
}

/** A server-side subscriber of diffs. */
export type PresenceListener<M extends object> = (diff: PresenceDiff<M>) => void;

const isReplicating = (a: unknown): a is PresenceReplicatingAdapter =>
  typeof (a as Partial<PresenceReplicatingAdapter>)?.attachPresence === 'function';

/**
 * The presence of one namespace (`io.presence`, `io.of('/chat').presence`).
 * @example
 * ```ts
 * const presence = io.of('/chat').presence;
 * presence.track(socket, 'room1', userId, { typing: false });
 * presence.list('room1');   // { [userId]: { metas: [{ typing: false, ref: '…' }] }, … }
 * ```
 */
export class Presence<M extends object = Record<string, any>> {
  private readonly table: PresenceTable;
  private readonly opts: Required<PresenceOptions>;
  private adapter: unknown = null;
  private channel: PresenceChannel | null = null;
  private replica: PresenceReplica | null = null;
  /** socket id → room → its entry */
  private readonly local = new Map<string, Map<string, PresenceEntry>>();
  /** room → socket ids following it (had the state) */
  private readonly followers = new Map<string, Set<string>>();
  /** room → socket ids to send the state at the next flush */
  private readonly newFollowers = new Map<string, Set<string>>();
  private readonly listeners = new Map<string | null, Set<PresenceListener<M>>>();
  private readonly refPrefix = randomBytes(6).toString('base64url');
  private refCounter = 0;
  private timer: NodeJS.Timeout | null = null;
  private syncTimer: NodeJS.Timeout | null = null;
  private readonly onLeave = (room: string, id: string): void => this.left(room, id);

  /**
   * @param nsp the namespace
   * @param opts intervals and limits
   * @example
   * ```ts
   * // made by the namespace: io.of('/chat').presence
   * ```
   */
  constructor(private readonly nsp: PresenceNamespace & { adapter: unknown }, opts: PresenceOptions = {}) {
    this.opts = {
      diffInterval: opts.diffInterval ?? 50,
      syncInterval: opts.syncInterval ?? 1000,
      maxMetaSize: opts.maxMetaSize ?? 2048,
      maxEntriesPerSocket: opts.maxEntriesPerSocket ?? 32,
    };
    this.table = new PresenceTable(() => this.schedule());
    this.bind();
  }

  /** This node's id in the table (the adapter's uid on a cluster). */
  private get node(): string {
    return this.channel?.node ?? 'local';
  }

  /**
   * Tracks a socket in a room under a key (the socket joins the room if it is not in it). Untracked when the socket
   * leaves the room or disconnects.
   * @param socket a connected socket of this namespace
   * @param room the room
   * @param key who it is (a user id): sockets tracked under one key are one entry with several metas
   * @param meta a plain JSON object (status, name…), at most `maxMetaSize` bytes of JSON
   * @throws PresenceError on a bad room, key or meta, a limit, or a socket already tracked in the room
   * @example
   * ```ts
   * io.on('connection', (socket) => io.presence.track(socket, 'lobby', socket.data.userId, { status: 'online' }));
   * ```
   */
  track(socket: PresenceSocket, room: string, key: string, meta: M = {} as M): void {
    this.bind();
    checkRoom(room);
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new PresenceError('invalid-key', `a presence key is a string of 1 to ${MAX_KEY_LENGTH} characters`);
    }
    this.checkSocket(socket);
    const mine = this.local.get(socket.id);
    if (mine?.has(room)) throw new PresenceError('already-tracked', `socket ${socket.id} is already tracked in ${room} (use update)`);
    if (mine && mine.size >= this.opts.maxEntriesPerSocket) {
      throw new PresenceError('too-many-entries', `socket ${socket.id} is tracked in ${mine.size} rooms (maxEntriesPerSocket)`);
    }
    const checked = this.checkMeta(meta);
    if (!socket.rooms.has(room)) socket.join(room);
    this.add(socket.id, room, key, checked);
  }

  /**
   * Replaces the meta of a tracked socket (its diff: the old meta leaves, the new one joins, same key).
   * @param socket the socket
   * @param room the room
   * @param meta the new meta
   * @throws PresenceError when the socket is not tracked in the room, or on a bad meta
   * @example
   * ```ts
   * socket.on('typing', (typing) => io.presence.update(socket, 'room1', { name, typing }));
   * ```
   */
  update(socket: PresenceSocket, room: string, meta: M): void {
    const e = this.local.get(socket.id)?.get(room);
    if (!e) throw new PresenceError('not-tracked', `socket ${socket.id} is not tracked in ${String(room)}`);
    const checked = this.checkMeta(meta);
    this.remove(e);
    this.add(socket.id, room, e.key, checked);
  }

  /**
   * Stops tracking a socket in a room, or in every room (it stays in the rooms).
   * @param socket the socket (or its id)
   * @param room the room; every room when absent
   * @example
   * ```ts
   * socket.on('invisible', () => io.presence.untrack(socket, 'lobby'));
   * ```
   */
  untrack(socket: PresenceSocket | string, room?: string): void {
    const id = typeof socket === 'string' ? socket : socket.id;
    const mine = this.local.get(id);
    if (!mine) return;
    for (const e of room === undefined ? [...mine.values()] : [mine.get(room)]) if (e) this.remove(e);
  }

  /**
   * Sends the room's state to a socket (`presence_state`, `{ room, state }`) at the next diff interval, then each
   * diff (`presence_diff`, `{ room, joins, leaves }`) until it unfollows, leaves the namespace or disconnects.
   * @param socket a connected socket of this namespace
   * @param room the room (the socket need not be in it)
   * @example
   * ```ts
   * // with socket.io-client: socket.on('presence_state', ({ room, state }) => …); socket.on('presence_diff', …)
   * io.on('connection', (socket) => io.presence.follow(socket, 'lobby'));
   * ```
   */
  follow(socket: PresenceSocket, room: string): void {
    this.bind();
    checkRoom(room);
    this.checkSocket(socket);
    if (this.followers.get(room)?.has(socket.id)) return;
    setOf(this.newFollowers, room).add(socket.id);
    this.schedule();
  }

  /**
   * Stops sending a room's diffs to a socket.
   * @param socket the socket (or its id)
   * @param room the room; every room when absent
   * @example
   * ```ts
   * socket.on('close-members-panel', () => io.presence.unfollow(socket, 'lobby'));
   * ```
   */
  unfollow(socket: PresenceSocket | string, room?: string): void {
    const id = typeof socket === 'string' ? socket : socket.id;
    for (const map of [this.followers, this.newFollowers]) {
      for (const [r, ids] of map) {
        if (room !== undefined && r !== room) continue;
        ids.delete(id);
        if (ids.size === 0) map.delete(r);
      }
    }
  }

  /**
   * The presence of a room, from this node's replicated state (no request to other nodes).
   * @param room the room
   * @param opts `{ local: true }`: the sockets of this node only
   * @returns key → `{ metas }`
   * @example
   * ```ts
   * const here = io.presence.list('lobby');
   * for (const [userId, { metas }] of Object.entries(here)) console.log(userId, metas.length, 'tabs');
   * ```
   */
  list(room: string, opts: PresenceReadOptions = {}): PresenceState<M> {
    return this.table.state(room, opts.local ? this.node : undefined) as PresenceState<M>;
  }

  /**
   * @param room the room
   * @param opts `{ local: true }`: the keys with a socket on this node only
   * @returns how many keys (users) are present in the room
   * @example
   * ```ts
   * io.presence.count('lobby');   // 3 users, whatever their number of tabs and nodes
   * ```
   */
  count(room: string, opts: PresenceReadOptions = {}): number {
    return this.table.count(room, opts.local ? this.node : undefined);
  }

  /**
   * @returns the rooms where someone is present (on any node)
   * @example
   * ```ts
   * for (const room of io.presence.rooms()) console.log(room, io.presence.count(room));
   * ```
   */
  rooms(): string[] {
    return this.table.rooms();
  }

  /**
   * Calls `fn` with each diff of a room (or of every room), once per diff interval at most. A throwing listener is
   * reported to the server's `onError` listeners.
   * @param room the room (omit it for every room)
   * @param fn the listener
   * @returns a function removing the listener
   * @example
   * ```ts
   * const off = io.presence.subscribe('lobby', ({ joins, leaves }) => {
   *   for (const userId of Object.keys(joins)) console.log(`${userId} is here`);
   * });
   * io.presence.subscribe((diff) => metrics.count(diff.room));   // every room
   * ```
   */
  subscribe(room: string | PresenceListener<M>, fn?: PresenceListener<M>): () => void {
    const key = typeof room === 'function' ? null : room;
    const listener = typeof room === 'function' ? room : fn;
    if (typeof listener !== 'function') throw new TypeError('presence.subscribe needs a listener');
    setOf(this.listeners, key).add(listener);
    return () => {
      this.listeners.get(key)?.delete(listener);
    };
  }

  /**
   * Sends now what is waiting for the next diff interval: this node's changes to the other nodes, the diffs to
   * subscribers and followers, the state to new followers.
   * @example
   * ```ts
   * io.presence.track(socket, 'lobby', userId);
   * io.presence.flush();   // subscribers called synchronously
   * ```
   */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.replica?.flush();
    const rooms = new Set([...this.table.changedRooms(), ...this.newFollowers.keys()]);
    for (const room of rooms) {
      const diff = this.table.takeDiff(room) as PresenceDiff<M> | null;
      if (diff) this.publishDiff(diff);
      const fresh = this.newFollowers.get(room);
      if (!fresh) continue;
      this.newFollowers.delete(room);
      const live = [...fresh].filter((id) => this.nsp.sockets.has(id));
      if (live.length === 0) continue;
      this.nsp.local.to(live).emit('presence_state', { room, state: this.list(room) });
      const followers = setOf(this.followers, room);
      for (const id of live) followers.add(id);
    }
  }

  /**
   * Stops the timers and leaves the bus (the entries of this node stay until the node is gone for the others).
   * @example
   * ```ts
   * io.of('/chat').presence.close();
   * ```
   */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.syncTimer) clearInterval(this.syncTimer);
    this.timer = this.syncTimer = null;
    this.channel?.close();
    (this.adapter as PresenceNamespace['adapter'] | null)?.off('leave-room', this.onLeave);
  }

  // ---- internals ----------------------------------------------------------------------------------------------

  /** Follows the namespace's adapter (again when `io.adapter()` replaced it). */
  private bind(): void {
    const adapter = this.nsp.adapter;
    if (adapter === this.adapter) return;
    // the entries of this node move to its new identity (its other nodes' copies are left behind with the old bus)
    const mine = [...this.table.entriesOf(this.node)];
    for (const e of mine) this.remove(e);
    if (this.adapter) this.close();
    this.channel = this.replica = null;
    this.adapter = adapter;
    (adapter as PresenceNamespace['adapter']).on('leave-room', this.onLeave);
    if (isReplicating(adapter)) {
      const replica = (this.replica = new PresenceReplica((this.channel = adapter.attachPresence({
        receive: (from, data) => replica.receive(from, data),
        nodeGone: (node) => replica.nodeGone(node),
      })), this.table));
      this.syncTimer = setInterval(() => replica.tick(), this.opts.syncInterval);
      this.syncTimer.unref();
      replica.hello();
    }
    for (const e of mine) this.add(e.sid!, e.room, e.key, stripRef(e.meta));
  }

  private add(sid: string, room: string, key: string, meta: object): void {
    const ref = `${this.refPrefix}${(this.refCounter++).toString(36)}`;
    const e: PresenceEntry = { ref, room, key, meta: { ...meta, ref }, node: this.node, sid };
    this.table.add(e);
    setOf(this.local, sid, () => new Map<string, PresenceEntry>()).set(room, e);
    this.replica?.joined(e);
  }

  private remove(e: PresenceEntry): void {
    const mine = this.local.get(e.sid!);
    mine?.delete(e.room);
    if (mine?.size === 0) this.local.delete(e.sid!);
    if (this.table.remove(e.node, e.ref)) this.replica?.left(e);
  }

  /** A socket left a room (or disconnected: it leaves its own room too). */
  private left(room: string, id: string): void {
    if (room === id) this.unfollow(id);
    else this.untrack(id, room);
  }

  private publishDiff(diff: PresenceDiff<M>): void {
    const followers = this.followers.get(diff.room);
    if (followers) {
      for (const id of followers) if (!this.nsp.sockets.has(id)) followers.delete(id);
      if (followers.size > 0) this.nsp.local.to([...followers]).emit('presence_diff', diff);
      else this.followers.delete(diff.room);
    }
    for (const key of [diff.room, null]) {
      for (const fn of this.listeners.get(key) ?? []) {
        try {
          fn(diff);
        } catch (err) {
          this.nsp.errors.report(err, 'namespace-listener', this.nsp.name, undefined, 'presence');
        }
      }
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.opts.diffInterval);
    this.timer.unref();
  }

  private checkSocket(socket: PresenceSocket): void {
    if (!socket || !socket.connected || this.nsp.sockets.get(socket.id) !== socket) {
      throw new PresenceError('not-connected', `socket ${String(socket?.id)} is not connected to ${this.nsp.name} on this server`);
    }
  }

  private checkMeta(meta: unknown): object {
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
      throw new PresenceError('invalid-meta', 'a presence meta is a plain object');
    }
    if (Object.prototype.hasOwnProperty.call(meta, 'ref')) {
      throw new PresenceError('invalid-meta', 'a presence meta may not have a ref property (presence sets it)');
    }
    let json: string;
    try {
      json = JSON.stringify(meta);
    } catch (err) {
      throw new PresenceError('invalid-meta', `a presence meta must be JSON: ${(err as Error).message}`);
    }
    const size = Buffer.byteLength(json);
    if (size > this.opts.maxMetaSize) {
      throw new PresenceError('meta-too-large', `a presence meta of ${size} bytes is over maxMetaSize (${this.opts.maxMetaSize})`);
    }
    // a copy: what crosses the bus is what list() gives
    return JSON.parse(json) as object;
  }
}

function stripRef(meta: object): object {
  const { ref: _ref, ...rest } = meta as { ref?: string };
  return rest;
}

function checkRoom(room: unknown): void {
  if (typeof room !== 'string' || room.length === 0) throw new PresenceError('invalid-room', 'a presence room is a non-empty string');
}

function setOf<K, V = Set<string>>(map: Map<K, V>, key: K, make: () => V = () => new Set() as V): V {
  let v = map.get(key);
  if (!v) map.set(key, (v = make()));
  return v;
}
