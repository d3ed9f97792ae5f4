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
 */
import { PacketType, RESERVED_EVENTS, type Packet } from '../protocol/index.js';
import { AnyListeners } from '../util/any-listeners.js';
import { Emitter, on } from './emitter.js';
import type { Manager } from './manager.js';
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

/** Socket options. */
export interface SocketOptions {
  /** CONNECT payload, or a function producing it, called at every connection attempt. */
  auth: { [key: string]: any } | ((cb: (data: object) => void) => void);
  /** Retries of each emit (turns on the at-least-once queue). */
  retries: number;
  /** Default ack timeout in ms. */
  ackTimeout: number;
}

/** Why a socket disconnected: the reason's details. */
export type DisconnectDescription = Error | { description: string; context?: unknown };

/** An error with server-provided data (`connect_error`). */
export interface ExtendedError extends Error {
  data?: any;
}

/** Events a Socket emits itself. */
export interface SocketReservedEvents {
  connect: () => void;
  connect_error: (err: ExtendedError) => void;
  disconnect: (reason: Socket.DisconnectReason, description?: DisconnectDescription) => void;
}

interface Flags {
  compress?: boolean;
  volatile?: boolean;
  timeout?: number;
  fromQueue?: boolean;
}

interface QueuedPacket {
  id: number;
  tryCount: number;
  pending: boolean;
  args: unknown[];
  flags: Flags;
}

type Ack = ((...args: any[]) => void) & { withError?: boolean };

type OutgoingPacket = Packet & { options?: { compress?: boolean } };

/**
 * A connection to one namespace.
 * @typeParam ListenEvents events received from the server
 * @typeParam EmitEvents events sent to the server
 */
