/**
 * The PostgreSQL emitter: reaches the clients of every server of a cluster from a process that runs no server (a
 * worker, a cron job), with the API of `@socket.io/postgres-emitter`. Its messages are the servers' own (same
 * channel, JSON or attachment); unlike the official emitter's they name their namespace, so that servers running
 * `@socket.io/postgres-adapter` act on them too.
 *
 * ```ts
 * const emitter = new Emitter(pool);
 * emitter.to('news').except('muted').emit('headline', 'hello');
 * ```
 *
 * Owns the emitter API. Must never import `pg` at runtime (types only) nor the server classes.
 */
import type { Pool } from 'pg';
import { PostgresBus, type PostgresBusOptions } from './bus.js';

/** Options of {@link Emitter} (those of `@socket.io/postgres-emitter`, plus `errorHandler`). */
export type EmitterOptions = Pick<PostgresBusOptions, 'channelPrefix' | 'tableName' | 'payloadThreshold' | 'errorHandler'>;

const EMITTER_UID = 'emitter';
const EVENT = 2;
const BROADCAST = 3;
const SOCKETS_JOIN = 4;
const SOCKETS_LEAVE = 5;
const DISCONNECT_SOCKETS = 6;
const SERVER_SIDE_EMIT = 9;
const RESERVED_EVENTS = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

/** Flags of an emitter broadcast. */
export interface EmitterFlags {
  volatile?: boolean;
  compress?: boolean;
}

/**
 * Emits to the servers of a cluster through PostgreSQL.
 * @example
 * ```ts
 * import pg from 'pg';
 * import { Emitter } from 'socketeer/postgres';
 * const emitter = new Emitter(new pg.Pool({ host: 'db' }));
 * emitter.of('/admin').in('ops').socketsJoin('alerts');
 * ```
 */
export class Emitter {
  private readonly bus: PostgresBus;

  /**
   * @param pool a `pg.Pool` (stays yours to end)
   * @param nsp the namespace (default `/`)
   * @param opts channel prefix, attachments table, threshold, error handler
   * @param shared the bus of the emitter this one was derived from (see {@link Emitter.of})
   * @example
   * ```ts
   * const chat = new Emitter(pool, '/chat', { channelPrefix: 'my-app' });
   * ```
   */
  constructor(private readonly pool: Pool, readonly nsp = '/', private readonly opts: EmitterOptions = {}, shared?: PostgresBus) {
    this.bus = shared ?? new PostgresBus(pool, { ...opts, cleanupInterval: 0 });
  }

  /**
   * An emitter for another namespace (same pool and options).
   * @param nsp the namespace (a leading `/` is added when missing)
   * @returns the emitter
   * @example
   * ```ts
   * emitter.of('admin').emit('alert', 'disk full');
   * ```
   */
  of(nsp: string): Emitter {
    return new Emitter(this.pool, nsp.startsWith('/') ? nsp : `/${nsp}`, this.opts, this.bus);
  }

  /**
   * Publishes a cluster message on the namespace's channel (in order with the previous ones).
   * @param type the message type
   * @param data its body
   * @returns settles once PostgreSQL has taken it (errors go to `errorHandler`)
   * @example
   * ```ts
   * await emitter.publish(9, { packet: ['reload'] });
   * ```
   */
  publish(type: number, data: unknown): Promise<void> {
    return this.bus.publish({ uid: EMITTER_UID, nsp: this.nsp, type, data }).catch(() => undefined);
  }

  /**
   * Emits to every client of the namespace.
   * @param ev the event
   * @param args its arguments (binary ones travel through the attachments table)
   * @returns true
   * @example
   * ```ts
   * emitter.emit('announcement', { text: 'maintenance at 2am' });
   * ```
   */
  emit(ev: string, ...args: unknown[]): true {
    return new EmitterBroadcast(this).emit(ev, ...args);
  }

  /**
   * Targets rooms.
   * @param room a room or rooms
   * @returns a broadcast operator
   * @example
   * ```ts
   * emitter.to('room1').to(['room2']).emit('hi');
   * ```
   */
  to(room: string | string[]): EmitterBroadcast {
    return new EmitterBroadcast(this).to(room);
  }

  /**
   * Same as {@link Emitter.to}.
   * @param room a room or rooms
   * @returns a broadcast operator
   * @example
   * ```ts
   * emitter.in('room1').socketsJoin('room2');
   * ```
   */
  in(room: string | string[]): EmitterBroadcast {
    return this.to(room);
  }

  /**
   * Excludes rooms.
   * @param room a room or rooms
   * @returns a broadcast operator
   * @example
   * ```ts
   * emitter.except('muted').emit('news');
   * ```
   */
  except(room: string | string[]): EmitterBroadcast {
    return new EmitterBroadcast(this).except(room);
  }

  /**
   * The next emit may be dropped for clients not ready to receive it.
   * @example
   * ```ts
   * emitter.volatile.emit('position', x, y);
   * ```
   */
  get volatile(): EmitterBroadcast {
    return new EmitterBroadcast(this).volatile;
  }

  /**
   * Sets the compress flag.
   * @param compress whether to compress
   * @returns a broadcast operator
   * @example
   * ```ts
   * emitter.compress(false).emit('tiny');
   * ```
   */
  compress(compress: boolean): EmitterBroadcast {
    return new EmitterBroadcast(this).compress(compress);
  }

  /**
   * Makes every socket of the namespace join rooms.
   * @param rooms a room or rooms
   * @example
   * ```ts
   * emitter.socketsJoin('everyone');
   * ```
   */
  socketsJoin(rooms: string | string[]): void {
    new EmitterBroadcast(this).socketsJoin(rooms);
  }

