/**
 * The Manager owns one Engine.IO session and multiplexes namespace sockets over it; it
 * reconnects with exponential backoff and jitter when the session is lost.
 *
 * ```ts
 * const manager = new Manager('http://localhost:3000', { reconnectionDelayMax: 10000 });
 * const chat = manager.socket('/chat', { auth: { token: 'abc' } });
 * manager.on('reconnect', (attempt) => console.log('back after', attempt, 'attempts'));
 * ```
 *
 * Owns `Manager` (session, reconnection, multiplexing); it implements `SocketHost` for its sockets. Must never
 * import server or server-engine code (`src/server/`, `src/engine/`): the client pulls only `src/client/`,
 * `src/protocol/` and `src/util/`.
 */
import type { Packet } from '../protocol/index.js';
import { Backoff } from './backoff.js';
import createDebug from './debug.js';
import { Emitter, on } from './emitter.js';
import type { ManagerOptions, ManagerReservedEvents } from './manager-options.js';
import { PacketCodec } from './packet-codec.js';
import { EngineSocket } from './engine/session.js';
import { timers, unref, type Timers } from './engine/timers.js';
import { nextTick } from './env/node.js';
import { Socket, type DisconnectDescription, type OutgoingPacket, type SocketHost, type SocketOptions } from './socket.js';
import type { DefaultEventsMap, EventsMap } from './typed-events.js';

const debug = /* @__PURE__ */ createDebug('socketeer:client:manager');

export type { CustomParser, ManagerOptions, ManagerReservedEvents } from './manager-options.js';

type ManagerState = 'opening' | 'open' | 'closed';

/**
 * One connection to a server, shared by the namespace sockets created with {@link socket}.
 * @typeParam ListenEvents events received from the server
 * @typeParam EmitEvents events sent to the server
 * @example
 * ```ts
 * import { Manager } from 'socketeer/client';
 *
 * const manager = new Manager('https://example.com', { reconnectionDelayMax: 10000 });
 * const chat = manager.socket('/chat');
 * manager.on('reconnect', (attempt) => console.log('back after', attempt, 'attempts'));
 * ```
 */
