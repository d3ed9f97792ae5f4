/**
 * Broadcast operators: immutable selections of sockets (rooms, exceptions, flags) on which to emit or act.
 *
 * ```ts
 * io.to('room1').except('room2').timeout(1000).emit('ping', (err, responses) => {});
 * const sockets = await io.in('room1').fetchSockets();
 * io.in('room1').socketsJoin('room2');
 * ```
 *
 * Owns: the selection (rooms, exceptions, flags) and the collection of broadcast acknowledgements. It uses the
 * adapter through its public methods and `adapter.nsp` only as the agreed `AdapterNamespace` (name, sockets' acks);
 * errors of acknowledgement callbacks go to the {@link ErrorReporter} it was given. Must never import the server,
 * namespace, connection or socket modules.
 */
import { PacketType, type Packet } from '../protocol/index.js';
import { validDisconnectDetails, type DisconnectDetails } from '../protocol/disconnect.js';
import { isLocalSocket, type Adapter, type BroadcastFlags, type Room, type SocketDetails, type SocketId } from './adapter.js';
import { RESERVED_EVENTS, type Handshake } from './socket-types.js';
import { callReported, HandlerErrors, type ErrorReporter } from './handler-errors.js';
import type {
  AllButLast,
  DecorateAcknowledgements,
  EventNames,
  EventNamesWithError,
  EventParams,
  EventsMap,
  FirstNonErrorArg,
  Last,
  TypedEventBroadcaster,
} from './typed-events.js';

/** Flags of a broadcast operator. */
export type OperatorFlags = BroadcastFlags & { expectSingleResponse?: boolean };

/**
 * A selection of sockets to emit to or act on. Every modifier returns a new operator.
 * @example
 * ```ts
 * io.to('room-101').except('room-102').emit('hello');
 * ```
 */
export class BroadcastOperator<EmitEvents extends EventsMap, SocketData> implements TypedEventBroadcaster<EmitEvents> {
  /**
   * @param adapter the adapter of the namespace
   * @param rooms the targeted rooms (all sockets when empty)
   * @param exceptRooms the excluded rooms
   * @param flags the modifiers
   * @param reporter where errors of the acknowledgement callbacks are reported (the server's `onError` listeners)
   * @example
   * ```ts
   * // obtained from io.to(), io.except(), socket.broadcast, io.local, io.volatile…
   * const operator = io.to('room-101');
   * ```
   */
  constructor(
    private readonly adapter: Adapter,
    private readonly rooms: Set<Room> = new Set(),
    private readonly exceptRooms: Set<Room> = new Set(),
    private readonly flags: OperatorFlags = {},
    private readonly reporter: ErrorReporter = LOG_ONLY,
  ) {}

  /**
   * Targets a room (or rooms); a socket in several of them is reached once.
   * @param room a room or an array of rooms
   * @returns a new operator
   * @example
   * ```ts
   * io.to('room-101').to('room-102').emit('hello');        // in either room (each client once)
   * io.to(['room-101', 'room-102']).emit('hello');          // same
   * ```
   */
  to(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    const rooms = new Set(this.rooms);
    if (Array.isArray(room)) for (const r of room) rooms.add(r);
    else rooms.add(room);
    return new BroadcastOperator(this.adapter, rooms, this.exceptRooms, this.flags, this.reporter);
  }

  /**
   * Targets a room (or rooms). Alias of {@link to}.
   * @param room a room or an array of rooms
   * @returns a new operator
   * @example
   * ```ts
   * const sockets = await io.in('room-101').in('room-102').fetchSockets();   // an alias of to()
   * ```
   */
  in(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    return this.to(room);
  }

  /**
   * Excludes the sockets in a room (or rooms).
   * @param room a room or an array of rooms
   * @returns a new operator
   * @example
   * ```ts
   * io.to('room-101').except('room-102').emit('hello');     // in room-101 and not in room-102
   * ```
   */
  except(room: Room | Room[]): BroadcastOperator<EmitEvents, SocketData> {
    const exceptRooms = new Set(this.exceptRooms);
    if (Array.isArray(room)) for (const r of room) exceptRooms.add(r);
    else exceptRooms.add(room);
    return new BroadcastOperator(this.adapter, this.rooms, exceptRooms, this.flags, this.reporter);
  }

