/**
 * The Engine.IO client session (`socket.io.engine`): opens the first transport, reads the
 * handshake, watches the heartbeat (`pingInterval + pingTimeout` without a ping closes with
 * `ping timeout`), answers pings, buffers outgoing packets and flushes them in batches no larger
 * than the server's `maxPayload`, and upgrades to WebSocket when offered.
 *
 * ```ts
 * const engine = new EngineSocket('http://localhost:3000', { path: '/socket.io' });
 * engine.on('open', () => engine.write('40'));
 * engine.on('data', (data) => console.log(data));
 * ```
 *
 * Owns `EngineSocket`. Must never import the Manager or the Socket (the layer above), nor server code.
 */
import { ENGINE_PROTOCOL, type BinaryType, type EnginePacket, type EnginePacketType } from '../../protocol/index.js';
import createDebug from '../debug.js';
import { Emitter } from '../emitter.js';
import { createCookieJar, defaultBinaryType, nextTick } from '../env/node.js';
import type { CookieStore } from '../env/types.js';
import type { EngineOptions } from './options.js';
import { Polling } from './polling.js';
import { decodeQuery, parseUri } from './query.js';
import { timers, unref, type Timers } from './timers.js';
import { fitPayload } from './payload-size.js';
import { Transport, type OutgoingPacket, type TransportCtor, type TransportHost, type TransportOptions } from './transport.js';
import { probe, upgradeMemory } from './upgrade.js';
import { WebSocketTransport } from './websocket.js';

const debug = /* @__PURE__ */ createDebug('socketeer:client:engine');

/** Transport constructors by name. */
export const TRANSPORTS: Record<string, TransportCtor> = {
  polling: Polling,
  websocket: WebSocketTransport,
};

/** The handshake sent by the server in the `open` packet. */
export interface HandshakeData {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

/** Events of the session. */
export interface EngineEvents {
  open: () => void;
  handshake: (data: HandshakeData) => void;
  packet: (packet: EnginePacket) => void;
  packetCreate: (packet: EnginePacket) => void;
  data: (data: string | Uint8Array | ArrayBuffer) => void;
  message: (data: string | Uint8Array | ArrayBuffer) => void;
  drain: () => void;
  flush: () => void;
  heartbeat: () => void;
  ping: () => void;
  pong: () => void;
  error: (err: string | Error) => void;
  upgrading: (transport: Transport) => void;
  upgrade: (transport: Transport) => void;
  upgradeError: (err: Error) => void;
  close: (reason: string, description?: unknown) => void;
}

type ReadyState = 'opening' | 'open' | 'closing' | 'closed';

const hasEventListeners = typeof addEventListener === 'function' && typeof removeEventListener === 'function';
const OFFLINE_LISTENERS: Array<() => void> = [];
if (hasEventListeners) {
  // a single listener added at load time, as service workers require
  addEventListener('offline', () => OFFLINE_LISTENERS.slice().forEach((fn) => fn()), false);
}

export { byteLength } from './payload-size.js';

/**
 * An Engine.IO client session.
 * @example
 * ```ts
 * const engine = new EngineSocket('https://example.com', { transports: ['websocket'] });
 * engine.on('open', () => engine.write('hello'));
 * ```
 */
export class EngineSocket extends Emitter<{}, {}, EngineEvents> implements TransportHost {
  /** Engine.IO protocol revision. */
  static readonly protocol = ENGINE_PROTOCOL;
  /** Session id, set by the handshake. */
  id: string | null = null;
  /** The current transport, set when the session opens (typed as socket.io-client's: not nullable). */
  transport!: Transport;
  readyState: ReadyState = 'opening';
  /** True between a successful probe and the switch. */
  upgrading = false;
  /** How binary data is handed out. */
  binaryType: BinaryType = defaultBinaryType;
  /** Packets waiting to be written. */
  writeBuffer: OutgoingPacket[] = [];
  /** Cookie jar (Node.js with `withCredentials`). */
  readonly cookieJar: CookieStore | undefined;
  readonly opts: EngineOptions & { path: string; timestampParam: string; query: Record<string, any>; transportOptions: Record<string, any> };
  readonly secure: boolean;
  readonly hostname: string;
  readonly port: string;
  /** Transport names in order of preference. */
  transports: string[];
  private readonly transportsByName: Record<string, TransportCtor>;
  private readonly timers: Timers;
  private prevBufferLen = 0;
  private upgrades: string[] = [];
  private pingInterval = -1;
  private pingTimeout = -1;
  private maxPayload = -1;
  private pingTimeoutTimer: unknown;
  private pingTimeoutTime = Infinity;
  private beforeunloadListener: (() => void) | undefined;
  private offlineListener: (() => void) | undefined;

