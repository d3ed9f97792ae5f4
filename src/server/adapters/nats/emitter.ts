/**
 * The NATS emitter: a process without a Socket.IO server (a worker, a cron job) emits to the clients of the
 * servers sharing a NATS, and makes their sockets join, leave or disconnect, with the API of the official
 * emitters (`of`, `to`/`in`, `except`, `volatile`, `compress`, `emit`, `socketsJoin`, `socketsLeave`,
 * `disconnectSockets`, `serverSideEmit`).
 *
 * ```ts
 * import { connect } from 'nats';
 * import { Emitter } from 'socketeer/nats';
 * const emitter = new Emitter(await connect({ servers: 'nats://nats:4222' }));
 * emitter.to('news').emit('headline', 'hello');
 * ```
 *
 * A message is a plain publish on the subjects of `bus.ts`: when the servers run JetStream, the stream stores it
 * as it stores theirs (it gets an offset, and reconnecting clients recover it). Owns the emitter only; imports
 * only types of `nats`; must never import the server classes nor the adapters.
 */
import type { NatsConnection } from 'nats';
import { encodeMessage, NatsBus, subjectToken } from './bus.js';

/** The uid of messages sent by emitters (never a member of the cluster). */
const EMITTER_UID = 'emitter';
/** Message types of the cluster protocol used here. */
const BROADCAST = 3;
const SOCKETS_JOIN = 4;
const SOCKETS_LEAVE = 5;
const DISCONNECT_SOCKETS = 6;
const SERVER_SIDE_EMIT = 9;
/** Socket.IO packet type of an event. */
const EVENT = 2;
/** Events a client cannot receive. */
const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

/** Options of {@link Emitter}. */
export interface EmitterOptions {
  /** The servers' subject prefix. Default `socket.io`. */
  prefix?: string;
}

/** Flags of an emitted broadcast. */
export interface EmitterFlags {
  volatile?: boolean;
  compress?: boolean;
}

/**
 * Emits to the clients of every server of a namespace, from any process connected to NATS.
 * @example
 * ```ts
 * const emitter = new Emitter(nc, { prefix: 'my-app' });
 * emitter.emit('tick', Date.now());
 * emitter.of('/admin').to('ops').except('muted').emit('alert', { level: 2 });
 * ```
 */
export class Emitter {
  private readonly prefix: string;

  /**
   * @param nc a connected `nats` connection (stays the caller's)
   * @param opts the servers' prefix
   * @param nsp the namespace (default `/`)
   * @example
   * ```ts
   * const emitter = new Emitter(await connect({ servers: 'nats://nats:4222' }));
   * ```
   */
  constructor(private readonly nc: NatsConnection, opts: EmitterOptions = {}, readonly nsp = '/') {
    this.prefix = opts.prefix ?? 'socket.io';
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
    return new Emitter(this.nc, { prefix: this.prefix }, nsp.startsWith('/') ? nsp : `/${nsp}`);
  }

  /**
   * Publishes one message of the cluster protocol to the servers of this namespace.
   * @param type the message type
   * @param data its payload
   * @param ephemeral whether only the servers up now care (never stored)
   * @example
   * ```ts
   * emitter.publish(9, { packet: ['ping'] }, true);
   * ```
   */
  publish(type: number, data: unknown, ephemeral = false): void {
    const subject = ephemeral ? `${this.prefix}.e.${subjectToken(this.nsp)}` : NatsBus.subjectOf(this.prefix, this.nsp);
    this.nc.publish(subject, encodeMessage({ uid: EMITTER_UID, nsp: this.nsp, type, data }));
  }

  /** @returns a broadcast to every client of the namespace */
  private all(): EmitterBroadcast {
    return new EmitterBroadcast(this, [], [], {});
  }

  /**
   * Emits to every client of the namespace.
   * @example
   * ```ts
   * emitter.emit('tick', Date.now());
   * ```
   */
  emit(ev: string, ...args: unknown[]): true {
    return this.all().emit(ev, ...args);
  }

  /**
   * @example
   * ```ts
   * emitter.to('news').emit('headline', text);
   * ```
   */
  to(room: string | string[]): EmitterBroadcast {
    return this.all().to(room);
  }

  /**
   * @example
   * ```ts
   * emitter.in('news').socketsJoin('archive');
   * ```
   */
  in(room: string | string[]): EmitterBroadcast {
    return this.all().to(room);
  }

  /**
   * @example
   * ```ts
   * emitter.except('muted').emit('alert');
   * ```
   */
  except(room: string | string[]): EmitterBroadcast {
    return this.all().except(room);
  }

  /**
   * @example
   * ```ts
   * emitter.volatile.emit('position', x, y);
   * ```
   */
  get volatile(): EmitterBroadcast {
    return this.all().volatile;
  }

  /**
   * @example
   * ```ts
   * emitter.compress(false).emit('blob', buffer);
   * ```
   */
  compress(compress: boolean): EmitterBroadcast {
    return this.all().compress(compress);
  }

