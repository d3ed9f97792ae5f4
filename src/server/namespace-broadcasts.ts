/**
 * What a namespace does through its adapter, as the base class of {@link Namespace}: emitting to its sockets
 * (`nsp.emit`, `nsp.to(room)`, `nsp.timeout(ms)`…), fetching them, making them join, leave or disconnect — each
 * a {@link BroadcastOperator} over the adapter.
 *
 * Owns: nothing but these operator shortcuts. Must never import the server, connection or socket modules (the
 * namespace's types only).
 *
 * @example
 * ```ts
 * const chat = io.of('/chat');
 * chat.to('room-101').emit('hello');
 * const sockets = await chat.in('room-101').fetchSockets();
 * ```
 */
import type { Adapter, Room, SocketId } from './adapter.js';
import type { DisconnectDetails } from '../protocol/disconnect.js';
import { BroadcastOperator, type RemoteSocket } from './broadcast-operator.js';
import type { ErrorReporter } from './handler-errors.js';
import type { NamespaceReservedEventsMap } from './namespace.js';
import {
  StrictEventEmitter,
  type DecorateAcknowledgements,
  type DecorateAcknowledgementsWithMultipleResponses,
  type DefaultEventsMap,
  type EventNamesWithoutAck,
  type EventParams,
  type EventsMap,
  type RemoveAcknowledgements,
} from './typed-events.js';

/**
 * The broadcast shortcuts of a namespace.
 * @example
 * ```ts
 * io.of('/chat').except('muted').emit('message', text);
 * ```
 */
export abstract class NamespaceBroadcasts<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends StrictEventEmitter<
  ServerSideEvents,
  RemoveAcknowledgements<EmitEvents>,
  NamespaceReservedEventsMap<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
> {
  /** The adapter. */
  abstract adapter: Adapter;
  /** Where errors of application code in this namespace are reported. */
  abstract readonly errors: ErrorReporter;

  /** A new operator over every socket of the namespace. */
  protected operator<E extends EventsMap>(): BroadcastOperator<E, SocketData> {
    return new BroadcastOperator<E, SocketData>(this.adapter, new Set(), new Set(), {}, this.errors);
  }

  /**
   * Targets a room.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * const chat = io.of('/chat');
   * chat.to('room-101').emit('hello', 'world');
   * chat.to(['room-101', 'room-102']).emit('hello');   // in either room (each client once)
   * ```
   */
  to(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.operator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>>().to(room);
  }

  /**
   * Targets a room. Alias of {@link to}.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * const sockets = await io.of('/chat').in('room-101').fetchSockets();   // an alias of to()
   * ```
   */
  in(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.to(room);
  }

  /**
   * Excludes a room.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.of('/chat').except('room-101').emit('hello');   // every client of /chat but those in room-101
   * ```
   */
  except(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.operator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>>().except(
      room,
    );
  }

  /**
   * Emits to every socket of the namespace.
   * @param ev the event name
   * @param args the arguments
   * @returns true
   * @example
   * ```ts
   * const chat = io.of('/chat');
   * chat.emit('hello', 'world');                          // to every client of /chat
   * chat.emit('with-binary', 1, '2', { 3: new Uint8Array([4]) });
   * ```
   */
  override emit<Ev extends EventNamesWithoutAck<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return this.operator<EmitEvents>().emit(ev, ...args);
  }

  /**
   * Sends a `message` event to every socket.
   * @param args the arguments
   * @returns this
   * @example
   * ```ts
   * io.of('/chat').send('hello');   // a `message` event to every client of /chat
   * ```
   */
  send(...args: EventParams<EmitEvents, 'message'>): this {
    this.operator<EventsMap>().emit('message', ...args);
    return this;
  }

  /**
   * Sends a `message` event to every socket. Alias of {@link send}.
   * @param args the arguments
   * @returns this
   * @example
   * ```ts
   * io.of('/chat').write('hello');   // same as send()
   * ```
   */
  write(...args: EventParams<EmitEvents, 'message'>): this {
    this.operator<EventsMap>().emit('message', ...args);
    return this;
  }

  /**
   * Gets the ids of the sockets.
   * @deprecated use {@link fetchSockets}
   * @example
   * ```ts
   * const ids = await io.of('/chat').allSockets();
   * ```
   */
  allSockets(): Promise<Set<SocketId>> {
    return this.operator<EmitEvents>().allSockets();
  }

  /**
   * Sets the compress flag.
   * @param compress whether the transport may compress
   * @example
   * ```ts
   * io.of('/chat').compress(false).emit('hello', largeText);
   * ```
   */
  compress(compress: boolean): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.operator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>>().compress(
      compress,
    );
  }

  /**
   * The next emit may be dropped for clients not ready to receive it.
   * @example
   * ```ts
   * io.of('/game').volatile.emit('position', x, y);
   * ```
   */
  get volatile(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.operator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>>().volatile;
  }

  /**
   * Only the sockets of this server.
   * @example
   * ```ts
   * io.of('/chat').local.emit('hello');   // the clients of this server only
   * ```
   */
  get local(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.operator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>>().local;
  }

  /**
   * Sets the acknowledgement timeout of the next emit.
   * @param timeout in ms
   * @example
   * ```ts
   * io.of('/chat').timeout(5000).emit('are-you-there', (err, responses) => {
   *   if (err) {
   *     // some clients did not acknowledge within 5 s
   *   } else {
   *     console.log(responses);   // one response per client
   *   }
   * });
   * ```
   */
  timeout(
    timeout: number,
  ): BroadcastOperator<DecorateAcknowledgements<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>>, SocketData> {
    return this.operator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>>().timeout(
      timeout,
    );
  }

  /**
   * @returns the sockets (across servers with a distributed adapter)
   * @example
   * ```ts
   * const sockets = await io.of('/chat').in('room-101').fetchSockets();
   * for (const socket of sockets) console.log(socket.id, socket.data);
   * ```
   */
  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    return this.operator<EmitEvents>().fetchSockets();
  }

  /**
   * Makes the sockets join rooms.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.of('/chat').in('room-101').socketsJoin('room-102');   // everyone in room-101 also joins room-102
   * ```
   */
  socketsJoin(room: Room | Room[]): void {
    return this.operator<EmitEvents>().socketsJoin(room);
  }

  /**
   * Makes the sockets leave rooms.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.of('/chat').socketsLeave('room-101');
   * ```
   */
  socketsLeave(room: Room | Room[]): void {
    return this.operator<EmitEvents>().socketsLeave(room);
  }

  /**
   * Disconnects the sockets.
   * @param close whether to close the underlying connections too
   * @param details why, for the clients (see `BroadcastOperator.disconnectSockets`)
   * @example
   * ```ts
   * io.of('/chat').in('room-101').disconnectSockets();
   * ```
   */
  disconnectSockets(close = false, details?: DisconnectDetails): void {
    return this.operator<EmitEvents>().disconnectSockets(close, details);
  }
}