  /**
   * Opens a session.
   * @param uri server URL (or the options when omitted)
   * @param opts see {@link EngineOptions}
   * @example
   * ```ts
   * const engine = new EngineSocket('https://example.com', { path: '/socket.io', upgrade: false });
   * ```
   */
  constructor(uri?: string | EngineOptions | null, opts: EngineOptions = {}) {
    super();
    if (uri && typeof uri === 'object') {
      opts = uri;
      uri = null;
    }
    opts = { ...opts };
    if (uri) {
      const parsed = parseUri(uri);
      opts.hostname = parsed.host;
      opts.secure = parsed.protocol === 'https' || parsed.protocol === 'wss';
      opts.port = parsed.port;
      if (parsed.query) opts.query = parsed.query;
    } else if (opts.host) {
      opts.hostname = parseUri(opts.host).host;
    }
    this.timers = timers(opts.useNativeTimers);
    const loc = typeof location !== 'undefined' ? location : undefined;
    this.secure = opts.secure != null ? opts.secure : loc !== undefined && loc.protocol === 'https:';
    if (opts.hostname && !opts.port) opts.port = this.secure ? '443' : '80';
    this.hostname = opts.hostname || (loc ? loc.hostname : 'localhost');
    this.port = String(opts.port || (loc && loc.port ? loc.port : this.secure ? '443' : '80'));
    const byName = (this.transportsByName = { ...TRANSPORTS });
    this.transports = (opts.transports || ['polling', 'websocket'])
      .map((t) => {
        if (typeof t === 'string') return t;
        const name = t.prototype.name as string;
        byName[name] = t as unknown as TransportCtor;
        return name;
      })
      .filter((name) => !!byName[name]); // unsupported ones (webtransport) are skipped
    // (withCredentials, rememberUpgrade, closeOnBeforeunload: false when absent)
    const merged = {
      path: '/engine.io',
      upgrade: true,
      timestampParam: 't',
      addTrailingSlash: true,
      perMessageDeflate: { threshold: 1024 },
      transportOptions: {},
      ...opts,
    };
    merged.path = merged.path.replace(/\/$/, '') + (merged.addTrailingSlash ? '/' : '');
    if (typeof merged.query === 'string') merged.query = decodeQuery(merged.query);
    this.opts = merged as EngineSocket['opts'];
    if (!this.opts.query) this.opts.query = {};

    if (hasEventListeners) {
      if (this.opts.closeOnBeforeunload) {
        this.beforeunloadListener = () => {
          if (this.transport) {
            this.transport.removeAllListeners();
            this.transport.close();
          }
        };
        addEventListener('beforeunload', this.beforeunloadListener, false);
      }
      if (this.hostname !== 'localhost') {
        this.offlineListener = () => this.onCloseInternal('transport close', { description: 'network connection lost' });
        OFFLINE_LISTENERS.push(this.offlineListener);
      }
    }
    if (this.opts.withCredentials) this.cookieJar = createCookieJar();
    this.open();
  }

  /**
   * Creates a transport for this session.
   * @internal
   * @param name transport name
   * @example
   * ```ts
   * const ws = session.createTransport('websocket');   // for an upgrade probe
   * ```
   */
  createTransport(name: string): Transport {
    const query: Record<string, any> = { ...(this.opts.query as Record<string, any>), EIO: ENGINE_PROTOCOL, transport: name };
    if (this.id) query.sid = this.id;
    const opts = {
      ...this.opts,
      query,
      session: this as TransportHost,
      hostname: this.hostname,
      secure: this.secure,
      port: this.port,
      ...(this.opts.transportOptions[name] as object | undefined),
    } as TransportOptions;
    if (this.opts.transportOptions[name]?.query) {
      opts.query = { ...query, ...this.opts.transportOptions[name].query, EIO: ENGINE_PROTOCOL, transport: name };
      if (this.id) opts.query.sid = this.id;
    }
    return new this.transportsByName[name]!(opts);
  }