export class Manager<ListenEvents extends EventsMap = DefaultEventsMap, EmitEvents extends EventsMap = ListenEvents>
  extends Emitter<{}, {}, ManagerReservedEvents>
  implements SocketHost
{
  /** The Engine.IO session (replaced at every (re)connection). */
  engine!: EngineSocket;
  /** Effective options. */
  readonly opts: ManagerOptions & { path: string };
  /** Server URI. */
  readonly uri: string | undefined;
  /** Namespace sockets by name. */
  nsps: Record<string, Socket<any, any>> = {};
  /** State of the session. socket.io-client compatibility; Socketeer's own code reads {@link readyState}. */
  _readyState: ManagerState = 'closed';
  /** Whether a reconnection is planned. socket.io-client compatibility; Socketeer's own code reads {@link reconnecting}. */
  _reconnecting = false;
  /** The `autoConnect` option. socket.io-client compatibility; Socketeer's own code reads {@link autoConnect}. */
  _autoConnect: boolean;
  /** @internal */
  readonly setTimeoutFn: Timers['setTimeoutFn'];
  /** @internal */
  readonly clearTimeoutFn: Timers['clearTimeoutFn'];
  private readonly backoff: Backoff;
  private subs: Array<() => void> = [];
  private skipReconnect = false;
  private _reconnection = true;
  private _reconnectionAttempts = Infinity;
  private _reconnectionDelay = 1000;
  private _reconnectionDelayMax = 5000;
  private _randomizationFactor = 0.5;
  private _timeout: number | false = 20000;
  /** encoding, decoding, Blob ordering */
  private readonly codec: PacketCodec;

  /**
   * @param uri server URL (or the options when omitted)
   * @param opts see {@link ManagerOptions}
   * @example
   * ```ts
   * import { Manager } from 'socketeer/client';
   *
   * const manager = new Manager('https://example.com', { reconnectionDelayMax: 10000 });
   * const socket = manager.socket('/');          // the main namespace
   * const admin = manager.socket('/admin');      // same connection, another namespace
   * ```
   */
  constructor(uri?: string | Partial<ManagerOptions>, opts?: Partial<ManagerOptions>) {
    super();
    if (uri && typeof uri === 'object') {
      opts = uri;
      uri = undefined;
    }
    opts = opts || {};
    opts.path = opts.path || '/socket.io';
    this.opts = opts as ManagerOptions & { path: string };
    const t = timers(opts.useNativeTimers);
    this.setTimeoutFn = t.setTimeoutFn;
    this.clearTimeoutFn = t.clearTimeoutFn;
    this.backoff = new Backoff();
    this.reconnection(opts.reconnection !== false);
    this.reconnectionAttempts(opts.reconnectionAttempts || Infinity);
    this.reconnectionDelay(opts.reconnectionDelay || 1000);
    this.reconnectionDelayMax(opts.reconnectionDelayMax || 5000);
    this.randomizationFactor(opts.randomizationFactor ?? 0.5);
    this.timeout(opts.timeout == null ? 20000 : opts.timeout);
    this.uri = uri;
    this.codec = new PacketCodec(opts);
    this._autoConnect = opts.autoConnect !== false;
    if (this._autoConnect) this.open();
  }

  /**
   * Gets or sets whether to reconnect automatically.
   * @example
   * ```ts
   * socket.io.reconnection(false);              // stop reconnecting automatically
   * console.log(socket.io.reconnection());      // false
   * ```
   */
  reconnection(): boolean;
  reconnection(v: boolean): this;
  reconnection(v?: boolean): this | boolean {
    if (v === undefined) return this._reconnection;
    this._reconnection = !!v;
    if (!v) this.skipReconnect = true;
    return this;
  }

  /**
   * Gets or sets the number of reconnection attempts before `reconnect_failed`.
   * @example
   * ```ts
   * socket.io.reconnectionAttempts(5);
   * socket.io.on('reconnect_failed', () => console.log('gave up after 5 attempts'));
   * ```
   */
  reconnectionAttempts(): number;
  reconnectionAttempts(v: number): this;
  reconnectionAttempts(v?: number): this | number {
    if (v === undefined) return this._reconnectionAttempts;
    this._reconnectionAttempts = v;
    return this;
  }

  /**
   * Gets or sets the first reconnection delay in ms.
   * @example
   * ```ts
   * socket.io.reconnectionDelay(500);           // first retry after about 500 ms
   * ```
   */
  reconnectionDelay(): number;
  reconnectionDelay(v: number): this;
  reconnectionDelay(v?: number): this | number {
    if (v === undefined) return this._reconnectionDelay;
    this._reconnectionDelay = v;
    this.backoff.setMin(v);
    return this;
  }

  /**
   * Gets or sets the jitter factor (0..1).
   * @example
   * ```ts
   * socket.io.randomizationFactor(0);           // no jitter: 1 s, 2 s, 4 s…
   * ```
   */
  randomizationFactor(): number;
  randomizationFactor(v: number): this;
  randomizationFactor(v?: number): this | number {
    if (v === undefined) return this._randomizationFactor;
    this._randomizationFactor = v;
    this.backoff.setJitter(v);
    return this;
  }

  /**
   * Gets or sets the maximum reconnection delay in ms.
   * @example
   * ```ts
   * socket.io.reconnectionDelayMax(30000);      // never wait more than 30 s between attempts
   * ```
   */
  reconnectionDelayMax(): number;
  reconnectionDelayMax(v: number): this;
  reconnectionDelayMax(v?: number): this | number {
    if (v === undefined) return this._reconnectionDelayMax;
    this._reconnectionDelayMax = v;
    this.backoff.setMax(v);
    return this;
  }

  /**
   * Gets or sets the Engine.IO open timeout in ms (false: none).
   * @example
   * ```ts
   * socket.io.timeout(5000);                    // an Engine.IO open taking longer fails with "timeout"
   * ```
   */
  timeout(): number | false;
  timeout(v: number | false): this;
  timeout(v?: number | false): this | number | false {
    if (v === undefined) return this._timeout;
    this._timeout = v;
    return this;
  }

  private maybeReconnectOnOpen(): void {
    if (!this._reconnecting && this._reconnection && this.backoff.attempts === 0) this.reconnect();
  }

  /**
   * Opens the Engine.IO session (no-op when opening or open).
   * @param fn called with no argument on success, or the error
   * @example
   * ```ts
   * const manager = new Manager('https://example.com', { autoConnect: false });
   * manager.open((err) => {
   *   if (err) console.log('could not connect', err.message);
   *   else console.log('connected');
   * });
   * ```
   */
  open(fn?: (err?: Error) => void): this {
    if (this._readyState.indexOf('open') !== -1) return this;
    /* @__PURE__ */ debug('opening %s', this.uri);
    this.engine = new EngineSocket(this.uri, this.opts);
    const socket = this.engine;
    this._readyState = 'opening';
    this.skipReconnect = false;
    const openSubDestroy = on(socket, 'open', () => {
      this.onopen();
      fn && fn();
    });
    const onError = (err: Error | string) => {
      const error = typeof err === 'string' ? new Error(err) : err;
      this.cleanup();
      this._readyState = 'closed';
      this.emitReserved('error', error);
      if (fn) fn(error);
      else this.maybeReconnectOnOpen();
    };
    const errorSub = on(socket, 'error', onError);
    if (this._timeout !== false) {
      const timer = this.setTimeoutFn(() => {
        openSubDestroy();
        onError(new Error('timeout'));
        socket.close();
      }, this._timeout);
      if (this.opts.autoUnref) unref(timer);
      this.subs.push(() => this.clearTimeoutFn(timer));
    }
    this.subs.push(openSubDestroy);
    this.subs.push(errorSub);
    return this;
  }

  /**
   * Alias of {@link open}.
   * @example
   * ```ts
   * manager.connect((err) => console.log(err ? 'failed' : 'open'));   // an alias of open()
   * ```
   */
  connect(fn?: (err?: Error) => void): this {
    return this.open(fn);
  }

  private onopen(): void {
    this.cleanup();
    this._readyState = 'open';
    this.emitReserved('open');
    const socket = this.engine;
    this.subs.push(
      on(socket, 'ping', () => this.emitReserved('ping')),
      on(socket, 'data', (data) => this.ondata(data)),
      on(socket, 'error', (err) => this.emitReserved('error', typeof err === 'string' ? new Error(err) : err)),
      on(socket, 'close', (reason, description) => this.onclose(reason, description)),
    );
    const offDecoded = this.codec.onCustomDecoded((packet) => nextTick(() => this.emitReserved('packet', packet)));
    if (offDecoded) this.subs.push(offDecoded);
  }

  private ondata(data: string | Uint8Array | ArrayBuffer): void {
    let packet: Packet | null;
    try {
      packet = this.codec.decode(data);
    } catch (e) {
      /* @__PURE__ */ debug('parse error: %O', e);
      this.onclose('parse error', e as Error);
      return;
    }
    if (packet !== null) {
      // deferred so that an exception in a listener cannot be taken for a parse error
      nextTick(() => this.emitReserved('packet', packet));
    }
  }

  /**
   * Returns the socket of a namespace, creating it if needed.
   * @param nsp namespace (`/`, `/admin`…)
   * @param opts socket options (`auth`, `retries`, `ackTimeout`)
   * @example
   * ```ts
   * const manager = new Manager('https://example.com');
   * const chat = manager.socket('/chat', { auth: { token: 'abc' } });
   * chat.on('connect', () => console.log(chat.id));
   * ```
   */
  socket(nsp: string, opts?: Partial<SocketOptions>): Socket<ListenEvents, EmitEvents> {
    let socket = this.nsps[nsp];
    if (!socket) {
      socket = new Socket(this as Manager<any, any>, nsp, opts);
      this.nsps[nsp] = socket;
    } else if (this._autoConnect && !socket.active) {
      socket.connect();
    }
    return socket as Socket<ListenEvents, EmitEvents>;
  }

  /**
   * The state of the session: `opening`, `open` or `closed`.
   * @example
   * ```ts
   * if (socket.io.readyState === 'open') console.log('connected to the server');
   * ```
   */
  get readyState(): ManagerState {
    return this._readyState;
  }

  /**
   * Whether a reconnection is planned or in progress.
   * @example
   * ```ts
   * socket.on('disconnect', () => console.log(socket.io.reconnecting ? 'reconnecting…' : 'offline'));
   * ```
   */
  get reconnecting(): boolean {
    return this._reconnecting;
  }

  /**
   * Whether sockets connect as soon as they are created (the `autoConnect` option).
   * @example
   * ```ts
   * const manager = new Manager(url, { autoConnect: false });
   * manager.autoConnect;   // false: call socket.connect()
   * ```
   */
  get autoConnect(): boolean {
    return this._autoConnect;
  }

  /**
   * A socket is no longer active: closes the session if no socket is active any more.
   * @param _socket the socket
   * @example
   * ```ts
   * // called by Socket#disconnect(); the session closes with the last active namespace
   * manager.release(socket);
   * ```
   */
  release(_socket: Socket<any, any>): void {
    for (const nsp of Object.keys(this.nsps)) {
      if (this.nsps[nsp]!.active) return;
    }
    this.disconnect();
  }

  /**
   * socket.io-client compatibility; Socketeer's own code uses {@link release}.
   * @param socket the socket
   * @example
   * ```ts
   * manager._destroy(socket);   // same as manager.release(socket)
   * ```
   */
  _destroy(socket: Socket<any, any>): void {
    this.release(socket);
  }

  /**
   * socket.io-client compatibility; Socketeer's own code uses {@link sendPacket}.
   * @param packet the packet
   * @example
   * ```ts
   * manager._packet({ type: 2, nsp: '/', data: ['hello'] });   // same as manager.sendPacket(…)
   * ```
   */
  _packet(packet: OutgoingPacket): void {
    this.sendPacket(packet);
  }

  /**
   * Encodes and writes a packet (after the Blobs of earlier packets, if any, are read).
   * @param packet the packet, with its write options
   * @example
   * ```ts
   * manager.sendPacket({ type: PacketType.EVENT, nsp: '/', data: ['hello', 'world'] });
   * ```
   */
  sendPacket(packet: OutgoingPacket): void {
    this.codec.send(packet, this);
  }

  private cleanup(): void {
    for (const sub of this.subs) sub();
    this.subs.length = 0;
    this.codec.reset();
  }

  /**
   * Closes the session for good (no reconnection). socket.io-client compatibility; Socketeer's own code uses
   * {@link disconnect}.
   * @example
   * ```ts
   * manager._close();   // same as manager.disconnect()
   * ```
   */
  _close(): void {
    this.disconnect();
  }

  /**
   * Closes the session without reconnecting.
   * @example
   * ```ts
   * socket.io.disconnect();   // closes the connection of every namespace; no reconnection
   * ```
   */
  disconnect(): void {
    this.skipReconnect = true;
    this._reconnecting = false;
    this.onclose('forced close');
  }

  private onclose(reason: string, description?: DisconnectDescription): void {
    /* @__PURE__ */ debug('closed: %s', reason);
    this.cleanup();
    this.engine?.close();
    this.backoff.reset();
    this._readyState = 'closed';
    this.emitReserved('close', reason, description);
    if (this._reconnection && !this.skipReconnect) this.reconnect();
  }

  private reconnect(): this {
    if (this._reconnecting || this.skipReconnect) return this;
    if (this.backoff.attempts >= this._reconnectionAttempts) {
      /* @__PURE__ */ debug('reconnect failed');
      this.backoff.reset();
      this.emitReserved('reconnect_failed');
      this._reconnecting = false;
      return this;
    }
    const delay = this.backoff.duration();
    /* @__PURE__ */ debug('reconnecting in %dms', delay);
    this._reconnecting = true;
    const timer = this.setTimeoutFn(() => {
      if (this.skipReconnect) return;
      this.emitReserved('reconnect_attempt', this.backoff.attempts);
      if (this.skipReconnect) return;
      this.open((err) => {
        if (err) {
          this._reconnecting = false;
          this.reconnect();
          this.emitReserved('reconnect_error', err);
        } else {
          this.onreconnect();
        }
      });
    }, delay);
    if (this.opts.autoUnref) unref(timer);
    this.subs.push(() => this.clearTimeoutFn(timer));
    return this;
  }

  private onreconnect(): void {
    const attempt = this.backoff.attempts;
    this._reconnecting = false;
    this.backoff.reset();
    this.emitReserved('reconnect', attempt);
  }
}
