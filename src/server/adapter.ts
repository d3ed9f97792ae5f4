/**
 * The adapter of a namespace: who is in which room, and how a packet reaches the sockets selected by rooms.
 * One adapter instance exists per namespace (`nsp.adapter`). The base class below does all of it for the
 * sockets of this process; `adapters/memory.ts` adds session persistence and is the embedded default.
 *
 * ```ts
 * import { Server } from 'socketeer';
 * import { MyClusterAdapter } from './my-cluster-adapter.js';
 * const io = new Server({ adapter: MyClusterAdapter }); // a class, or `(nsp) => adapter`
 * ```
 *
 * ## Writing a distributed adapter
 * Extend {@link Adapter} (or `MemoryAdapter`) and keep the local behaviour by calling `super`: connect in `init()`,
 * count servers in `serverCount()`, publish in `broadcast`, `broadcastWithAck`, `addSockets`, `delSockets`,
 * `disconnectSockets` and `serverSideEmit` (unless `opts.flags.local`), ask the others in `fetchSockets` (they
 * answer with `SocketDetails`), and share sessions in `persistSession`/`restoreSession`. Each method's example
 * shows its override; `docs/scaling.md` ("Writing an adapter") has the whole protocol. The `rooms` and `sids`
 * maps only ever describe the sockets of this process. Local delivery without `super.broadcast()`: see
 * `adapter-delivery.ts`.
 *
 * Owns the base `Adapter`: rooms and sids of this process, local delivery, the no-op session hooks. The types of
 * the boundary live in `adapter-types.ts`. Must never import the server classes (`server.ts`, `namespace.ts`,
 * `socket.ts`, `client.ts`) nor anything under `adapters/`.
 */
import { EventEmitter } from 'node:events';
import type { Packet } from '../protocol/index.js';
import type { DisconnectDetails } from '../protocol/disconnect.js';
import { OwnRoom } from './own-room.js';
import { broadcastWriteOptions } from './adapter-delivery.js';
import type {
  AdapterNamespace, AdapterSocket, BroadcastFlags, BroadcastOptions, FetchedSocket, PacketEncoder, PrivateSessionId,
  Room, Session, SessionToPersist, SocketId, WriteOptions,
} from './adapter-types.js';

export type {
  AdapterConstructor, AdapterNamespace, AdapterServerOptions, AdapterSocket, BroadcastFlags, BroadcastOptions,
  FetchedSocket, PacketEncoder, PrivateSessionId, RemoteSocketDetails, Room, Session, SessionToPersist, SocketDetails,
  SocketId, WriteOptions,
} from './adapter-types.js';
export { isLocalSocket } from './adapter-types.js';
export { broadcastWriteOptions } from './adapter-delivery.js';

const EMPTY_SET: ReadonlySet<SocketId> = new Set();
const EMPTY_FLAGS: BroadcastFlags = Object.freeze({});

/**
 * The adapter of one namespace for the sockets of this process, with the method names and argument shapes of
 * `socket.io-adapter`'s `Adapter`. Every method a distributed adapter overrides is listed in the module doc.
 * @example
 * ```ts
 * const adapter = io.of('/chat').adapter;
 * adapter.on('create-room', (room) => console.log(`room ${room} was created`));
 * console.log(adapter.rooms.get('room-101'));   // the ids of the local sockets in it
 * ```
 */
export class Adapter extends EventEmitter {
  /** The namespace. */
  readonly nsp: AdapterNamespace;
  /** Room name → ids of the local sockets in it. */
  rooms: Map<Room, Set<SocketId>> = new Map();
  /** Socket id → the rooms it is in (local sockets only). */
  sids: Map<SocketId, Set<Room>> = new Map();
  /** The packet encoder of the server. */
  protected readonly encoder: PacketEncoder;

  /**
   * @param nsp the namespace this adapter serves
   * @example
   * ```ts
   * import { Adapter } from 'socketeer';
   *
   * class MyAdapter extends Adapter {
   *   constructor(nsp) {
   *     super(nsp);   // rooms and sids of this process
   *   }
   * }
   * const io = new Server(httpServer, { adapter: MyAdapter });
   * ```
   */
  constructor(nsp: AdapterNamespace) {
    super();
    this.nsp = nsp;
    this.encoder = nsp.server.encoder;
  }

  /**
   * Called once the adapter is created (connect to the bus here).
   * @example
   * ```ts
   * class MyAdapter extends Adapter {
   *   override async init() {
   *     await bus.subscribe(`ns:${this.nsp.name}`, (msg) => this.onMessage(msg));
   *   }
   * }
   * ```
   */
  init(): Promise<void> | void {}