  private open(): void {
    if (this.transports.length === 0) {
      this.timers.setTimeoutFn(() => this.emitReserved('error', 'No transports available'), 0);
      return;
    }
    const name =
      this.opts.rememberUpgrade && upgradeMemory.priorWebsocketSuccess && this.transports.indexOf('websocket') !== -1
        ? 'websocket'
        : this.transports[0]!;
    this.readyState = 'opening';
    const transport = this.createTransport(name);
    transport.open();
    this.setTransport(transport);
  }

  /**
   * Makes `transport` the current one.
   * @internal
   * @example
   * ```ts
   * session.setTransport(probed);   // after a successful upgrade probe
   * ```
   */
  setTransport(transport: Transport): void {
    if (this.transport) this.transport.removeAllListeners();
    this.transport = transport;
    transport
      .on('drain', () => this.onDrain())
      .on('packet', (packet) => this.onPacket(packet))
      .on('error', (err) => this.onError(err))
      .on('close', (details) => this.onCloseInternal('transport close', details));
  }

  /**
   * Emits a session event on behalf of a helper module.
   * @internal
   * @example
   * ```ts
   * session.emitInternal('upgrade', transport);
   * ```
   */
  emitInternal<Ev extends keyof EngineEvents>(ev: Ev, ...args: Parameters<EngineEvents[Ev]>): void {
    this.emitReserved(ev, ...args);
  }

  private onOpen(): void {
    this.readyState = 'open';
    upgradeMemory.priorWebsocketSuccess = this.transport!.name === 'websocket';
    this.emitReserved('open');
    this.flush();
    if (this.readyState === 'open' && this.opts.upgrade) {
      for (let i = 0; i < this.upgrades.length; i++) probe(this, this.upgrades[i]!);
    }
  }

  private onPacket(packet: EnginePacket): void {
    if (this.readyState !== 'opening' && this.readyState !== 'open' && this.readyState !== 'closing') return;
    this.emitReserved('packet', packet);
    this.emitReserved('heartbeat');
    switch (packet.type) {
      case 'open': {
        let data: HandshakeData;
        try {
          data = JSON.parse(packet.data as string);
        } catch {
          this.onError(new Error('invalid handshake'));
          return;
        }
        this.onHandshake(data);
        break;
      }
      case 'ping':
        this.sendPacket('pong');
        this.emitReserved('ping');
        this.emitReserved('pong');
        this.resetPingTimeout();
        break;
      case 'message':
        this.emitReserved('data', packet.data!);
        this.emitReserved('message', packet.data!);
        break;
    }
  }

  private onHandshake(data: HandshakeData): void {
    this.emitReserved('handshake', data);
    this.id = data.sid;
    this.transport!.query.sid = data.sid;
    this.upgrades = (data.upgrades || []).filter((name) => this.transports.indexOf(name) !== -1);
    this.pingInterval = data.pingInterval;
    this.pingTimeout = data.pingTimeout;
    this.maxPayload = data.maxPayload;
    this.onOpen();
    if ((this.readyState as ReadyState) === 'closed') return;
    this.resetPingTimeout();
  }

  private resetPingTimeout(): void {
    this.timers.clearTimeoutFn(this.pingTimeoutTimer);
    const delay = this.pingInterval + this.pingTimeout;
    this.pingTimeoutTime = Date.now() + delay;
    this.pingTimeoutTimer = this.timers.setTimeoutFn(() => this.onCloseInternal('ping timeout'), delay);
    if (this.opts.autoUnref) unref(this.pingTimeoutTimer);
  }

  private onDrain(): void {
    this.writeBuffer.splice(0, this.prevBufferLen);
    this.prevBufferLen = 0;
    if (this.writeBuffer.length === 0) this.emitReserved('drain');
    else this.flush();
  }

  /**
   * Writes buffered packets if the transport can take them.
   * @internal
   * @example
   * ```ts
   * session.flush();   // after a transport drained
   * ```
   */
  flush(): void {
    if (this.readyState !== 'closed' && this.transport!.writable && !this.upgrading && this.writeBuffer.length) {
      const packets = this.writablePackets();
      this.transport!.send(packets);
      this.prevBufferLen = packets.length;
      this.emitReserved('flush');
    }
  }

  /** The longest prefix of the buffer that fits in `maxPayload` (polling only). */
  private writablePackets(): OutgoingPacket[] {
    const check = this.maxPayload > 0 && this.transport!.name === 'polling' && this.writeBuffer.length > 1;
    return check ? fitPayload(this.writeBuffer, this.maxPayload) : this.writeBuffer;
  }