  /**
   * Makes every socket of the namespace leave rooms.
   * @param rooms a room or rooms
   * @example
   * ```ts
   * emitter.socketsLeave('lobby');
   * ```
   */
  socketsLeave(rooms: string | string[]): void {
    new EmitterBroadcast(this).socketsLeave(rooms);
  }

  /**
   * Disconnects every socket of the namespace.
   * @param close whether to close the underlying connection too
   * @example
   * ```ts
   * emitter.disconnectSockets(true);
   * ```
   */
  disconnectSockets(close = false): void {
    new EmitterBroadcast(this).disconnectSockets(close);
  }

  /**
   * Emits to the servers (their `io.on(ev, …)` listeners). No acknowledgements.
   * @param ev the event
   * @param args its arguments
   * @throws Error when the last argument is a callback
   * @example
   * ```ts
   * emitter.serverSideEmit('reload-config');
   * ```
   */
  serverSideEmit(ev: string, ...args: unknown[]): void {
    if (typeof args[args.length - 1] === 'function') throw new Error('Acknowledgements are not supported');
    void this.publish(SERVER_SIDE_EMIT, { packet: [ev, ...args] });
  }
}

/**
 * Rooms, exceptions and flags of an emitter's next operation (immutable: each call returns a new one).
 * @example
 * ```ts
 * emitter.to('a').except('b').volatile.emit('tick');
 * ```
 */
export class EmitterBroadcast {
  /**
   * @param emitter the emitter
   * @param rooms targeted rooms
   * @param exceptRooms excluded rooms
   * @param flags volatile, compress
   * @example
   * ```ts
   * new EmitterBroadcast(emitter).to('news').emit('headline');
   * ```
   */
  constructor(private readonly emitter: Emitter, private readonly rooms: ReadonlySet<string> = new Set(),
    private readonly exceptRooms: ReadonlySet<string> = new Set(), private readonly flags: EmitterFlags = {}) {}

  /**
   * Targets rooms.
   * @param room a room or rooms
   * @returns a new operator
   * @example
   * ```ts
   * op.to(['a', 'b']).emit('x');
   * ```
   */
  to(room: string | string[]): EmitterBroadcast {
    return new EmitterBroadcast(this.emitter, new Set([...this.rooms, ...[room].flat()]), this.exceptRooms, this.flags);
  }

  /**
   * Same as {@link EmitterBroadcast.to}.
   * @param room a room or rooms
   * @returns a new operator
   * @example
   * ```ts
   * op.in('a').emit('x');
   * ```
   */
  in(room: string | string[]): EmitterBroadcast {
    return this.to(room);
  }

  /**
   * Excludes rooms.
   * @param room a room or rooms
   * @returns a new operator
   * @example
   * ```ts
   * op.except('muted').emit('x');
   * ```
   */
  except(room: string | string[]): EmitterBroadcast {
    return new EmitterBroadcast(this.emitter, this.rooms, new Set([...this.exceptRooms, ...[room].flat()]), this.flags);
  }

  /**
   * The next emit may be dropped for clients not ready to receive it.
   * @example
   * ```ts
   * op.volatile.emit('x');
   * ```
   */
  get volatile(): EmitterBroadcast {
    return new EmitterBroadcast(this.emitter, this.rooms, this.exceptRooms, { ...this.flags, volatile: true });
  }

  /**
   * Sets the compress flag.
   * @param compress whether to compress
   * @returns a new operator
   * @example
   * ```ts
   * op.compress(false).emit('x');
   * ```
   */
  compress(compress: boolean): EmitterBroadcast {
    return new EmitterBroadcast(this.emitter, this.rooms, this.exceptRooms, { ...this.flags, compress });
  }

  /**
   * Emits to the matching clients of every server.
   * @param ev the event
   * @param args its arguments
   * @returns true
   * @throws Error for a reserved event name
   * @example
   * ```ts
   * op.emit('news', { id: 1 });
   * ```
   */
  emit(ev: string, ...args: unknown[]): true {
    if (RESERVED_EVENTS.has(ev)) throw new Error(`"${ev}" is a reserved event name`);
    const packet = { type: EVENT, data: [ev, ...args], nsp: this.emitter.nsp };
    void this.emitter.publish(BROADCAST, { packet, opts: { ...this.target(), flags: this.flags } });
    return true;
  }

  /**
   * Makes the matching sockets join rooms.
   * @param rooms a room or rooms
   * @example
   * ```ts
   * op.socketsJoin('vip');
   * ```
   */
  socketsJoin(rooms: string | string[]): void {
    void this.emitter.publish(SOCKETS_JOIN, { opts: this.target(), rooms: [rooms].flat() });
  }

  /**
   * Makes the matching sockets leave rooms.
   * @param rooms a room or rooms
   * @example
   * ```ts
   * op.socketsLeave('vip');
   * ```
   */
  socketsLeave(rooms: string | string[]): void {
    void this.emitter.publish(SOCKETS_LEAVE, { opts: this.target(), rooms: [rooms].flat() });
  }

  /**
   * Disconnects the matching sockets.
   * @param close whether to close the underlying connection too
   * @example
   * ```ts
   * op.disconnectSockets();
   * ```
   */
  disconnectSockets(close = false): void {
    void this.emitter.publish(DISCONNECT_SOCKETS, { opts: this.target(), close });
  }

  private target(): { rooms: string[]; except: string[] } {
    return { rooms: [...this.rooms], except: [...this.exceptRooms] };
  }
}
