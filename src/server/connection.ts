/**
 * One Engine.IO connection seen from the Socket.IO layer: decodes its messages, routes each packet to the
 * socket of its namespace, handles CONNECT, enforces `connectTimeout` and the fatal protocol violations.
 *
 * Bytes in: `conn 'message'` → {@link Client.ondata} → `SocketDecoder` → {@link Client.ondecoded} →
 * `socket._onpacket()`. Bytes out: `socket.packet()` → {@link Client._packet} → `encodeSocketPacket` → `conn.send()`.
 */
import type { IncomingMessage } from 'node:http';
import { createLogger } from '../util/logger.js';
import { PacketType, SocketDecoder, type Packet } from '../protocol/index.js';
import type { WriteOptions } from './adapter.js';
import { redactPacket } from './redact.js';
import type { EngineSocket } from '../engine/socket.js';
import type { EngineConnection } from './engine.js';
import type { Namespace } from './namespace.js';
import type { CustomDecoder, Server } from './server.js';
import type { Socket } from './socket.js';
import type { DisconnectReason } from './socket-types.js';
import type { DefaultEventsMap, EventsMap } from './typed-events.js';

const debug = createLogger('socketeer:client');

function deliver(socket: Socket, packet: Packet): void {
  socket._onpacket(packet);
}

/** The Connection of a connection, stored on the connection so that its listeners are shared functions. */
const kClient = Symbol('socketeer.client');

type ConnWithClient = EngineConnection & { [kClient]?: Connection };

// listeners shared by every connection (no bound function per connection); `this` is the connection
function onConnMessage(this: ConnWithClient, data: string | Uint8Array | ArrayBuffer): void {
  this[kClient]!._ondata(data);
}
function onConnError(this: ConnWithClient, err: Error): void {
  this[kClient]!._onerror(err);
}
function onConnClose(this: ConnWithClient, reason: DisconnectReason, description?: unknown): void {
  this[kClient]!._onclose(reason, description);
}
function onConnectTimeout(client: Connection): void {
  client._onConnectTimeout();
}

/**
 * The Socket.IO view of one Engine.IO connection, shared by its sockets (one per namespace).
 */
export class Connection<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> {
  /** The Engine.IO connection (any engine satisfying {@link EngineConnection} can be bound). */
  readonly conn: EngineSocket;
  /** The Engine.IO id (private: never sent to other clients). */
  readonly id: string;
  /** The server. */
  readonly server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
  /** The Socket.IO v5 decoder (null with a custom parser). */
  private readonly decoder: SocketDecoder | null;
  /** The decoder of a custom parser, if any. */
  private readonly customDecoder: CustomDecoder | null;
  /**
   * The connected sockets, one per namespace, in connection order (an array rather than maps by id and by
   * namespace: a connection rarely joins more than a couple of namespaces, and an array costs far less memory).
   */
  private sockets: Array<Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = [];
  private connectTimeout: NodeJS.Timeout | undefined;

  /**
   * @param server the server
   * @param conn the Engine.IO connection
   */
  constructor(server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>, conn: EngineConnection) {
    this.server = server;
    this.conn = conn as unknown as EngineSocket;
    this.id = conn.id;
    if (server._parser) {
      this.decoder = null;
      this.customDecoder = new server._parser.Decoder();
      this.customDecoder.on('decoded', this.ondecoded.bind(this));
    } else {
      this.decoder = new SocketDecoder(server._decoderOptions);
      this.customDecoder = null;
    }
    (conn as ConnWithClient)[kClient] = this as unknown as Connection;
    conn.on('message', onConnMessage);
    conn.on('error', onConnError);
    conn.on('close', onConnClose);
    this.connectTimeout = setTimeout(onConnectTimeout, server._connectTimeout, this);
  }

