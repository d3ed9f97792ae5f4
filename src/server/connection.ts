/**
 * One Engine.IO connection seen from the Socket.IO layer: decodes its messages, routes each packet to the socket
 * of its namespace, handles CONNECT, enforces `connectTimeout` and the fatal protocol violations. It speaks one
 * protocol revision, chosen once when it opens ({@link ProtocolVersion}).
 *
 * Bytes in: `conn 'message'` → {@link Connection.ondata} → `SocketDecoder` → {@link Connection.route} →
 * `socket.handlePacket()`. Bytes out: `socket.packet()` → {@link Connection.writePacket} → the server's encoder →
 * `conn.send()`.
 *
 * Owns: the sockets of one connection and the routing to them. Implements {@link SocketLink} for its sockets; uses
 * its server only through {@link ConnectionHost}. Must never import the server module (types of the public
 * fields only) nor call members of the namespace or socket outside their contracts.
 *
 * @example
 * ```ts
 * io.on('connection', (socket) => {
 *   socket.client.conn.transport.name;   // 'polling' or 'websocket'
 *   socket.client.request.headers;       // the first HTTP request of the connection
 * });
 * ```
 */
import type { IncomingMessage } from 'node:http';
import type { DecoderOptions } from '../protocol/index.js';
import type { DisconnectDetails } from '../protocol/disconnect.js';
import { createLogger } from '../util/logger.js';
import { timerList, type TimerEntry, type TimerList } from '../util/timer-list.js';
import { PacketType, SocketDecoder, type Packet } from '../protocol/index.js';
import type { PacketEncoder, WriteOptions } from './adapter.js';
import { redactPacket } from './redact.js';
import type { EngineConnection } from './engine.js';
import type { Namespace } from './namespace.js';
import type { ProbeSlot } from './probe.js';
import { protocolVersionOf, type ProtocolVersion } from './protocol-version.js';
import type { CustomDecoder, CustomParser } from './server-options.js';
import type { Socket } from './socket.js';
import { disconnectSlowClient } from './slow-client.js';
import type { SocketLink, SocketRef } from './socket-link.js';
import type { DisconnectReason } from './socket-types.js';
import type { DefaultEventsMap, EventsMap } from './typed-events.js';

const debug = createLogger('socketeer:client');

/**
 * What a connection needs of its server: implemented by `Server`.
 * @example
 * ```ts
 * const host: ConnectionHost = io;   // a Server satisfies it
 * host.resolveNamespace('/admin', {}, (nsp) => nsp && nsp.name);
 * ```
 */
export interface ConnectionHost<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> {
  /** The packet encoder (the default codec, or the `parser` option's). */
  readonly encoder: PacketEncoder;
  /** The custom parser (`parser` option), if any. */
  readonly parser: CustomParser | undefined;
  /** The options of the default decoder (`maxNestingDepth`). */
  readonly decoderOptions: DecoderOptions;
  /** The instrumentation slot (its probe, when one is attached, sees the bytes in and out). */
  readonly probes: ProbeSlot;
  /** Ms a connection may stay without joining any namespace. */
  connectTimeout(): number;
  /**
   * Finds the namespace a CONNECT asks for: an existing one, or one a dynamic namespace creates.
   * @param name the namespace name
   * @param auth the CONNECT payload
   * @param fn called with the namespace, or `false` when no namespace accepts the name
   */
  resolveNamespace(
    name: string,
    auth: Record<string, unknown>,
    fn: (nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | false) => void,
  ): void;
}

/** The Connection of an engine connection, stored on it so that its listeners are shared functions. */
const kConnection = Symbol('socketeer.client');

type ConnWithConnection = EngineConnection & { [kConnection]?: Connection };

/**
 * The Socket.IO view of one Engine.IO connection, shared by its sockets (one per namespace).
 * @example
 * ```ts
 * io.on('connection', (socket) => {
 *   const connection = socket.client;   // shared by the sockets of one Engine.IO connection
 *   console.log(connection.conn.transport.name);
 * });
 * ```
 */
