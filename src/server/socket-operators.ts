/**
 * The emit modifiers of a server-side socket (`socket.to()`, `socket.broadcast`, `socket.compress()`,
 * `socket.volatile`, `socket.timeout()`…), as a base class of {@link Socket}: the flags of the next emit and the
 * broadcast operators created from the socket.
 *
 * Owns: the flags of the next emit. Must never import the namespace, connection or server modules (the socket's
 * type only, for `timeout()`).
 *
 * @example
 * ```ts
 * io.on('connection', (socket) => {
 *   socket.volatile.compress(false).emit('position', x, y);
 *   socket.broadcast.to('room-101').emit('joined', socket.id);
 * });
 * ```
 */
import type { Adapter, BroadcastFlags, Room, SocketId, WriteOptions } from './adapter.js';
import { BroadcastOperator } from './broadcast-operator.js';
import type { ErrorReporter } from './handler-errors.js';
import { AnyListenersEmitter } from './socket-any-listeners.js';
import type { Socket } from './socket.js';
import type { SocketReservedEventsMap } from './socket-types.js';
import type {
  DecorateAcknowledgements,
  DecorateAcknowledgementsWithMultipleResponses,
  DefaultEventsMap,
  EventsMap,
} from './typed-events.js';

/** The flags of the next emit. */
export type SocketFlags = BroadcastFlags;

/** No flag set (shared: the flags object is only allocated when a modifier is used). */
export const EMPTY_FLAGS: SocketFlags = Object.freeze({}) as SocketFlags;
// constant write options: no allocation per emitted packet
const WRITE_DEFAULT: WriteOptions = { compress: true };
const WRITE_NO_COMPRESS: WriteOptions = { compress: false };
const WRITE_VOLATILE: WriteOptions = { compress: true, volatile: true };
const WRITE_VOLATILE_NO_COMPRESS: WriteOptions = { compress: false, volatile: true };

/** The default write options of a packet. */
export { WRITE_DEFAULT };

/**
 * The write options of a packet emitted with these flags (constant objects: no allocation per packet).
 * @param flags the flags of the emit
 * @example
 * ```ts
 * client.writePacket(packet, writeOptionsOf({ volatile: true }));
 * ```
 */
export function writeOptionsOf(flags: SocketFlags): WriteOptions {
  if (flags.volatile) return flags.compress === false ? WRITE_VOLATILE_NO_COMPRESS : WRITE_VOLATILE;
  return flags.compress === false ? WRITE_NO_COMPRESS : WRITE_DEFAULT;
}

/**
 * The emit modifiers of a socket.
 * @example
 * ```ts
 * socket.timeout(5000).emit('ping', (err) => {});
 * socket.to('room-101').emit('hello');
 * ```
 */
export abstract class SocketOperators<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends AnyListenersEmitter<ListenEvents, EmitEvents, SocketReservedEventsMap> {
  /** The socket id. */
  abstract readonly id: SocketId;
  /** The adapter of the namespace. */
  abstract readonly adapter: Adapter;
  /** Where the errors of application code are reported. */
  protected abstract readonly reporter: ErrorReporter;
  /** The flags of the next emit (`EMPTY_FLAGS` until a modifier is used). */
  protected flags: SocketFlags = EMPTY_FLAGS;


  /**
   * Targets a room: the event reaches the sockets in it, except this one.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.to('room-101').emit('hello', 'world');   // to everyone in room-101 but this socket
   * });
   * ```
   */
  to(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.newBroadcastOperator().to(room);
  }

  /**
   * Targets a room. Alias of {@link to}.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.in('room-101').emit('hello');   // an alias of to()
   * });
   * ```
   */
  in(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.newBroadcastOperator().in(room);
  }

  /**
   * Excludes a room from a broadcast (this socket is excluded too).
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.broadcast.except('room-101').emit('hello');   // everyone but this socket and room-101
   * });
   * ```
   */
  except(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.newBroadcastOperator().except(room);
  }

  private setFlag<K extends keyof SocketFlags>(key: K, value: SocketFlags[K]): void {
    if (this.flags === EMPTY_FLAGS) this.flags = {};
    this.flags[key] = value;
  }

  /**
   * Sets the compress flag of the next emit.
   * @param compress whether the transport may compress
   * @returns this
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.compress(false).emit('hello', largeText);
   * });
   * ```
   */
  compress(compress: boolean): this {
    this.setFlag('compress', compress);
    return this;
  }

  /**
   * The next emit may be dropped if the client is not ready to receive it.
   * @example
   * ```ts
   * socket.volatile.emit('position', x, y);
   * ```
   */
  get volatile(): this {
    this.setFlag('volatile', true);
    return this;
  }

  /**
   * A broadcast to every socket of the namespace but this one.
   * @example
   * ```ts
   * socket.broadcast.emit('joined', socket.id);
   * ```
   */
  get broadcast(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.newBroadcastOperator();
  }

  /**
   * A broadcast limited to this server.
   * @example
   * ```ts
   * socket.local.emit('hello');   // the sockets of this server only
   * ```
   */
  get local(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.newBroadcastOperator().local;
  }

  /**
   * Sets the acknowledgement timeout of the next emit: the callback then gets an error first.
   * @param timeout in ms
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.timeout(5000).emit('my-event', (err, answer) => {
   *     if (err) {
   *       // the client did not acknowledge the event within 5 s
   *     } else {
   *       console.log(answer);
   *     }
   *   });
   * });
   * ```
   */
  timeout(timeout: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>, ServerSideEvents, SocketData> {
    this.setFlag('timeout', timeout);
    return this as unknown as Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>, ServerSideEvents, SocketData>;
  }

  /** The flags of the next emit, reset for the one after. */
  protected takeFlags(): SocketFlags {
    const flags = this.flags;
    this.flags = EMPTY_FLAGS;
    return flags;
  }

  private newBroadcastOperator(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    const flags = { ...this.flags };
    this.flags = EMPTY_FLAGS;
    return new BroadcastOperator(this.adapter, new Set(), new Set([this.id]), flags, this.reporter);
  }
}