  /**
   * Called when the namespace or server closes.
   * @example
   * ```ts
   * class MyAdapter extends Adapter {
   *   override async close() {
   *     await bus.unsubscribe(`ns:${this.nsp.name}`);
   *   }
   * }
   * ```
   */
  close(): Promise<void> | void {}

  /**
   * @returns the number of servers sharing the rooms (1: this one)
   * @example
   * ```ts
   * const count = await io.of('/').adapter.serverCount();   // 1 with the in-memory adapter
   * ```
   */
  serverCount(): Promise<number> {
    return Promise.resolve(1);
  }

  /**
   * Adds a socket to rooms.
   * @param id the socket id
   * @param rooms the rooms
   * @example
   * ```ts
   * io.of('/').adapter.on('join-room', (room, id) => console.log(`${id} joined ${room}`));
   * socket.join('room-101');   // calls adapter.addAll(socket.id, new Set(['room-101']))
   * ```
   */
  addAll(id: SocketId, rooms: Set<Room>): Promise<void> | void {
    let socketRooms = this.sids.get(id);
    if (socketRooms === undefined) {
      if (rooms.size === 1 && rooms.has(id) && !this.rooms.has(id)) {
        // a socket's own room: one small view in each map until it joins another room
        this.sids.set(id, new OwnRoom(id, this.sids) as unknown as Set<Room>);
        this.rooms.set(id, new OwnRoom<Room>(id, this.rooms) as unknown as Set<SocketId>);
        this.emit('create-room', id);
        this.emit('join-room', id, id);
        return;
      }
      socketRooms = new Set();
      this.sids.set(id, socketRooms);
    } else if (socketRooms instanceof OwnRoom) {
      socketRooms = socketRooms.materialize();
    }
    for (const room of rooms) {
      socketRooms.add(room);
      let members = this.rooms.get(room);
      if (members === undefined) {
        members = new Set();
        this.rooms.set(room, members);
        this.emit('create-room', room);
      }
      if (!members.has(id)) {
        members.add(id);
        this.emit('join-room', room, id);
      }
    }
  }

  /**
   * Removes a socket from a room.
   * @param id the socket id
   * @param room the room
   * @example
   * ```ts
   * io.of('/').adapter.on('leave-room', (room, id) => console.log(`${id} left ${room}`));
   * socket.leave('room-101');   // calls adapter.del(socket.id, 'room-101')
   * ```
   */
  del(id: SocketId, room: Room): Promise<void> | void {
    const socketRooms = this.sids.get(id);
    // an own-room view in the map is never written to (a write puts a real set in its place)
    if (socketRooms instanceof OwnRoom && room !== id) return;
    socketRooms?.delete(room);
    this.removeFromRoom(room, id);
  }

  private removeFromRoom(room: Room, id: SocketId): void {
    const members = this.rooms.get(room);
    if (members === undefined) return;
    if (members instanceof OwnRoom) {
      // the own room of `id` (its only member)
      if (room !== id) return;
      this.rooms.delete(room);
      this.emit('leave-room', room, id);
      this.emit('delete-room', room);
      return;
    }
    if (members.delete(id)) this.emit('leave-room', room, id);
    if (members.size === 0 && this.rooms.delete(room)) this.emit('delete-room', room);
  }

  /**
   * Removes a socket from all its rooms.
   * @param id the socket id
   * @example
   * ```ts
   * io.of('/').adapter.on('delete-room', (room) => console.log(`${room} is empty`));
   * ```
   */
  delAll(id: SocketId): void {
    const socketRooms = this.sids.get(id);
    if (socketRooms === undefined) return;
    if (socketRooms instanceof OwnRoom) this.removeFromRoom(id, id);
    else for (const room of socketRooms) this.removeFromRoom(room, id);
    this.sids.delete(id);
  }

