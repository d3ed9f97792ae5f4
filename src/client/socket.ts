/**
 * A namespace socket: connects with a CONNECT packet (carrying `auth`, and `pid`/`offset` for
 * connection state recovery), sends events with optional acks, timeouts and retries, buffers
 * what is sent while disconnected and what is received before `connect`.
 *
 * ```ts
 * const socket = io('http://localhost:3000/chat', { auth: (cb) => cb({ token: getToken() }) });
 * socket.on('connect', () => console.log(socket.id));
 * const reply = await socket.timeout(1000).emitWithAck('join', 'lobby');
 * ```
 *
 * Owns `Socket`; it reaches the Manager only through `SocketHost` (`socket-host.ts`). Must never import server
 * or server-engine code (`src/server/`, `src/engine/`): the client pulls only `src/client/`, `src/protocol/`
 * and `src/util/`.
 */
import { PacketType, RESERVED_EVENTS, type Packet } from '../protocol/index.js';
import { DISCONNECT_DETAILS_EVENT, type DisconnectDetails } from '../protocol/disconnect.js';
import { AckRegistry, type Ack } from './ack-registry.js';
import { CatchAllEmitter } from './catch-all.js';
import { on } from './emitter.js';
import type { Manager } from './manager.js';
import { RetryQueue, type EmitFlags } from './retry-queue.js';
import { connectErrorOf, describeDisconnect, readDisconnectDetails } from './server-close.js';
import type { ClientDisconnectReason, DisconnectDescription, OutgoingPacket, SocketHost, SocketOptions, SocketReservedEvents } from './socket-host.js';
import type {
  AllButLast,
  DecorateAcknowledgements,
  DefaultEventsMap,
  EventNames,
  EventParams,
  EventsMap,
  FirstArg,
  Last,
} from './typed-events.js';

export type {
  DisconnectDescription,
  ExtendedError,
  OutgoingPacket,
  SocketHost,
  SocketHostEvents,
  SocketOptions,
  SocketReservedEvents,
} from './socket-host.js';

/**
 * A connection to one namespace.
 * @typeParam ListenEvents events received from the server
 * @typeParam EmitEvents events sent to the server
 * @example
 * ```ts
 * import { io } from 'socketeer/client';
 *
 * const socket = io('https://example.com/chat');
 * socket.on('connect', () => socket.emit('hello', 'world'));
 * ```
 */
export class Socket<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents> extends CatchAllEmitter<
  ListenEvents,
  EmitEvents,
  SocketReservedEvents