  /**
   * Sets the compress flag.
   * @param compress whether the transport may compress the packet
   * @returns a new operator
   * @example
   * ```ts
   * io.to('room-101').compress(false).emit('hello', largeText);
   * ```
   */
  compress(compress: boolean): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.adapter, this.rooms, this.exceptRooms, { ...this.flags, compress }, this.reporter);
  }

  /**
   * The packet may be dropped for clients that are not ready to receive it. A new operator.
   * @example
   * ```ts
   * io.to('room-101').volatile.emit('position', x, y);
   * ```
   */
  get volatile(): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.adapter, this.rooms, this.exceptRooms, { ...this.flags, volatile: true }, this.reporter);
  }

  /**
   * Only the sockets of this server. A new operator.
   * @example
   * ```ts
   * io.to('room-101').local.emit('hello');   // the clients of this server only
   * ```
   */
  get local(): BroadcastOperator<EmitEvents, SocketData> {
    return new BroadcastOperator(this.adapter, this.rooms, this.exceptRooms, { ...this.flags, local: true }, this.reporter);
  }

  /**
   * Sets the acknowledgement timeout: the callback then gets `(err, responses)`.
   * @param timeout in ms
   * @returns a new operator
   * @example
   * ```ts
   * io.to('room-101').timeout(5000).emit('are-you-there', (err, responses) => {
   *   if (err) {
   *     // some clients did not acknowledge within 5 s (responses holds those that did)
   *   } else {
   *     console.log(responses);   // one response per client
   *   }
   * });
   * ```
   */
  timeout(timeout: number): BroadcastOperator<DecorateAcknowledgements<EmitEvents>, SocketData> {
    return new BroadcastOperator(this.adapter, this.rooms, this.exceptRooms, { ...this.flags, timeout }, this.reporter);
  }

  /**
   * Emits an event to the selected sockets. With a callback last, collects one acknowledgement per socket
   * (across servers) and calls it with `(err, responses)` once all arrived or the timeout expired.
   * @param ev the event name
   * @param args the arguments, possibly ending with the acknowledgement callback
   * @returns false when a recipient on this server is over its high-water mark (it still gets the packet, unless
   *   volatile), true otherwise (and always with an acknowledgement callback)
   * @throws Error if the event name is reserved
   * @example
   * ```ts
   * io.to('room-101').emit('hello', 'world');
   * io.volatile.to('room-101').emit('position', x, y);     // dropped for clients that are not ready
   * io.local.emit('hello');                                 // to the clients of this server only
   * ```
   */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    if (RESERVED_EVENTS.has(ev)) throw new Error(`"${String(ev)}" is a reserved event name`);
    const data = args as unknown[];
    data.unshift(ev);
    const packet: Packet = { type: PacketType.EVENT, nsp: '/', data };
    if (typeof data[data.length - 1] !== 'function') {
      const probe = this.adapter.nsp.server.probes?.current;
      const started = probe === undefined ? 0 : performance.now();
      const delivered = this.adapter.broadcast(packet, { rooms: this.rooms, except: this.exceptRooms, flags: this.flags });
      if (probe !== undefined) probe.broadcast(this.adapter.nsp.name, started);
      // false: a local recipient is over its high-water mark (an adapter that returns nothing reports true)
      return delivered !== false;
    }
    const ack = data.pop() as (...args: any[]) => void;
    const flags = this.flags;
    const adapter = this.adapter;
    let timedOut = false;
    const responses: unknown[] = [];
    const timer = setTimeout(() => {
      timedOut = true;
      const packetId = packet.id;
      if (packetId !== undefined) {
        for (const socket of adapter.nsp.sockets.values()) socket.acks.delete(packetId);
      }
      callAck(this, ack, this.reporter, adapter.nsp.name, ev, new Error('operation has timed out'), flags.expectSingleResponse ? null : responses);
    }, flags.timeout);
    let expectedServerCount = -1;
    let actualServerCount = 0;
    let expectedClientCount = 0;
    const checkCompleteness = () => {
      if (!timedOut && expectedServerCount === actualServerCount && responses.length === expectedClientCount) {
        clearTimeout(timer);
        callAck(this, ack, this.reporter, adapter.nsp.name, ev, null, flags.expectSingleResponse ? responses[0] : responses);
      }
    };
    adapter.broadcastWithAck(
      packet,
      { rooms: this.rooms, except: this.exceptRooms, flags },
      (clientCount) => {
        expectedClientCount += clientCount;
        actualServerCount++;
        checkCompleteness();
      },
      (clientResponse) => {
        responses.push(clientResponse);
        checkCompleteness();
      },
    );
    adapter.serverCount().then((serverCount) => {
      expectedServerCount = serverCount;
      checkCompleteness();
    });
    return true;
  }

  /**
   * Emits an event and waits for the acknowledgements of all the selected sockets.
   * @param ev the event name
   * @param args the arguments
   * @returns the responses; rejects with an Error carrying `responses` on timeout
   * @example
   * ```ts
   * try {
   *   const responses = await io.to('room-101').timeout(5000).emitWithAck('are-you-there');
   *   console.log(responses);   // one response per client
   * } catch (err) {
   *   // some clients did not acknowledge within 5 s
   * }
   * ```
   */
  emitWithAck<Ev extends EventNamesWithError<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>> {
    return new Promise((resolve, reject) => {
      args.push((err: (Error & { responses?: unknown }) | null, responses: any) => {
        if (err) {
          err.responses = responses;
          return reject(err);
        }
        return resolve(responses);
      });
      (this.emit as (ev: string, ...args: any[]) => boolean)(ev as string, ...args);
    });
  }

  /**
   * Gets the ids of the selected sockets.
   * @deprecated use {@link fetchSockets}
   * @example
   * ```ts
   * const ids = await io.in('room-101').allSockets();   // a Set of socket ids
   * ```
   */
  allSockets(): Promise<Set<SocketId>> {
    if (!this.adapter) {
      throw new Error('No adapter for this namespace, are you trying to get the list of clients of a dynamic namespace?');
    }
    return this.adapter.sockets(this.rooms);
  }

  /**
   * @returns the selected sockets: local `Socket` instances and `RemoteSocket`s of other servers
   * @example
   * ```ts
   * const sockets = await io.in('room-101').fetchSockets();   // on every server of the cluster
   * for (const socket of sockets) {
   *   console.log(socket.id, socket.handshake, socket.rooms, socket.data);
   *   socket.emit('hello');
   *   socket.join('room-102');
   * }
   * ```
   */
  fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    return this.adapter
      .fetchSockets({ rooms: this.rooms, except: this.exceptRooms, flags: this.flags })
      .then((sockets) =>
        sockets.map((socket) =>
          isLocalSocket(socket)
            ? (socket as unknown as RemoteSocket<EmitEvents, SocketData>)
            : new RemoteSocket<EmitEvents, SocketData>(this.adapter, socket as SocketDetails<SocketData>, this.reporter),
        ),
      );
  }

  /**
   * Makes the selected sockets join rooms.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.in('room-101').socketsJoin(['room-102', 'room-103']);   // everyone in room-101 joins both
   * ```
   */
  socketsJoin(room: Room | Room[]): void {
    this.adapter.addSockets(
      { rooms: this.rooms, except: this.exceptRooms, flags: this.flags },
      Array.isArray(room) ? room : [room],
    );
  }

  /**
   * Makes the selected sockets leave rooms.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * io.in('room-101').socketsLeave('room-102');
   * ```
   */
  socketsLeave(room: Room | Room[]): void {
    this.adapter.delSockets(
      { rooms: this.rooms, except: this.exceptRooms, flags: this.flags },
      Array.isArray(room) ? room : [room],
    );
  }

  /**
   * Disconnects the selected sockets, on every server with a cluster adapter.
   * @param close whether to close the underlying connections too
   * @param details why, for the clients: each is sent `socketeer:disconnect` just before its DISCONNECT (see
   * `socket.disconnect`); carried to the other servers by Socketeer's adapters (other servers' adapters
   * disconnect their sockets without it)
   * @throws TypeError if `details` has no non-empty string `reason`, or a `message` that is not a string
   * @example
   * ```ts
   * io.in('room-101').disconnectSockets();       // they get "io server disconnect"
   * io.in('room-101').disconnectSockets(true);   // and their underlying connections are closed
   * io.in('user:42').disconnectSockets(false, { reason: 'signed out' });   // and are told why
   * ```
   */
  disconnectSockets(close = false, details?: DisconnectDetails): void {
    const checked = details === undefined ? undefined : validDisconnectDetails(details);
    this.adapter.disconnectSockets({ rooms: this.rooms, except: this.exceptRooms, flags: this.flags }, close, checked);
  }
}