  /**
   * Sends a packet to the matching local sockets. The packet is encoded once; each encoded part gets one
   * shared frame so that the websocket transport frames it once for all recipients.
   * @param packet the packet (its `nsp` is set here)
   * @param opts rooms, except and flags
   * @returns false when a local recipient is over its high-water mark (`io.emit` returns it), true otherwise
   * @example
   * ```ts
   * class MyAdapter extends Adapter {
   *   override broadcast(packet, opts) {
   *     if (!opts.flags?.local) bus.publish({ packet, rooms: [...opts.rooms], except: [...(opts.except ?? [])] });
   *     super.broadcast(packet, opts);   // the sockets of this process
   *   }
   * }
   * ```
   */
  broadcast(packet: Packet, opts: BroadcastOptions): boolean | void {
    const flags = opts.flags || EMPTY_FLAGS;
    packet.nsp = this.nsp.name;
    const encoded = this.encoder.encode(packet);
    const writeOpts = broadcastWriteOptions(encoded.length, flags);
    const sockets = this.nsp.sockets;
    const except = this.computeExceptSids(opts.except);
    const rooms = opts.rooms;
    // a recipient over its high-water mark makes the broadcast report a full buffer
    let full = false;
    if (rooms.size === 0) {
      for (const socket of sockets.values()) {
        if (except.size !== 0 && except.has(socket.id)) continue;
        socket.notifyOutgoingListeners(packet);
        if (socket.client.writeToEngine(encoded, writeOpts) === false) full = true;
      }
      return !full;
    }
    if (rooms.size === 1) {
      for (const room of rooms) {
        const members = this.rooms.get(room);
        if (members === undefined) return true;
        for (const id of members) {
          if (except.size !== 0 && except.has(id)) continue;
          const socket = sockets.get(id);
          if (socket === undefined) continue;
          socket.notifyOutgoingListeners(packet);
          if (socket.client.writeToEngine(encoded, writeOpts) === false) full = true;
        }
      }
      return !full;
    }
    const seen = new Set<SocketId>();
    for (const room of rooms) {
      const members = this.rooms.get(room);
      if (members === undefined) continue;
      for (const id of members) {
        if (seen.has(id) || except.has(id)) continue;
        const socket = sockets.get(id);
        if (socket === undefined) continue;
        seen.add(id);
        socket.notifyOutgoingListeners(packet);
        if (socket.client.writeToEngine(encoded, writeOpts) === false) full = true;
      }
    }
    return !full;
  }

  /**
   * Sends a packet expecting one acknowledgement per matching socket.
   * @param packet the packet (its `nsp` and `id` are set here)
   * @param opts rooms, except and flags
   * @param clientCountCallback called once per server with the number of clients reached
   * @param ack called with each client response
   * @example
   * ```ts
   * class MyAdapter extends Adapter {
   *   override broadcastWithAck(packet, opts, clientCountCallback, ack) {
   *     // ask the other servers too: each answers with its client count, then with each client's response
   *     super.broadcastWithAck(packet, opts, clientCountCallback, ack);
   *   }
   * }
   * ```
   */
  broadcastWithAck(
    packet: Packet,
    opts: BroadcastOptions,
    clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void,
  ): void {
    const flags = opts.flags || EMPTY_FLAGS;
    packet.nsp = this.nsp.name;
    // one id for every recipient: the counter is shared by the namespace, so it cannot collide
    packet.id = this.nsp.nextAckId();
    const encoded = this.encoder.encode(packet);
    const writeOpts = broadcastWriteOptions(encoded.length, flags);
    const id = packet.id!;
    let clientCount = 0;
    this.apply(opts, (socket) => {
      clientCount++;
      socket.acks.set(id, ack);
      socket.notifyOutgoingListeners(packet);
      socket.client.writeToEngine(encoded, writeOpts);
    });
    clientCountCallback(clientCount);
  }

  /**
   * @param rooms the rooms (all sockets when empty)
   * @returns the ids of the matching sockets
   * @example
   * ```ts
   * const ids = await io.of('/').adapter.sockets(new Set(['room-101']));   // this process only
   * ```
   */
  sockets(rooms: Set<Room>): Promise<Set<SocketId>> {
    const sids = new Set<SocketId>();
    this.apply({ rooms }, (socket) => {
      sids.add(socket.id);
    });
    return Promise.resolve(sids);
  }

  /**
   * @param id a socket id
   * @returns the rooms of the socket, if it is known
   * @example
   * ```ts
   * console.log(io.of('/').adapter.socketRooms(socket.id));   // Set { <id>, 'room-101' }
   * ```
   */
  socketRooms(id: SocketId): Set<Room> | undefined {
    const rooms = this.sids.get(id);
    // `socket.rooms` is the live set, as in socket.io: a real one from then on
    return rooms instanceof OwnRoom ? rooms.materialize() : rooms;
  }

  /**
   * @param opts rooms, except and flags
   * @returns the matching sockets (local `Socket`s, or `SocketDetails` from other servers)
   * @example
   * ```ts
   * const sockets = await io.of('/').adapter.fetchSockets({ rooms: new Set(['room-101']) });
   * ```
   */
  fetchSockets(opts: BroadcastOptions): Promise<FetchedSocket[]> {
    const sockets: FetchedSocket[] = [];
    this.apply(opts, (socket) => {
      sockets.push(socket);
    });
    return Promise.resolve(sockets);
  }

