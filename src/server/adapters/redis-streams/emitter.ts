/**
 * The Redis Streams emitter: a process without a Socket.IO server (a worker, a cron job) emits to the clients of
 * the servers sharing a Redis stream, and makes their sockets join, leave or disconnect, with the API of the
 * official emitters (`of`, `to`/`in`, `except`, `volatile`, `compress`, `emit`, `socketsJoin`, `socketsLeave`,
 * `disconnectSockets`, `serverSideEmit`). Every message is an entry of the stream (uid `emitter`), read by our
 * servers and by those running `@socket.io/redis-streams-adapter`; a broadcast gets an offset like theirs, so
 * reconnecting clients recover it.
 *
 * ```ts
 * import { Redis } from 'ioredis';
 * import { Emitter } from 'socketeer/redis-streams';
 * const emitter = new Emitter(new Redis());
 * emitter.to('news').emit('headline', 'hello');
 * ```
 *
 * Owns the emitter only. Must never import a Redis client library (the client is wrapped by
 * `../redis/client.ts`), the adapters nor the server classes.
 */
import { createLogger } from '../../../util/logger.js';
import { PacketType } from '../../../protocol/index.js';
import type { BroadcastFlags, Room } from '../../adapter-types.js';
import { wrapClient, type RedisConnection } from '../redis/client.js';
import { EMITTER_UID, MessageType } from '../cluster/messages.js';
import { encodeEntry, streamFor } from './wire.js';

const log = createLogger('socketeer:redis-streams');

/** Events a client cannot receive. */
const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

/** Options of {@link Emitter} (the servers' stream options). */
export interface StreamsEmitterOptions {
  /** The servers' `streamName`. Default `socket.io`. */
  streamName?: string;
  /** The servers' `streamCount`. Default 1. */
  streamCount?: number;
  /** Approximate length the stream is trimmed to. Default 10000. */
  maxLen?: number;
}

/**
 * Emits to the clients of every server of a namespace, from any process that reaches Redis.
 * @example
 * ```ts
 * const emitter = new Emitter(redis, { streamName: 'my-app' });
 * emitter.of('/admin').to('ops').except('muted').emit('alert', { level: 2 });
 * ```
 */
export class Emitter {
  private readonly conn: RedisConnection;
  private readonly opts: Required<StreamsEmitterOptions>;
  private readonly client: unknown;

  /**
   * @param redisClient an `ioredis` client or a connected `redis` v4 client (stays the caller's)
   * @param opts the servers' stream options
   * @param nsp the namespace (default `/`)
   * @example
   * ```ts
   * const emitter = new Emitter(new Redis({ host: 'redis' }));
   * ```
   */
  constructor(redisClient: unknown, opts: StreamsEmitterOptions = {}, readonly nsp = '/') {
    this.conn = wrapClient(redisClient);
    this.opts = { streamName: 'socket.io', streamCount: 1, maxLen: 10_000, ...opts };
    this.client = redisClient;
  }

  /**
   * @param nsp a namespace name
   * @returns an emitter for that namespace
   * @example
   * ```ts
   * emitter.of('/chat').emit('hello');
   * ```
   */
  of(nsp: string): Emitter {
    return new Emitter(this.client, this.opts, nsp.startsWith('/') ? nsp : `/${nsp}`);
  }

  /**
   * Appends one message of the cluster protocol to the namespace's stream.
   * @param type the message type
   * @param data its payload
   * @returns the entry id
   * @example
   * ```ts
   * await emitter.publish(MessageType.SERVER_SIDE_EMIT, { packet: ['ping'] });
   * ```
   */
  publish(type: number, data: unknown): Promise<string> {
    const stream = streamFor(this.nsp, this.opts.streamName, this.opts.streamCount);
    const fields = encodeEntry({ uid: EMITTER_UID, nsp: this.nsp, type, data }, false);
    return this.conn.command(['XADD', stream, 'MAXLEN', '~', String(this.opts.maxLen), '*', ...fields], stream).then(String);
  }

