/**
 * What the server does on its main namespace (`/`), as the base class of {@link Server}: `io.use()`, `io.to()`,
 * `io.emit()` (through the EventEmitter forwarding at the end of `server.ts`), `io.fetchSockets()`… each a
 * shortcut for the same call on `io.sockets`.
 *
 * Owns: nothing but these shortcuts. Must never import the server, connection or socket modules (types only).
 *
 * @example
 * ```ts
 * io.use((socket, next) => next());   // same as io.of('/').use(...)
 * io.to('room-101').emit('hello');    // same as io.of('/').to('room-101').emit('hello')
 * ```
 */
import type { Room, SocketId } from './adapter.js';
import type { DisconnectDetails } from '../protocol/disconnect.js';
import type { BroadcastOperator, RemoteSocket } from './broadcast-operator.js';
import type { Namespace, NamespaceMiddleware, ServerReservedEventsMap } from './namespace.js';
import type { Presence } from './presence/index.js';
import {
  StrictEventEmitter,
  type AllButLast,
  type DecorateAcknowledgements,
  type DecorateAcknowledgementsWithMultipleResponses,
  type DecorateAcknowledgementsWithTimeoutAndMultipleResponses,
  type DefaultEventsMap,
  type EventNames,
  type EventNamesWithAck,
  type EventParams,
  type EventsMap,
  type FirstNonErrorArg,
  type Last,
  type RemoveAcknowledgements,
} from './typed-events.js';

/**
 * The main namespace shortcuts of a server.
 * @example
 * ```ts
 * io.to('room-101').emit('hello');   // io.of('/').to('room-101').emit('hello')
 * ```
 */
export abstract class MainNamespaceShortcuts<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends StrictEventEmitter<
  ServerSideEvents,
  RemoveAcknowledgements<EmitEvents>,
  ServerReservedEventsMap<ListenEvents, EmitEvents, ServerSideEvents, SocketData>