export class Connection<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> implements SocketLink, TimerEntry {
  /** The Engine.IO connection (any engine satisfying {@link EngineConnection} can be bound). */
  readonly conn: EngineConnection;
  /** The Engine.IO id (private: never sent to other clients). */
  readonly id: string;
  /** The server. */
  readonly server: ConnectionHost<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The protocol revision the connection speaks. */
  readonly protocol: ProtocolVersion;
  /** The Socket.IO v5 decoder (null with a custom parser). */
  private readonly decoder: SocketDecoder | null;
  /** The decoder of a custom parser, if any. */
  private readonly customDecoder: CustomDecoder | null;
  /**
   * The connected sockets, one per namespace, in connection order (an array rather than maps by id and by
   * namespace: a connection rarely joins more than a couple of namespaces, and an array costs far less memory).
   */
  private sockets: Array<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = [];
  /** @internal the connect timeout's place in the shared timer list of its duration (see `util/timer-list.ts`) */
  timerPrev: TimerEntry | null = null;
  /** @internal */
  timerNext: TimerEntry | null = null;
  /** @internal */
  timerDue = 0;
  /** @internal */
  timerList: TimerList | null = null;

  /**
   * @param server the server
   * @param conn the Engine.IO connection
   * @example
   * ```ts
   * // created by the server for each Engine.IO connection
   * engine.on('connection', (conn) => new Connection(io, conn));
   * ```
   */
  constructor(server: ConnectionHost<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, conn: EngineConnection) {
    this.server = server;
    this.conn = conn;
    this.id = conn.id;
    this.protocol = protocolVersionOf(conn.protocol);
    const parser = server.parser;
    if (parser) {
      this.decoder = null;
      this.customDecoder = new parser.Decoder();
      this.customDecoder.on('decoded', this.route.bind(this));
    } else {
      this.decoder = new SocketDecoder(server.decoderOptions);
      this.customDecoder = null;
    }
    (conn as ConnWithConnection)[kConnection] = this as unknown as Connection;
    conn.on('message', Connection.onConnMessage);
    conn.on('error', Connection.onConnError);
    conn.on('close', Connection.onConnClose);
    timerList(server.connectTimeout()).add(this);
    // Engine.IO v3 clients connect to the main namespace implicitly
    if (this.protocol.connectsToMainImplicitly) this.connect('/');
  }

  // listeners shared by every connection (no bound function per connection); `this` is the engine connection
  private static onConnMessage(this: ConnWithConnection, data: string | Uint8Array | ArrayBuffer): void {
    this[kConnection]!.ondata(data);
  }
  private static onConnError(this: ConnWithConnection, err: Error): void {
    this[kConnection]!.onerror(err);
  }
  private static onConnClose(this: ConnWithConnection, reason: DisconnectReason, description?: unknown): void {
    this[kConnection]!.onclose(reason, description);
  }
  /** @internal Closes a connection that joined no namespace in time (called by the timer list). */
  onTimer(): void {
    if (this.sockets.length === 0) {
      if (debug.enabled) debug('no namespace joined yet, close the client');
      this.close();
    }
  }

  /**
   * The socket of a namespace.
   * @param name the namespace name
   * @returns the socket connected last to that namespace, if any
   */
  private socketOf(name: string): Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | undefined {
    const sockets = this.sockets;
    for (let i = sockets.length - 1; i >= 0; i--) if (sockets[i]!.nsp.name === name) return sockets[i];
    return undefined;
  }

  /**
   * The HTTP request that opened the connection.
   * @example
   * ```ts
   * socket.client.request.headers['user-agent'];
   * ```
   */
  get request(): IncomingMessage {
    return this.conn.request;
  }