  private all(): StreamsBroadcast {
    return new StreamsBroadcast(this, [], [], {});
  }

  /**
   * Emits to every client of the namespace.
   * @param ev the event
   * @param args its arguments
   * @example
   * ```ts
   * emitter.emit('tick', Date.now());
   * ```
   */
  emit(ev: string, ...args: unknown[]): true {
    return this.all().emit(ev, ...args);
  }

  /**
   * @param room one room or several
   * @returns a broadcast to the sockets in them
   * @example
   * ```ts
   * emitter.to('news').emit('headline', text);
   * ```
   */
  to(room: Room | Room[]): StreamsBroadcast {
    return this.all().to(room);
  }

  /**
   * @param room one room or several
   * @returns a broadcast to the sockets in them
   * @example
   * ```ts
   * emitter.in('news').socketsJoin('archive');
   * ```
   */
  in(room: Room | Room[]): StreamsBroadcast {
    return this.all().to(room);
  }

  /**
   * @param room one room or several
   * @returns a broadcast to the sockets in none of them
   * @example
   * ```ts
   * emitter.except('muted').emit('alert');
   * ```
   */
  except(room: Room | Room[]): StreamsBroadcast {
    return this.all().except(room);
  }

  /**
   * @example
   * ```ts
   * emitter.volatile.emit('position', x, y);
   * ```
   */
  get volatile(): StreamsBroadcast {
    return this.all().volatile;
  }

  /**
   * @param compress whether the transports may compress
   * @example
   * ```ts
   * emitter.compress(false).emit('blob', bytes);
   * ```
   */
  compress(compress: boolean): StreamsBroadcast {
    return this.all().compress(compress);
  }

  /**
   * Makes every socket of the namespace join rooms.
   * @param rooms the rooms
   * @example
   * ```ts
   * emitter.socketsJoin('everyone');
   * ```
   */
  socketsJoin(rooms: Room | Room[]): void {
    this.all().socketsJoin(rooms);
  }

  /**
   * Makes every socket of the namespace leave rooms.
   * @param rooms the rooms
   * @example
   * ```ts
   * emitter.socketsLeave('everyone');
   * ```
   */
  socketsLeave(rooms: Room | Room[]): void {
    this.all().socketsLeave(rooms);
  }

  /**
   * Disconnects every socket of the namespace.
   * @param close whether to close the underlying connections
   * @example
   * ```ts
   * emitter.disconnectSockets(true);
   * ```
   */
  disconnectSockets(close = false): void {
    this.all().disconnectSockets(close);
  }

  /**
   * Emits an event to the servers of the namespace (`io.on(ev, …)`); no acknowledgement from here.
   * @param ev the event
   * @param args its arguments
   * @example
   * ```ts
   * emitter.serverSideEmit('reload-config', { version: 3 });
   * ```
   */
  serverSideEmit(ev: string, ...args: unknown[]): void {
    if (typeof args[args.length - 1] === 'function') throw new Error('acknowledgements are not supported by an emitter');
    this.send(MessageType.SERVER_SIDE_EMIT, { packet: [ev, ...args] });
  }

  /** Publishes, logging a failure (the calls of the emitter API do not return promises). */
  send(type: number, data: unknown): void {
    this.publish(type, data).catch((err: Error) => log('emitter could not publish message %d: %s', type, err?.message ?? String(err)));
  }
}

/**
 * A broadcast being built by an {@link Emitter}: rooms, except and flags, then an action.
 * @example
 * ```ts
 * emitter.to('a').to('b').except('c').volatile.emit('hello');
 * ```
 */