> {
  /** The main namespace (`/`). */
  abstract readonly sockets: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;

  /**
   * Registers a connection middleware of the main namespace.
   * @param fn `(socket, next)`
   * @returns this
   * @example
   * ```ts
   * io.use((socket, next) => {
   *   if (isValid(socket.handshake.auth.token)) return next();
   *   next(new Error('not authorized'));   // the client receives connect_error
   * });
   * ```
   */
  use(fn: NamespaceMiddleware<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): this {
    this.sockets.use(fn);
    return this;
  }

  /**
   * Targets a room of the main namespace.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.to('room-101').emit('hello', 'world');             // to every client in room-101
   * io.to(['room-101', 'room-102']).emit('hello');        // in either room (each client once)
   * io.to('room-101').to('room-102').emit('hello');       // same
   * ```
   */
  to(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.to(room);
  }

  /**
   * Targets a room of the main namespace. Alias of {@link to}.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * const sockets = await io.in('room-101').fetchSockets();   // an alias of to()
   * ```
   */
  in(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.in(room);
  }

  /**
   * Excludes a room of the main namespace.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.except('room-101').emit('hello');                  // every client but those in room-101
   * io.to('room-101').except('room-102').emit('hello');
   * ```
   */
  except(room: Room | Room[]): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.except(room);
  }

  /**
   * Sends a `message` event to every client of the main namespace.
   * @param args the arguments
   * @returns this
   * @example
   * ```ts
   * io.send('hello');   // a `message` event to every client of the main namespace
   * ```
   */
  send(...args: EventParams<EmitEvents, 'message'>): this {
    this.sockets.send(...args);
    return this;
  }

  /**
   * Sends a `message` event. Alias of {@link send}.
   * @param args the arguments
   * @returns this
   * @example
   * ```ts
   * io.write('hello');   // same as io.send()
   * ```
   */
  write(...args: EventParams<EmitEvents, 'message'>): this {
    this.sockets.write(...args);
    return this;
  }

  /**
   * Sends an event to the other servers of the cluster.
   * @param ev the event name
   * @param args the arguments, possibly ending with `(err, responses) => {}`
   * @example
   * ```ts
   * io.serverSideEmit('hello', 'world');   // to the other servers of the cluster, not to clients
   *
   * io.on('hello', (arg) => console.log(arg));   // on the other servers: 'world'
   * ```
   */
  serverSideEmit<Ev extends EventNames<ServerSideEvents>>(
    ev: Ev,
    ...args: EventParams<DecorateAcknowledgementsWithTimeoutAndMultipleResponses<ServerSideEvents>, Ev>
  ): boolean {
    return this.sockets.serverSideEmit(ev, ...args);
  }

  /**
   * Sends an event to the other servers and waits for their acknowledgements.
   * @param ev the event name
   * @param args the arguments
   * @returns one response per other server
   * @example
   * ```ts
   * const responses = await io.serverSideEmitWithAck('ping');   // one response per other server
   *
   * io.on('ping', (cb) => cb('pong'));   // on each other server
   * ```
   */
  serverSideEmitWithAck<Ev extends EventNamesWithAck<ServerSideEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<ServerSideEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<ServerSideEvents, Ev>>>[]> {
    return this.sockets.serverSideEmitWithAck(ev, ...args);
  }

  /**
   * Gets the ids of the sockets of the main namespace.
   * @deprecated use {@link fetchSockets}
   * @example
   * ```ts
   * const ids = await io.allSockets();              // the ids of every socket of the main namespace
   * const inRoom = await io.in('room-101').allSockets();
   * ```
   */
  allSockets(): Promise<Set<SocketId>> {
    return this.sockets.allSockets();
  }

  /**
   * Sets the compress flag.
   * @param compress whether the transport may compress
   * @example
   * ```ts
   * io.compress(false).emit('hello', largeText);   // not compressed (permessage-deflate / HTTP compression)
   * ```
   */
  compress(compress: boolean): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.compress(compress);
  }

  /**
   * The next emit may be dropped for clients not ready to receive it.
   * @example
   * ```ts
   * io.volatile.emit('position', x, y);
   * ```
   */
  get volatile(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.volatile;
  }

  /**
   * Presence in the main namespace: who is in each room, on every node.
   * @example
   * ```ts
   * io.on('connection', (socket) => io.presence.track(socket, 'lobby', socket.data.userId, { status: 'online' }));
   * io.presence.count('lobby');
   * ```
   */
  get presence(): Presence {
    return this.sockets.presence;
  }

  /**
   * Only the sockets of this server.
   * @example
   * ```ts
   * io.local.emit('hello');   // the clients of this server only
   * ```
   */
  get local(): BroadcastOperator<DecorateAcknowledgementsWithMultipleResponses<EmitEvents>, SocketData> {
    return this.sockets.local;
  }

  /**
   * Sets the acknowledgement timeout of the next emit.
   * @param timeout in ms
   * @example
   * ```ts
   * io.timeout(5000).emit('are-you-there', (err, responses) => {
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
    return this.sockets.timeout(timeout);
  }

  /**
   * @returns the sockets of the main namespace (across servers with a distributed adapter)
   * @example
   * ```ts
   * const sockets = await io.fetchSockets();   // on every server of the cluster
   * for (const socket of sockets) {
   *   console.log(socket.id, socket.handshake, socket.rooms, socket.data);
   *   socket.emit('hello');
   * }
   * ```
   */
  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    return this.sockets.fetchSockets();
  }

  /**
   * Makes the sockets join rooms.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.socketsJoin('room1');                      // every socket joins room1
   * io.in('room1').socketsJoin(['room2', 'room3']);
   * io.in(theSocketId).socketsJoin('room1');      // one socket, on whichever server
   * ```
   */
  socketsJoin(room: Room | Room[]): void {
    return this.sockets.socketsJoin(room);
  }

  /**
   * Makes the sockets leave rooms.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.socketsLeave('room1');
   * io.in('room1').socketsLeave(['room2', 'room3']);
   * ```
   */
  socketsLeave(room: Room | Room[]): void {
    return this.sockets.socketsLeave(room);
  }

  /**
   * Disconnects the sockets.
   * @param close whether to close the underlying connections too
   * @param details why, for the clients (see `BroadcastOperator.disconnectSockets`)
   * @example
   * ```ts
   * io.disconnectSockets();                       // every socket of the main namespace
   * io.in('room1').disconnectSockets(true);       // and close their underlying connections
   * ```
   */
  disconnectSockets(close = false, details?: DisconnectDetails): void {
    return this.sockets.disconnectSockets(close, details);
  }
}