  /** Closes a connection that joined no namespace in time. @internal */
  _onConnectTimeout(): void {
    this.connectTimeout = undefined;
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

  /** The HTTP request that opened the connection. */
  get request(): IncomingMessage {
    return this.conn.request;
  }

  /**
   * Connects the client to a namespace (static, or created by a dynamic namespace), else replies
   * `Invalid namespace`.
   * @param name the namespace
   * @param auth the CONNECT payload
   * @internal
   */
  connect(name: string, auth: Record<string, unknown> = {}): void {
    if (this.server._nsps.has(name)) return this.doConnect(name, auth);
    this.server._checkNamespace(name, auth, (dynamicNsp) => {
      if (dynamicNsp) return this.doConnect(name, auth);
      if (debug.enabled) debug('creation of namespace %s was denied', name);
      this._packet({ type: PacketType.CONNECT_ERROR, nsp: name, data: { message: 'Invalid namespace' } });
    });
  }

  private doConnect(name: string, auth: Record<string, unknown>): void {
    const nsp = this.server.of(name) as Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>;
    nsp._add(this, auth, (socket) => {
      // an array literal of the exact size: push() on an empty array reserves room for 17 elements
      if (this.sockets.length === 0) this.sockets = [socket];
      else this.sockets.push(socket);
      if (this.connectTimeout !== undefined) {
        clearTimeout(this.connectTimeout);
        this.connectTimeout = undefined;
      }
    });
  }

  /** Disconnects every namespace, then closes the connection. @internal */
  _disconnect(): void {
    const sockets = this.sockets;
    this.sockets = [];
    for (const socket of sockets) socket.disconnect();
    this.close();
  }

  /**
   * Forgets a socket that left its namespace.
   * @param socket the socket
   * @internal
   */
  _remove(socket: Socket<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    const i = this.sockets.indexOf(socket);
    if (i !== -1) this.sockets.splice(i, 1);
  }

  /** Closes the connection gracefully (queued packets first), reason `forced server close`. @internal */
  close(): void {
    this.closeWith('forced server close');
  }

  private closeWith(reason: DisconnectReason, description?: unknown): void {
    if (this.conn.readyState === 'open') {
      if (debug.enabled) debug('forcing transport close (%s)', reason);
      // our reason first: the engine's own `close` event is ignored once the listeners are removed
      this._onclose(reason, description);
      this.conn.close();
    }
  }

  /**
   * Encodes and writes a packet.
   * @param packet the packet
   * @param opts write options
   * @internal
   */
  _packet(packet: Packet, opts: WriteOptions = {}): void {
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
   * Writes encoded packet parts to the connection (used by adapters: encode once, write to many).
   * @param encoded the header text and its binary attachments
   * @param opts write options; `parts[i]` (if set) is used for `encoded[i]`
   */
  writeToEngine(encoded: Array<string | Uint8Array>, opts: WriteOptions): void {
    const conn = this.conn;
    if (opts.volatile && !conn.transport.writable) {
      if (debug.enabled) debug('volatile packet is discarded since the transport is not currently writable');
      return;
    }
    const parts = opts.parts;
    for (let i = 0; i < encoded.length; i++) conn.send(encoded[i]!, parts !== undefined ? parts[i] : opts);
  }

  /** Called with each Engine.IO message. @internal */
  _ondata(data: string | Uint8Array | ArrayBuffer): void {
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
      for (const socket of this.sockets.slice()) socket._onerror(err as Error);
      this.closeWith('parse error', err);
      return;
    }
    if (packet !== null) this.ondecoded(packet);
  }

  /** Routes a decoded packet. */
  private ondecoded(packet: Packet): void {
    let name = packet.nsp;
    let auth = packet.data as Record<string, unknown> | undefined;
    if (this.conn.protocol === 3 && packet.type === PacketType.CONNECT) {
      // Socket.IO v2 clients put the query of the namespace in its name: /admin?token=1
      const url = new URL(name, 'https://socket.io');
      name = url.pathname;
      auth = Object.fromEntries(url.searchParams);
    }
    const socket = this.socketOf(name);
    if (socket !== undefined) {
      if (packet.type !== PacketType.CONNECT && packet.type !== PacketType.CONNECT_ERROR) {
        process.nextTick(deliver, socket, packet);
        return;
      }
    } else if (packet.type === PacketType.CONNECT) {
      this.connect(name, auth);
      return;
    }
    if (debug.enabled) debug('invalid state (packet type: %s, nsp: %s)', packet.type, name);
    this.close();
  }

  /** Called on a transport error. @internal */
  _onerror(err: Error): void {
    for (const socket of this.sockets.slice()) socket._onerror(err);
    this.conn.close();
  }

  /**
   * Called when the connection closes: every socket leaves with the reason.
   * @param reason the reason
   * @param description details from the transport
   * @internal
   */
  _onclose(reason: DisconnectReason, description?: unknown): void {
    if (debug.enabled) debug('client close with reason %s', reason);
    this.destroy();
    const sockets = this.sockets;
    this.sockets = [];
    for (const socket of sockets) socket._onclose(reason, description);
    if (this.decoder !== null) this.decoder.reset();
    else this.customDecoder!.destroy();
  }

  /** Removes the listeners and the timer. */
  private destroy(): void {
    this.conn.removeListener('message', onConnMessage);
    this.conn.removeListener('error', onConnError);
    this.conn.removeListener('close', onConnClose);
    if (this.connectTimeout !== undefined) {
      clearTimeout(this.connectTimeout);
      this.connectTimeout = undefined;
    }
  }
}


/** socket.io compatibility: socket.io names this class `Client` (`socket.client`); Socketeer's own code uses {@link Connection}. */
export { Connection as Client };