  /**
   * Connects the connection to a namespace (static, or created by a dynamic namespace), else replies
   * `Invalid namespace`.
   * @param name the namespace
   * @param auth the CONNECT payload
   */
  private connect(name: string, auth: Record<string, unknown> = {}): void {
    this.server.resolveNamespace(name, auth, (nsp) => {
      if (nsp === false) {
        if (debug.enabled) debug('creation of namespace %s was denied', name);
        this.server.probes.current?.refused(name, 'invalid_namespace');
        this.writePacket({ type: PacketType.CONNECT_ERROR, nsp: name, data: { message: 'Invalid namespace' } });
        return;
      }
      nsp.admit(this, auth, (socket) => {
        // an array literal of the exact size: push() on an empty array reserves room for 17 elements
        if (this.sockets.length === 0) this.sockets = [socket];
        else this.sockets.push(socket);
        this.timerList?.remove(this);
      });
    });
  }

  /**
   * Disconnects every namespace (each gets a DISCONNECT), then closes the connection (`socket.disconnect(true)`).
   * @param details why, told to the client in each namespace before its DISCONNECT
   * @example
   * ```ts
   * socket.client.disconnectAll();   // what socket.disconnect(true) does
   * ```
   */
  disconnectAll(details?: DisconnectDetails): void {
    const sockets = this.sockets;
    this.sockets = [];
    for (const socket of sockets) socket.disconnect(false, details);
    this.close();
  }

  /**
   * Forgets a socket that left its namespace.
   * @param socket the socket
   * @example
   * ```ts
   * connection.removeSocket(socket);   // called by the socket as it leaves
   * ```
   */
  removeSocket(socket: SocketRef): void {
    const i = (this.sockets as readonly SocketRef[]).indexOf(socket);
    if (i !== -1) this.sockets.splice(i, 1);
  }

  /**
   * Closes the connection gracefully (queued packets first), reason `forced server close`.
   * @example
   * ```ts
   * socket.client.close();   // every socket of the connection leaves with 'forced server close'
   * ```
   */
  close(): void {
    this.closeWith('forced server close');
  }

  private closeWith(reason: DisconnectReason, description?: unknown): void {
    if (this.conn.readyState === 'open') {
      if (debug.enabled) debug('forcing transport close (%s)', reason);
      // our reason first: the engine's own `close` event is ignored once the listeners are removed
      this.onclose(reason, description);
      this.conn.close();
    }
  }

  /**
   * Encodes and writes a packet; dropped once the connection is closed.
   * @param packet the packet (with `opts.preEncoded`: already the encoded parts)
   * @param opts write options
   * @example
   * ```ts
   * socket.client.writePacket({ type: 2, nsp: '/', data: ['hello'] });
   * ```
   */
  writePacket(packet: Packet, opts: WriteOptions = {}): void {
    if (this.conn.readyState !== 'open') {
      if (debug.enabled) debug('ignoring packet write %j', redactPacket(packet));
      return;
    }
    const encoded = opts.preEncoded
      ? (packet as unknown as Array<string | Uint8Array>)
      : this.server.encoder.encode(packet);
    this.writeToEngine(encoded, opts);
  }

  /**
   * Whether the connection is under its high-water mark (what `socket.emit` returns).
   * @example
   * ```ts
   * if (!socket.client.writable) await socket.drained();
   * ```
   */
  get writable(): boolean {
    return this.conn.writableNeedDrain !== true;
  }

  /**
   * Writes encoded packet parts to the connection (used by adapters: encode once, write to many).
   * @param encoded the header text and its binary attachments (or a single part)
   * @param opts write options; `parts[i]` (if set) is used for `encoded[i]`
   * @returns false when the connection is over its high-water mark (a volatile packet is then dropped)
   * @example
   * ```ts
   * const encoded = io.encoder.encode({ type: 2, nsp: '/', data: ['hello'] });
   * socket.client.writeToEngine(encoded, { compress: true });
   * ```
   */
  writeToEngine(encoded: Array<string | Uint8Array> | string | Uint8Array, opts: WriteOptions): boolean {
    const conn = this.conn;
    if (opts.volatile && (!conn.transport.writable || conn.writableNeedDrain === true)) {
      if (debug.enabled) debug('volatile packet is discarded since the transport is not currently writable');
      return conn.writableNeedDrain !== true;
    }
    const probe = this.server.probes.current;
    if (probe !== undefined) probe.sent(this, encoded);
    const parts = opts.parts;
    if (!Array.isArray(encoded)) {
      conn.send(encoded, parts !== undefined ? parts[0] : opts);
    } else {
      for (let i = 0; i < encoded.length; i++) conn.send(encoded[i]!, parts !== undefined ? parts[i] : opts);
    }
    return conn.writableNeedDrain !== true;
  }