  /**
   * Makes the matching sockets join rooms.
   * @param opts rooms, except and flags
   * @param rooms the rooms to join
   * @example
   * ```ts
   * io.of('/').adapter.addSockets({ rooms: new Set(['room-101']) }, ['room-102']);   // what io.in('room-101').socketsJoin('room-102') does
   * ```
   */
  addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.apply(opts, (socket) => {
      socket.join(rooms);
    });
  }

  /**
   * Makes the matching sockets leave rooms.
   * @param opts rooms, except and flags
   * @param rooms the rooms to leave
   * @example
   * ```ts
   * io.of('/').adapter.delSockets({ rooms: new Set(['room-101']) }, ['room-102']);   // io.in('room-101').socketsLeave('room-102')
   * ```
   */
  delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    this.apply(opts, (socket) => {
      for (const room of rooms) socket.leave(room);
    });
  }

  /**
   * Disconnects the matching sockets.
   * @param opts rooms, except and flags
   * @param close whether to close the underlying connections too
   * @param details why, for the clients (`socketeer:disconnect` just before the DISCONNECT), already checked
   * @example
   * ```ts
   * io.of('/').adapter.disconnectSockets({ rooms: new Set(['room-101']) }, false);   // io.in('room-101').disconnectSockets()
   * ```
   */
  disconnectSockets(opts: BroadcastOptions, close: boolean, details?: DisconnectDetails): void {
    this.apply(opts, (socket) => {
      socket.disconnect(close, details);
    });
  }

  /**
   * Calls `callback` for each matching local socket, at most once per socket.
   * @param opts rooms (all sockets when empty) and except
   * @param callback called with each socket
   * @example
   * ```ts
   * class MyAdapter extends Adapter {
   *   override addSockets(opts, rooms) {
   *     this.apply(opts, (socket) => socket.join(rooms));   // each matching local socket, once
   *   }
   * }
   * ```
   */
  protected apply(opts: BroadcastOptions, callback: (socket: AdapterSocket) => void): void {
    const rooms = opts.rooms;
    const except = this.computeExceptSids(opts.except);
    const sockets = this.nsp.sockets;
    if (rooms.size) {
      const ids = new Set<SocketId>();
      for (const room of rooms) {
        const members = this.rooms.get(room);
        if (members === undefined) continue;
        for (const id of members) {
          if (ids.has(id) || except.has(id)) continue;
          const socket = sockets.get(id);
          if (socket) {
            callback(socket);
            ids.add(id);
          }
        }
      }
    } else {
      for (const id of this.sids.keys()) {
        if (except.has(id)) continue;
        const socket = sockets.get(id);
        if (socket) callback(socket);
      }
    }
  }

  /**
   * @param exceptRooms rooms to exclude
   * @returns the ids of the local sockets in any of them
   * @example
   * ```ts
   * class MyAdapter extends Adapter {
   *   override broadcast(packet, opts) {
   *     const excluded = this.computeExceptSids(opts.except);   // ids of the sockets in the excluded rooms
   *     super.broadcast(packet, opts);
   *   }
   * }
   * ```
   */
  protected computeExceptSids(exceptRooms: Set<Room> | undefined): ReadonlySet<SocketId> {
    if (exceptRooms === undefined || exceptRooms.size === 0) return EMPTY_SET;
    const exceptSids = new Set<SocketId>();
    for (const room of exceptRooms) {
      const members = this.rooms.get(room);
      if (members !== undefined) for (const sid of members) exceptSids.add(sid);
    }
    return exceptSids;
  }

  /**
   * Sends an event to the other servers. This process is alone: an ack callback (last element) is called with
   * no responses.
   * @param packet `[event, ...args]`, possibly ending with an ack callback `(err, responses)`
   * @example
   * ```ts
   * class MyAdapter extends Adapter {
   *   override serverSideEmit(packet) {
   *     bus.publish({ type: 'server-side-emit', packet });   // the others call nsp.receiveServerSideEmit(packet)
   *   }
   * }
   * ```
   */
  serverSideEmit(packet: unknown[]): void {
    const ack = packet[packet.length - 1];
    if (typeof ack === 'function') process.nextTick(ack, null, []);
  }

  /**
   * Stores a session for connection state recovery (no-op here).
   * @param session the session
   * @example
   * ```ts
   * class MyAdapter extends Adapter {
   *   override async persistSession(session) {
   *     await store.set(`session:${session.pid}`, session, { ttl: 120_000 });
   *   }
   * }
   * ```
   */
  persistSession(session: SessionToPersist): void | Promise<void> {}

  /**
   * Restores a session (none here).
   * @param pid the private session id
   * @param offset the offset of the last packet the client received
   * @returns the session and the packets it missed, or null
   * @example
   * ```ts
   * class MyAdapter extends Adapter {
   *   override async restoreSession(pid, offset) {
   *     const session = await store.take(`session:${pid}`);
   *     return session && { ...session, missedPackets: await store.packetsAfter(offset) };
   *   }
   * }
   * ```
   */
  restoreSession(pid: PrivateSessionId, offset: string): Promise<Session | null> | Session | null {
    return null;
  }
}