/**
 * A socket as returned by `fetchSockets()` when it lives on another server (or its local counterpart's subset).
 * @example
 * ```ts
 * const [socket] = await io.in(theSocketId).fetchSockets();
 * socket.emit('hello');
 * ```
 */
export class RemoteSocket<EmitEvents extends EventsMap, SocketData> implements TypedEventBroadcaster<EmitEvents> {
  readonly id: SocketId;
  readonly handshake: Handshake;
  readonly rooms: Set<Room>;
  readonly data: SocketData;
  private readonly operator: BroadcastOperator<EmitEvents, SocketData>;

  /**
   * @param adapter the adapter of the namespace
   * @param details what the other server sent about the socket
   * @param reporter where errors of the acknowledgement callbacks are reported
   * @example
   * ```ts
   * // returned by fetchSockets(), for sockets of this server and of the others
   * const [socket] = await io.in(theSocketId).fetchSockets();
   * ```
   */
  constructor(adapter: Adapter, details: SocketDetails<SocketData>, reporter: ErrorReporter = LOG_ONLY) {
    this.id = details.id;
    this.handshake = details.handshake;
    this.rooms = new Set(details.rooms);
    this.data = details.data;
    this.operator = new BroadcastOperator<EmitEvents, SocketData>(
      adapter,
      new Set([this.id]),
      new Set(),
      { expectSingleResponse: true },
      reporter,
    );
  }