export class StreamsBroadcast {
  /**
   * @param emitter the emitter
   * @param rooms targeted rooms (all sockets when empty)
   * @param exceptRooms excluded rooms
   * @param flags volatile, compress
   * @example
   * ```ts
   * const everyone = emitter.to([]);   // what the emitter builds
   * ```
   */
  constructor(private readonly emitter: Emitter, private readonly rooms: Room[], private readonly exceptRooms: Room[],
    private readonly flags: BroadcastFlags) {}

  /**
   * @param room one room or several
   * @returns the broadcast, also to them
   * @example
   * ```ts
   * emitter.to('a').to('b').emit('hello');
   * ```
   */
  to(room: Room | Room[]): StreamsBroadcast {
    return new StreamsBroadcast(this.emitter, [...new Set([...this.rooms, ...([] as Room[]).concat(room)])], this.exceptRooms, this.flags);
  }

  /**
   * @param room one room or several
   * @returns the broadcast, also to them
   * @example
   * ```ts
   * emitter.in('a').socketsLeave('b');
   * ```
   */
  in(room: Room | Room[]): StreamsBroadcast {
    return this.to(room);
  }

  /**
   * @param room one room or several
   * @returns the broadcast, not to the sockets in them
   * @example
   * ```ts
   * emitter.to('a').except('b').emit('hello');
   * ```
   */
  except(room: Room | Room[]): StreamsBroadcast {
    return new StreamsBroadcast(this.emitter, this.rooms, [...new Set([...this.exceptRooms, ...([] as Room[]).concat(room)])], this.flags);
  }

  /**
   * @example
   * ```ts
   * emitter.to('game').volatile.emit('position', x, y);
   * ```
   */
  get volatile(): StreamsBroadcast {
    return new StreamsBroadcast(this.emitter, this.rooms, this.exceptRooms, { ...this.flags, volatile: true });
  }

  /**
   * @param compress whether the transports may compress
   * @example
   * ```ts
   * emitter.to('a').compress(false).emit('blob', bytes);
   * ```
   */
  compress(compress: boolean): StreamsBroadcast {
    return new StreamsBroadcast(this.emitter, this.rooms, this.exceptRooms, { ...this.flags, compress });
  }

  private get opts(): { rooms: Room[]; except: Room[]; flags: BroadcastFlags } {
    return { rooms: this.rooms, except: this.exceptRooms, flags: this.flags };
  }

  /**
   * Emits to the selected clients of every server.
   * @param ev the event
   * @param args its arguments (no acknowledgement)
   * @returns true
   * @example
   * ```ts
   * emitter.to('news').emit('headline', text);
   * ```
   */
  emit(ev: string, ...args: unknown[]): true {
    if (RESERVED.has(ev)) throw new Error(`"${ev}" is a reserved event name`);
    if (typeof args[args.length - 1] === 'function') throw new Error('acknowledgements are not supported by an emitter');
    const packet = { type: PacketType.EVENT, data: [ev, ...args], nsp: this.emitter.nsp };
    this.emitter.send(MessageType.BROADCAST, { packet, opts: this.opts });
    return true;
  }

  /**
   * @param rooms the rooms to join
   * @example
   * ```ts
   * emitter.in('news').socketsJoin('archive');
   * ```
   */
  socketsJoin(rooms: Room | Room[]): void {
    this.emitter.send(MessageType.SOCKETS_JOIN, { opts: this.opts, rooms: ([] as Room[]).concat(rooms) });
  }

  /**
   * @param rooms the rooms to leave
   * @example
   * ```ts
   * emitter.in('news').socketsLeave('archive');
   * ```
   */
  socketsLeave(rooms: Room | Room[]): void {
    this.emitter.send(MessageType.SOCKETS_LEAVE, { opts: this.opts, rooms: ([] as Room[]).concat(rooms) });
  }

  /**
   * @param close whether to close the underlying connections
   * @example
   * ```ts
   * emitter.in('banned').disconnectSockets(true);
   * ```
   */
  disconnectSockets(close = false): void {
    this.emitter.send(MessageType.DISCONNECT_SOCKETS, { opts: this.opts, close });
  }
}