  /**
   * @example
   * ```ts
   * emitter.socketsJoin('everyone');
   * ```
   */
  socketsJoin(rooms: string | string[]): void {
    this.all().socketsJoin(rooms);
  }

  /**
   * @example
   * ```ts
   * emitter.socketsLeave('everyone');
   * ```
   */
  socketsLeave(rooms: string | string[]): void {
    this.all().socketsLeave(rooms);
  }

  /**
   * @example
   * ```ts
   * emitter.disconnectSockets(true);
   * ```
   */
  disconnectSockets(close = false): void {
    this.all().disconnectSockets(close);
  }

  /**
   * Emits an event to the servers (their `io.on(ev)` listeners); no acknowledgement.
   * @example
   * ```ts
   * emitter.serverSideEmit('reload-config');
   * ```
   */
  serverSideEmit(ev: string, ...args: unknown[]): void {
    if (typeof args[args.length - 1] === 'function') throw new Error('Acknowledgements are not supported');
    this.publish(SERVER_SIDE_EMIT, { packet: [ev, ...args] }, true);
  }
}

/**
 * A broadcast being built: rooms, exceptions, flags.
 * @example
 * ```ts
 * emitter.to('a').to('b').except('c').volatile.emit('ev');
 * ```
 */
export class EmitterBroadcast {
  /**
   * @param emitter the namespace's emitter
   * @param rooms targeted rooms
   * @param exceptRooms excluded rooms
   * @param flags volatile, compress
   * @example
   * ```ts
   * new EmitterBroadcast(emitter, ['news'], [], {}).emit('headline');
   * ```
   */
  constructor(private readonly emitter: Emitter, private readonly rooms: string[], private readonly exceptRooms: string[],
    private readonly flags: EmitterFlags) {}

  /**
   * @example
   * ```ts
   * emitter.to('a').to(['b', 'c']).emit('ev');
   * ```
   */
  to(room: string | string[]): EmitterBroadcast {
    return new EmitterBroadcast(this.emitter, [...new Set([...this.rooms, ...[room].flat()])], this.exceptRooms, this.flags);
  }

  /**
   * @example
   * ```ts
   * emitter.in('a').emit('ev');
   * ```
   */
  in(room: string | string[]): EmitterBroadcast {
    return this.to(room);
  }

  /**
   * @example
   * ```ts
   * emitter.to('a').except('b').emit('ev');
   * ```
   */
  except(room: string | string[]): EmitterBroadcast {
    return new EmitterBroadcast(this.emitter, this.rooms, [...new Set([...this.exceptRooms, ...[room].flat()])], this.flags);
  }

  /**
   * @example
   * ```ts
   * emitter.to('a').volatile.emit('ev');
   * ```
   */
  get volatile(): EmitterBroadcast {
    return new EmitterBroadcast(this.emitter, this.rooms, this.exceptRooms, { ...this.flags, volatile: true });
  }

  /**
   * @example
   * ```ts
   * emitter.to('a').compress(false).emit('ev');
   * ```
   */
  compress(compress: boolean): EmitterBroadcast {
    return new EmitterBroadcast(this.emitter, this.rooms, this.exceptRooms, { ...this.flags, compress });
  }

  /**
   * Emits to the matching clients of every server.
   * @example
   * ```ts
   * emitter.to('news').emit('headline', text, Buffer.from([1, 2]));
   * ```
   */
  emit(ev: string, ...args: unknown[]): true {
    if (RESERVED.has(ev)) throw new Error(`"${ev}" is a reserved event name`);
    if (typeof args[args.length - 1] === 'function') throw new Error('Acknowledgements are not supported');
    const packet = { type: EVENT, data: [ev, ...args], nsp: this.emitter.nsp };
    this.emitter.publish(BROADCAST, { packet, opts: this.options() });
    return true;
  }

  /**
   * @example
   * ```ts
   * emitter.to('news').socketsJoin('archive');
   * ```
   */
  socketsJoin(rooms: string | string[]): void {
    this.emitter.publish(SOCKETS_JOIN, { opts: this.options(), rooms: [rooms].flat() });
  }

  /**
   * @example
   * ```ts
   * emitter.to('news').socketsLeave('news');
   * ```
   */
  socketsLeave(rooms: string | string[]): void {
    this.emitter.publish(SOCKETS_LEAVE, { opts: this.options(), rooms: [rooms].flat() });
  }

  /**
   * @example
   * ```ts
   * emitter.to('banned').disconnectSockets(true);
   * ```
   */
  disconnectSockets(close = false): void {
    this.emitter.publish(DISCONNECT_SOCKETS, { opts: this.options(), close });
  }

  private options(): { rooms: string[]; except: string[]; flags: EmitterFlags } {
    return { rooms: this.rooms, except: this.exceptRooms, flags: this.flags };
  }
}