  /**
   * Sets the acknowledgement timeout of the next emit.
   * @param timeout in ms
   * @example
   * ```ts
   * const [socket] = await io.in(theSocketId).fetchSockets();
   * socket.timeout(5000).emit('are-you-there', (err, [answer]) => console.log(err ?? answer));
   * ```
   */
  timeout(timeout: number): BroadcastOperator<DecorateAcknowledgements<EmitEvents>, SocketData> {
    return this.operator.timeout(timeout);
  }

  /**
   * Emits an event to this socket.
   * @param ev the event name
   * @param args the arguments
   * @example
   * ```ts
   * const sockets = await io.fetchSockets();
   * for (const socket of sockets) socket.emit('hello', socket.data.name);
   * ```
   */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return this.operator.emit(ev, ...args);
  }

  /**
   * Joins rooms.
   * @param room a room or an array of rooms
   * @example
   * ```ts
   * const sockets = await io.in('room-101').fetchSockets();
   * sockets.filter((s) => s.data.admin).forEach((s) => s.join('admins'));
   * ```
   */
  join(room: Room | Room[]): void {
    return this.operator.socketsJoin(room);
  }

  /**
   * Leaves a room.
   * @param room the room
   * @example
   * ```ts
   * const [socket] = await io.in(theSocketId).fetchSockets();
   * socket.leave('room-101');
   * ```
   */
  leave(room: Room): void {
    return this.operator.socketsLeave(room);
  }

  /**
   * Disconnects this socket.
   * @param close whether to close the underlying connection too
   * @param details why, for the client (see `BroadcastOperator.disconnectSockets`)
   * @throws TypeError for invalid `details`
   * @example
   * ```ts
   * const sockets = await io.fetchSockets();
   * for (const socket of sockets) if (socket.data.banned) socket.disconnect(true, { reason: 'banned' });
   * ```
   */
  disconnect(close = false, details?: DisconnectDetails): this {
    this.operator.disconnectSockets(close, details);
    return this;
  }
}

/** Without a reporter (an operator built by hand), errors of acknowledgement callbacks are only logged. */
const LOG_ONLY: ErrorReporter = new HandlerErrors(false);

/**
 * Calls the acknowledgement callback of a broadcast (from a timer, a client's ACK or another server's answer):
 * what it throws or rejects with is reported to the server's `onError` listeners.
 */
function callAck(
  operator: unknown,
  ack: (...args: any[]) => unknown,
  reporter: ErrorReporter,
  nspName: string,
  ev: unknown,
  err: Error | null,
  responses: unknown,
): void {
  callReported(reporter, ack, operator, [err, responses], 'ack', nspName, undefined, String(ev));
}