  /**
   * True (and closes with `ping timeout` on the next tick) when no ping came in time, e.g.
   * after the process was suspended and timers fired late.
   * @internal
   * @example
   * ```ts
   * if (!socket.io.engine.hasPingExpired()) socket.io.engine.write(data);
   * ```
   */
  hasPingExpired(): boolean {
    if (!this.pingTimeoutTime) return true;
    const expired = Date.now() > this.pingTimeoutTime;
    if (expired) {
      this.pingTimeoutTime = 0;
      nextTick(() => this.onCloseInternal('ping timeout'));
    }
    return expired;
  }

  /**
   * Sends a message.
   * @param msg text or binary data
   * @param options `compress`
   * @param fn called once the message is flushed
   * @example
   * ```ts
   * socket.io.engine.write('raw message');   // an Engine.IO message, below the Socket.IO layer
   * ```
   */
  write(msg: string | Uint8Array | ArrayBuffer, options?: { compress?: boolean } | (() => void), fn?: () => void): this {
    this.sendPacket('message', msg, options, fn);
    return this;
  }

  /**
   * Alias of {@link write}.
   * @example
   * ```ts
   * socket.io.engine.send('raw message');   // same as write()
   * ```
   */
  send(msg: string | Uint8Array | ArrayBuffer, options?: { compress?: boolean } | (() => void), fn?: () => void): this {
    return this.write(msg, options, fn);
  }

  private sendPacket(
    type: EnginePacketType,
    data?: string | Uint8Array | ArrayBuffer,
    options?: { compress?: boolean } | (() => void) | null,
    fn?: () => void,
  ): void {
    if (typeof options === 'function') {
      fn = options;
      options = null;
    }
    if (this.readyState === 'closing' || this.readyState === 'closed') return;
    const packet: OutgoingPacket = { type, options: { compress: !options || options.compress !== false } };
    if (data !== undefined) packet.data = data;
    this.emitReserved('packetCreate', packet);
    this.writeBuffer.push(packet);
    if (fn) this.once('flush', fn);
    this.flush();
  }

  /**
   * Closes the session once buffered packets and any upgrade in progress are done.
   * @example
   * ```ts
   * socket.io.engine.close();   // the Manager sees the transport close and reconnects (unless disabled)
   * ```
   */
  close(): this {
    const close = () => {
      this.onCloseInternal('forced close');
      this.transport!.close();
    };
    const cleanupAndClose = () => {
      this.off('upgrade', cleanupAndClose);
      this.off('upgradeError', cleanupAndClose);
      close();
    };
    const waitForUpgrade = () => {
      this.once('upgrade', cleanupAndClose);
      this.once('upgradeError', cleanupAndClose);
    };
    if (this.readyState === 'opening' || this.readyState === 'open') {
      this.readyState = 'closing';
      if (this.writeBuffer.length) {
        this.once('drain', () => {
          if (this.upgrading) waitForUpgrade();
          else close();
        });
      } else if (this.upgrading) {
        waitForUpgrade();
      } else {
        close();
      }
    }
    return this;
  }

  private onError(err: Error): void {
    upgradeMemory.priorWebsocketSuccess = false;
    if (this.opts.tryAllTransports && this.transports.length > 1 && this.readyState === 'opening') {
      /* @__PURE__ */ debug('transport failed, trying the next one');
      this.transports.shift();
      this.open();
      return;
    }
    this.emitReserved('error', err);
    this.onCloseInternal('transport error', err);
  }

  private onCloseInternal(reason: string, description?: unknown): void {
    if (this.readyState !== 'opening' && this.readyState !== 'open' && this.readyState !== 'closing') return;
    /* @__PURE__ */ debug('session closed: %s', reason);
    this.timers.clearTimeoutFn(this.pingTimeoutTimer);
    const transport = this.transport!;
    transport.removeAllListeners('close');
    transport.close();
    transport.removeAllListeners();
    if (hasEventListeners) {
      if (this.beforeunloadListener) removeEventListener('beforeunload', this.beforeunloadListener, false);
      if (this.offlineListener) {
        const i = OFFLINE_LISTENERS.indexOf(this.offlineListener);
        if (i !== -1) OFFLINE_LISTENERS.splice(i, 1);
      }
    }
    this.readyState = 'closed';
    this.id = null;
    this.emitReserved('close', reason, description);
    this.writeBuffer = [];
    this.prevBufferLen = 0;
  }
}