  /**
   * Called by the server when the engine's slow-client policy closes a connection: every socket is disconnected
   * with reason `slow client`, the client being told why (the engine closes the connection right after).
   * @param conn the engine connection
   * @param bufferedBytes the bytes buffered for the client
   * @example
   * ```ts
   * engine.on('slowClient', Connection.onSlowClient);   // done by Server#bind
   * ```
   */
  static onSlowClient(this: void, conn: EngineConnection, bufferedBytes: number): void {
    const connection = (conn as ConnWithConnection)[kConnection];
    if (connection === undefined) return;
    const sockets = connection.sockets.slice();
    for (const socket of sockets) disconnectSlowClient(socket, bufferedBytes);
  }

  /** Called with each Engine.IO message. */
  private ondata(data: string | Uint8Array | ArrayBuffer): void {
    const probe = this.server.probes.current;
    if (probe !== undefined) probe.received(this, data);
    let packet: Packet | null;
    try {
      if (this.decoder === null) {
        // a custom decoder fires `decoded` from within add()
        this.customDecoder!.add(data);
        return;
      }
      packet = this.decoder.add(data);
    } catch (err) {
      if (debug.enabled) debug('invalid packet format: %s', (err as Error).message);
      for (const socket of this.sockets.slice()) socket.handleError(err as Error);
      this.closeWith('parse error', err);
      return;
    }
    if (packet !== null) this.route(packet);
  }

  /** Routes a decoded packet: to the socket of its namespace on a later tick, or CONNECT to a namespace. */
  private route(packet: Packet): void {
    if (packet.type === PacketType.CONNECT) {
      const target = this.protocol.connectTarget(packet.nsp, packet.data);
      if (this.socketOf(target.name) === undefined) return this.connect(target.name, target.auth);
      if (debug.enabled) debug('invalid state (packet type: %s, nsp: %s)', packet.type, target.name);
      return this.close();
    }
    const socket = this.socketOf(packet.nsp);
    if (socket !== undefined && packet.type !== PacketType.CONNECT_ERROR) {
      process.nextTick(deliver, socket, packet);
      return;
    }
    if (debug.enabled) debug('invalid state (packet type: %s, nsp: %s)', packet.type, packet.nsp);
    this.close();
  }

  /** Called on a transport error. */
  private onerror(err: Error): void {
    for (const socket of this.sockets.slice()) socket.handleError(err);
    this.conn.close();
  }

  /**
   * Called when the connection closes: every socket leaves with the reason.
   * @param reason the reason
   * @param description details from the transport
   */
  private onclose(reason: DisconnectReason, description?: unknown): void {
    if (debug.enabled) debug('client close with reason %s', reason);
    this.destroy();
    const sockets = this.sockets;
    this.sockets = [];
    for (const socket of sockets) socket.leaveNamespace(reason, description);
    if (this.decoder !== null) this.decoder.reset();
    else this.customDecoder!.destroy();
  }

  /** Removes the listeners and the connect timeout. */
  private destroy(): void {
    this.conn.removeListener('message', Connection.onConnMessage);
    this.conn.removeListener('error', Connection.onConnError);
    this.conn.removeListener('close', Connection.onConnClose);
    this.timerList?.remove(this);
  }
}

function deliver(socket: Socket, packet: Packet): void {
  socket.handlePacket(packet);
}

/** socket.io compatibility: socket.io names this class `Client` (`socket.client`); Socketeer's own code uses {@link Connection}. */
export { Connection as Client };