export class Socket<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents> extends Emitter<
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
  /** CONNECT payload or producer. */
  auth: SocketOptions['auth'] | undefined;
  /** Events received before `connect`, delivered after it. */
  receiveBuffer: Array<ReadonlyArray<any>> = [];
  /** Packets emitted while disconnected, sent on connect. */
  sendBuffer: OutgoingPacket[] = [];
  /** Namespace name. */
  readonly nsp: string;
  private readonly _opts: Partial<SocketOptions>;
  private ids = 0;
  private acks: Record<number, Ack> = {};
  private flags: Flags = {};
  private subs: Array<() => void> | undefined;
  private readonly anyIncoming = new AnyListeners<(...args: any[]) => void>();
  private readonly anyOutgoing = new AnyListeners<(...args: any[]) => void>();
  private _queue: QueuedPacket[] = [];
  private _queueSeq = 0;
  private _pid: string | undefined;
  private _lastOffset: string | undefined;

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
    this.nsp = nsp;
    if (opts && opts.auth) this.auth = opts.auth;
    this._opts = { ...opts };
    if (this.io._autoConnect) this.open();
  }

  /** True while not connected. */
  get disconnected(): boolean {
    return !this.connected;
  }

  /** True while the socket follows its Manager (connected, or trying to reconnect). */
  get active(): boolean {
    return !!this.subs;
  }

  private subEvents(): void {
    if (this.subs) return;
    const io = this.io;
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
    if (!this.io._reconnecting) this.io.open();
    if (this.io._readyState === 'open') this.onopen();
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
      this.addToQueue(args);
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
    const engine = this.io.engine;
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
    const timeout = this.flags.timeout ?? this._opts.ackTimeout;
    if (timeout === undefined) {
      this.acks[id] = ack;
      return;
    }
    const timer = this.io.setTimeoutFn(() => {
      delete this.acks[id];
      for (let i = 0; i < this.sendBuffer.length; i++) {
        if (this.sendBuffer[i]!.id === id) this.sendBuffer.splice(i, 1);
      }
      ack.call(this, new Error('operation has timed out'));
    }, timeout);
    const fn: Ack = (...args: unknown[]) => {
      this.io.clearTimeoutFn(timer);
      ack.apply(this, args);
    };
    fn.withError = true;
    this.acks[id] = fn;
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

  private addToQueue(args: unknown[]): void {
    let ack: Ack | undefined;
    if (typeof args[args.length - 1] === 'function') ack = args.pop() as Ack;
    const packet: QueuedPacket = {
      id: this._queueSeq++,
      tryCount: 0,
      pending: false,
      args,
      flags: { fromQueue: true, ...this.flags },
    };
    args.push((err: unknown, ...responseArgs: unknown[]) => {
      if (packet !== this._queue[0]) return; // a late ack of an earlier try
      if (err !== null) {
        if (packet.tryCount > this._opts.retries!) {
          this._queue.shift();
          if (ack) ack(err);
        }
      } else {
        this._queue.shift();
        if (ack) ack(null, ...responseArgs);
      }
      packet.pending = false;
      return this.drainQueue();
    });
    this._queue.push(packet);
    this.drainQueue();
  }

  private drainQueue(force = false): void {
    if (!this.connected || this._queue.length === 0) return;
    const packet = this._queue[0]!;
    if (packet.pending && !force) return;
    packet.pending = true;
    packet.tryCount++;
    this.flags = packet.flags;
    (this.emit as (...args: unknown[]) => this)(...packet.args);
  }

  private packet(packet: OutgoingPacket): void {
    packet.nsp = this.nsp;
    this.io._packet(packet);
  }

  private onopen(): void {
    if (typeof this.auth === 'function') this.auth((data) => this.sendConnectPacket(data));
    else this.sendConnectPacket(this.auth);
  }

  private sendConnectPacket(data: object | undefined): void {
    this.packet({
      type: PacketType.CONNECT,
      nsp: this.nsp,
      data: this._pid ? { pid: this._pid, offset: this._lastOffset, ...data } : data,
    });
  }

  private onerror(err: Error): void {
    if (!this.connected) this.emitReserved('connect_error', err);
  }

  private onclose(reason: Socket.DisconnectReason, description?: DisconnectDescription): void {
    this.connected = false;
    this.id = undefined;
    this.emitReserved('disconnect', reason, description);
    this.clearAcks();
  }

  /** Fails the acks of packets that were sent and will not be answered (buffered ones are kept). */
  private clearAcks(): void {
    for (const key of Object.keys(this.acks)) {
      const id = Number(key);
      if (this.sendBuffer.some((packet) => packet.id === id)) continue;
      const ack = this.acks[id]!;
      delete this.acks[id];
      if (ack.withError) ack.call(this, new Error('socket has been disconnected'));
    }
  }

  private onpacket(packet: Packet): void {
    if (packet.nsp !== this.nsp) return;
    switch (packet.type) {
      case PacketType.CONNECT:
        if (packet.data && packet.data.sid) {
          this.onconnect(packet.data.sid, packet.data.pid);
        } else {
          this.emitReserved(
            'connect_error',
            // (a v2 server answers CONNECT without a sid)
            new Error('incompatible server: Socket.IO v2.x cannot serve v3+ clients'),
          );
        }
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
      case PacketType.CONNECT_ERROR: {
        this.destroy();
        const data = packet.data;
        const err: ExtendedError = new Error(typeof data === 'string' ? data : data?.message);
        if (data && typeof data === 'object') err.data = data.data;
        this.emitReserved('connect_error', err);
        break;
      }
    }
  }

  private onevent(packet: Packet): void {
    const args: unknown[] = packet.data || [];
    if (packet.id != null) args.push(this.ack(packet.id));
    if (this.connected) this.emitEvent(args);
    else this.receiveBuffer.push(Object.freeze(args));
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
    const ack = this.acks[packet.id!];
    if (typeof ack !== 'function') return;
    delete this.acks[packet.id!];
    const data: unknown[] = Array.isArray(packet.data) ? packet.data : [];
    if (ack.withError) data.unshift(null);
    ack.apply(this, data);
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
    this.io._destroy(this);
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

  /** The next emit is dropped if it cannot be sent at once. */
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

  /**
   * Adds a listener called for every incoming event with the event name first.
   * @param listener the catch-all listener
   * @example
   * ```ts
   * socket.onAny((event, ...args) => {
   *   console.log(`got ${event}`, args);
   * });
   * ```
   */
  onAny(listener: (...args: any[]) => void): this {
    this.anyIncoming.add(listener);
    return this;
  }

  /**
   * Adds a catch-all listener at the beginning of the list.
   * @param listener the catch-all listener
   * @example
   * ```ts
   * socket.prependAny((event, ...args) => {
   *   console.log(`got ${event} (before the other catch-all listeners)`);
   * });
   * ```
   */
  prependAny(listener: (...args: any[]) => void): this {
    this.anyIncoming.prepend(listener);
    return this;
  }

  /**
   * Removes a catch-all listener, or all of them.
   * @param listener the listener (all when omitted)
   * @example
   * ```ts
   * const listener = (event, ...args) => console.log(event, args);
   * socket.onAny(listener);
   * socket.offAny(listener);   // that one
   * socket.offAny();           // all of them
   * ```
   */
  offAny(listener?: (...args: any[]) => void): this {
    this.anyIncoming.remove(listener);
    return this;
  }

  /**
   * @returns a copy of the catch-all listeners
   * @example
   * ```ts
   * console.log(socket.listenersAny().length);
   * ```
   */
  listenersAny(): Array<(...args: any[]) => void> {
    return this.anyIncoming.list();
  }

  /**
   * Adds a listener called for every outgoing event with the event name first.
   * @param listener the catch-all listener
   * @example
   * ```ts
   * socket.onAnyOutgoing((event, ...args) => {
   *   console.log(`sent ${event}`, args);
   * });
   * ```
   */
  onAnyOutgoing(listener: (...args: any[]) => void): this {
    this.anyOutgoing.add(listener);
    return this;
  }

  /**
   * Adds an outgoing catch-all listener at the beginning of the list.
   * @param listener the catch-all listener
   * @example
   * ```ts
   * socket.prependAnyOutgoing((event, ...args) => {
   *   console.log(`sent ${event} (seen first)`);
   * });
   * ```
   */
  prependAnyOutgoing(listener: (...args: any[]) => void): this {
    this.anyOutgoing.prepend(listener);
    return this;
  }

  /**
   * Removes an outgoing catch-all listener, or all of them.
   * @param listener the listener (all when omitted)
   * @example
   * ```ts
   * const listener = (event, ...args) => console.log(event, args);
   * socket.onAnyOutgoing(listener);
   * socket.offAnyOutgoing(listener);   // that one
   * socket.offAnyOutgoing();           // all of them
   * ```
   */
  offAnyOutgoing(listener?: (...args: any[]) => void): this {
    this.anyOutgoing.remove(listener);
    return this;
  }

  /**
   * @returns a copy of the outgoing catch-all listeners
   * @example
   * ```ts
   * console.log(socket.listenersAnyOutgoing().length);
   * ```
   */
  listenersAnyOutgoing(): Array<(...args: any[]) => void> {
    return this.anyOutgoing.list();
  }

  private notifyOutgoingListeners(packet: OutgoingPacket): void {
    if (this.anyOutgoing.size) this.anyOutgoing.fire(packet.data, this);
  }
}

export declare namespace Socket {
  /** Why a socket disconnected. */
  type DisconnectReason =
    | 'io server disconnect'
    | 'io client disconnect'
    | 'ping timeout'
    | 'transport close'
    | 'transport error'
    | 'parse error'
    /** credentials refresh extension: the server let the credentials expire */
    | 'credentials expired'
    /** credentials refresh extension: the server refused the new credentials */
    | 'credentials refused';
}