> {
  /** The Manager (`socket.io.engine` is the Engine.IO session). */
  readonly io: Manager<ListenEvents, EmitEvents>;
  /** Socket id given by the server, set while connected. */
  id: string | undefined;
  /** True while connected to the namespace. */
  connected = false;
  /** True when the last connection restored the previous session's state. */
  recovered = false;
  /**
   * Why the server ended the last disconnection, when it said (`{ reason, message?, data? }`, e.g. `rate limited`);
   * undefined after a disconnection the server gave no reason for. Also the `disconnect` event's description.
   */
  disconnectDetails: DisconnectDetails | undefined;
  /** CONNECT payload or producer. */
  auth: SocketOptions['auth'] | undefined;
  /** Events received before `connect`, delivered after it. */
  receiveBuffer: Array<ReadonlyArray<any>> = [];
  /** Packets emitted while disconnected, sent on connect. */
  sendBuffer: OutgoingPacket[] = [];
  /** Namespace name. */
  readonly nsp: string;
  /** the connection this socket is multiplexed on (the Manager, through its Socket contract) */
  private readonly host: SocketHost;
  private readonly _opts: Partial<SocketOptions>;
  private readonly acks: AckRegistry;
  private ids = 0;
  private flags: EmitFlags = {};
  private subs: Array<() => void> | undefined;
  private readonly queue = new RetryQueue(() => this._opts.retries!, () => this.drainQueue());
  private _pid: string | undefined;
  private _lastOffset: string | undefined;
  /** details received, for the disconnection that follows them */
  private pendingDetails: DisconnectDetails | undefined;

  /**
   * @param io the Manager
   * @param nsp namespace
   * @param opts see {@link SocketOptions}
   * @example
   * ```ts
   * import { Manager } from 'socketeer/client';
   *
   * // usually created by io(url) or manager.socket(nsp)
   * const socket = new Manager('https://example.com').socket('/chat');
   * ```
   */
  constructor(io: Manager<any, any>, nsp: string, opts?: Partial<SocketOptions>) {
    super();
    this.io = io;
    this.host = io;
    this.acks = new AckRegistry(this, io, (id) => this.dropBuffered(id));
    this.nsp = nsp;
    if (opts && opts.auth) this.auth = opts.auth;
    this._opts = { ...opts };
    if (this.host.autoConnect) this.open();
  }

  /**
   * True while not connected.
   * @example
   * ```ts
   * if (socket.disconnected) showOfflineBanner();
   * ```
   */
  get disconnected(): boolean {
    return !this.connected;
  }

  /**
   * True while the socket follows its Manager (connected, or trying to reconnect).
   * @example
   * ```ts
   * socket.on('disconnect', () => {
   *   if (!socket.active) socket.connect();   // the server cut us: reconnect by hand
   * });
   * ```
   */
  get active(): boolean {
    return !!this.subs;
  }

  private subEvents(): void {
    if (this.subs) return;
    const io = this.host;
    this.subs = [
      on(io, 'open', () => this.onopen()),
      on(io, 'packet', (packet: Packet) => this.onpacket(packet)),
      on(io, 'error', (err: Error) => this.onerror(err)),
      on(io, 'close', (reason: string, description?: DisconnectDescription) =>
        this.onclose(reason as Socket.DisconnectReason, description),
      ),
    ];
  }

  /**
   * Connects (or reconnects after a manual disconnect).
   * @example
   * ```ts
   * const socket = io({ autoConnect: false });
   * socket.auth = { token: await getToken() };
   * socket.connect();
   *
   * // after a refused connection (connect_error), with fresh credentials:
   * socket.on('connect_error', async () => {
   *   socket.auth = { token: await getToken() };
   *   socket.connect();
   * });
   * ```
   */
  connect(): this {
    if (this.connected) return this;
    this.subEvents();
    if (!this.host.reconnecting) this.host.open();
    if (this.host.readyState === 'open') this.onopen();
    return this;
  }

  /**
   * Alias of {@link connect}.
   * @example
   * ```ts
   * socket.open();   // same as socket.connect()
   * ```
   */
  open(): this {
    return this.connect();
  }

  /**
   * Emits a `message` event.
   * @param args the arguments (a last function argument is an ack)
   * @example
   * ```ts
   * socket.send('hello');                 // received by socket.on('message') on the server
   * socket.send({ a: 1 }, (ack) => console.log(ack));
   * ```
   */
  send(...args: any[]): this {
    (this.emit as (ev: string, ...args: any[]) => this)('message', ...args);
    return this;
  }

  /**
   * Emits an event; a last function argument receives the server's ack.
   * @param ev event name (not a reserved one)
   * @param args the arguments
   * @throws Error for a reserved event name
   * @example
   * ```ts
   * socket.emit('hello', 'world');
   * socket.emit('with-binary', 1, '2', { 3: '4', 5: new Uint8Array([6]) });
   * socket.emit('with-ack', 'question', (answer) => {
   *   console.log(answer);   // what the server passed to its callback
   * });
   * ```
   */
  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): this;
  override emit(ev: string, ...rest: any[]): this {
    if (RESERVED_EVENTS.has(ev)) throw new Error('"' + String(ev) + '" is a reserved event name');
    const args: unknown[] = [ev, ...rest];
    if (this._opts.retries && !this.flags.fromQueue && !this.flags.volatile) {
      this.queue.add(args, this.flags);
      return this;
    }
    const packet: OutgoingPacket = { type: PacketType.EVENT, nsp: this.nsp, data: args };
    packet.options = { compress: this.flags.compress !== false };
    if (typeof args[args.length - 1] === 'function') {
      const id = this.ids++;
      const ack = args.pop() as Ack;
      this.registerAckCallback(id, ack);
      packet.id = id;
    }
    const engine = this.host.engine;
    const isTransportWritable = engine?.transport?.writable;
    const isConnected = this.connected && !engine?.hasPingExpired();
    const discard = this.flags.volatile && !isTransportWritable;
    if (discard) {
      // volatile packets are dropped when they cannot go out at once
    } else if (isConnected) {
      this.notifyOutgoingListeners(packet);
      this.packet(packet);
    } else {
      this.sendBuffer.push(packet);
    }
    this.flags = {};
    return this;
  }

  private registerAckCallback(id: number, ack: Ack): void {
    this.acks.register(id, ack, this.flags.timeout ?? this._opts.ackTimeout);
  }

  /** An ack timed out: its packet, if still buffered, is not sent. */
  private dropBuffered(id: number): void {
    for (let i = 0; i < this.sendBuffer.length; i++) {
      if (this.sendBuffer[i]!.id === id) this.sendBuffer.splice(i, 1);
    }
  }

  /**
   * Emits an event and resolves with the ack's argument (rejects on timeout or disconnection).
   * @param ev event name
   * @param args the arguments, without the ack
   * @example
   * ```ts
   * const answer = await socket.emitWithAck('hello', 'world');
   *
   * // with a timeout: rejects when the server does not answer in time
   * try {
   *   const answer = await socket.timeout(5000).emitWithAck('hello', 'world');
   * } catch (err) {
   *   // the server did not acknowledge the event within 5 s
   * }
   * ```
   */
  emitWithAck<Ev extends EventNames<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<FirstArg<Last<EventParams<EmitEvents, Ev>>>> {
    return new Promise((resolve, reject) => {
      const fn: Ack = (arg1: unknown, arg2: any) => (arg1 ? reject(arg1) : resolve(arg2));
      fn.withError = true;
      (this.emit as (ev: string, ...args: any[]) => this)(ev as string, ...args, fn);
    });
  }

  /** Sends the head of the retry queue while connected (again if `force`, after a reconnection). */
  private drainQueue(force = false): void {
    if (!this.connected) return;
    const packet = this.queue.next(force);
    if (packet === undefined) return;
    this.flags = packet.flags;
    (this.emit as (...args: unknown[]) => this)(...packet.args);
  }

  private packet(packet: OutgoingPacket): void {
    packet.nsp = this.nsp;
    this.host.sendPacket(packet);
  }

  private onopen(): void {
    if (typeof this.auth === 'function') this.auth((data) => this.sendConnectPacket(data));
    else this.sendConnectPacket(this.auth);
  }

  private sendConnectPacket(data: object | undefined): void {
    const payload = this._pid ? { pid: this._pid, offset: this._lastOffset, ...data } : data;
    this.packet({ type: PacketType.CONNECT, nsp: this.nsp, data: payload });
  }

  private onerror(err: Error): void {
    if (!this.connected) this.emitReserved('connect_error', err);
  }

  private onclose(reason: Socket.DisconnectReason, description?: DisconnectDescription): void {
    this.connected = false;
    this.id = undefined;
    const details = (this.disconnectDetails = this.pendingDetails);
    this.pendingDetails = undefined; // the server's details, where the reference gives no description
    this.emitReserved('disconnect', reason, description ?? (details && describeDisconnect(details)));
    // the acks of packets sent and not answered fail; those of buffered packets are kept
    this.acks.failSent((id) => this.sendBuffer.some((packet) => packet.id === id));
  }

  private onpacket(packet: Packet): void {
    if (packet.nsp !== this.nsp) return;
    switch (packet.type) {
      case PacketType.CONNECT:
        // a v2 server answers CONNECT without a sid
        if (packet.data && packet.data.sid) this.onconnect(packet.data.sid, packet.data.pid);
        else this.emitReserved('connect_error', new Error('incompatible server: Socket.IO v2.x cannot serve v3+ clients'));
        break;
      case PacketType.EVENT:
      case PacketType.BINARY_EVENT:
        this.onevent(packet);
        break;
      case PacketType.ACK:
      case PacketType.BINARY_ACK:
        this.onack(packet);
        break;
      case PacketType.DISCONNECT:
        this.ondisconnect();
        break;
      case PacketType.CONNECT_ERROR:
        this.destroy();
        this.emitReserved('connect_error', connectErrorOf(packet.data));
        break;
    }
  }

  private onevent(packet: Packet): void {
    const args: unknown[] = packet.data || [];
    if (args[0] === DISCONNECT_DETAILS_EVENT) return this.ondetails(args[1]);
    if (packet.id != null) args.push(this.ack(packet.id));
    if (this.connected) this.emitEvent(args);
    else this.receiveBuffer.push(Object.freeze(args));
  }

  /** The server says why it is about to disconnect us (arriving late: set on the property only). */
  private ondetails(body: unknown): void {
    const details = readDisconnectDetails(body);
    if (details === undefined) return;
    if (this.connected) this.pendingDetails = details;
    else this.disconnectDetails ??= details;
  }

  private emitEvent(args: ReadonlyArray<unknown>): void {
    if (this.anyIncoming.size) this.anyIncoming.fire(args as unknown[], this);
    this.fire(args[0] as string, args.slice(1));
    if (this._pid && args.length && typeof args[args.length - 1] === 'string') {
      this._lastOffset = args[args.length - 1] as string;
    }
  }

  private ack(id: number): (...args: unknown[]) => void {
    let sent = false;
    return (...args: unknown[]) => {
      if (sent) return;
      sent = true;
      this.packet({ type: PacketType.ACK, nsp: this.nsp, id, data: args });
    };
  }

  private onack(packet: Packet): void {
    this.acks.settle(packet.id!, Array.isArray(packet.data) ? packet.data : []);
  }

  private onconnect(id: string, pid: string | undefined): void {
    this.id = id;
    this.recovered = !!pid && this._pid === pid;
    this._pid = pid;
    this.connected = true;
    this.emitBuffered();
    this.drainQueue(true);
    this.emitReserved('connect');
  }

  private emitBuffered(): void {
    for (const args of this.receiveBuffer) this.emitEvent(args);
    this.receiveBuffer = [];
    for (const packet of this.sendBuffer) {
      this.notifyOutgoingListeners(packet);
      this.packet(packet);
    }
    this.sendBuffer = [];
  }

  private ondisconnect(): void {
    this.destroy();
    this.onclose('io server disconnect');
  }

  private destroy(): void {
    if (this.subs) {
      for (const sub of this.subs) sub();
      this.subs = undefined;
    }
    this.host.release(this);
  }

  /**
   * Disconnects from the namespace (the session closes when no namespace is left).
   * @example
   * ```ts
   * socket.disconnect();   // no automatic reconnection after this; socket.connect() reconnects
   * ```
   */
  disconnect(): this {
    if (this.connected) this.packet({ type: PacketType.DISCONNECT, nsp: this.nsp });
    this.destroy();
    if (this.connected) this.onclose('io client disconnect');
    return this;
  }

  /**
   * Alias of {@link disconnect}.
   * @example
   * ```ts
   * socket.close();   // same as socket.disconnect()
   * ```
   */
  close(): this {
    return this.disconnect();
  }

  /**
   * Sets the compress flag of the next emit.
   * @param compress whether to compress
   * @example
   * ```ts
   * socket.compress(false).emit('hello', largeText);   // this packet is not compressed
   * ```
   */
  compress(compress: boolean): this {
    this.flags.compress = compress;
    return this;
  }

  /**
   * The next emit is dropped if it cannot be sent at once.
   * @example
   * ```ts
   * socket.volatile.emit('cursor', x, y);   // dropped rather than buffered when offline
   * ```
   */
  get volatile(): this {
    this.flags.volatile = true;
    return this;
  }

  /**
   * The ack of the next emit fails with an error after `timeout` ms.
   * @param timeout delay in ms
   * @example
   * ```ts
   * socket.timeout(5000).emit('my-event', (err, answer) => {
   *   if (err) {
   *     // the server did not acknowledge the event within 5 s
   *   } else {
   *     console.log(answer);
   *   }
   * });
   * ```
   */
  timeout(timeout: number): Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>> {
    this.flags.timeout = timeout;
    return this as unknown as Socket<ListenEvents, DecorateAcknowledgements<EmitEvents>>;
  }

  private notifyOutgoingListeners(packet: OutgoingPacket): void {
    if (this.anyOutgoing.size) this.anyOutgoing.fire(packet.data, this);
  }
}

export declare namespace Socket {
  /** Why a socket disconnected. */
  type DisconnectReason = ClientDisconnectReason;
}
