/**
 * One Engine.IO session: its current transport, the outgoing buffer, backpressure, the heartbeat, and the
 * switch to a new transport once the upgrade probe (`upgrade-probe.ts`) is completed.
 *
 * ```ts
 * engine.on('connection', (socket) => {
 *   socket.on('message', (data) => socket.send(data)); // echo
 *   socket.on('close', (reason) => console.log(reason));
 * });
 * ```
 *
 * Must never import the server class at run time (only its type) nor a transport class: transports come from the
 * registry (`./transports/index.js`) and are seen through the base `Transport`.
 */
import { EventEmitter } from 'node:events';
import { createLogger } from '../util/logger.js';
import type { EnginePacketType } from '../protocol/engine-packet.js';
import type { EngineCodec } from '../protocol/engine-codec.js';
import type { EngineServer } from './server.js';
import { packetBytes, overHighWaterMark, slowClientNow, underLowWaterMark, OverMark, SLOW_CLIENT_REASON } from './backpressure.js';
import { slimRequest } from './handshake-request.js';
import { openPacketData } from './open-packet.js';
import { timerList, type TimerEntry, type TimerList } from '../util/timer-list.js';
import { compactListeners } from '../util/event-table.js';
import { probeUpgrade } from './upgrade-probe.js';
import {
  availableUpgrades,
  type IncomingPacket,
  type OutgoingPacket,
  type SendOptions,
  type Transport,
  type EngineRequest,
} from './transports/index.js';

export type { SendOptions, SharedFrame } from './transports/index.js';
export type { EngineSocketState, EngineCloseReason, EngineSocketEvents } from './events.js';
import type { EngineSocketState, EngineCloseReason, EngineSocketEvents } from './events.js';

const log = createLogger('socketeer:engine:socket');

/** The session listening to a transport, stored on the transport. */
const kSession = Symbol('socketeer.session');
type OwnedTransport = Transport & { [kSession]?: EngineSocket | null };

// typed overloads for the known events
export interface EngineSocket {
  on<E extends keyof EngineSocketEvents>(event: E, listener: EngineSocketEvents[E]): this;
  on(event: string | symbol, listener: (...args: never[]) => void): this;
  once<E extends keyof EngineSocketEvents>(event: E, listener: EngineSocketEvents[E]): this;
  once(event: string | symbol, listener: (...args: never[]) => void): this;
}

/**
 * One Engine.IO session. Events: `message`(data), `close`(reason, description), `packet`,
 * `packetCreate`, `heartbeat`, `drain`, `flush`, `upgrading`, `upgrade`, `error`, `slowClient`(bufferedBytes).
 *
 * Backpressure: {@link bufferedBytes} counts what is queued for the client; from the high-water mark on,
 * {@link writableNeedDrain} is true and `drain` waits until the count is back under the low-water mark (under
 * the mark, `drain` fires after each flush, as the reference's). A client that stays over the mark too long or
 * buffers too much is closed with reason `slow client` (see `backpressure.ts`).
 * @example
 * ```ts
 * engine.on('connection', (socket: EngineSocket) => {
 *   socket.on('message', (data) => socket.send(data));
 *   socket.on('close', (reason) => console.log(socket.id, reason));
 * });
 * ```
 */
export class EngineSocket extends EventEmitter implements TimerEntry {
  /** session id */
  readonly id: string;
  /** the owning server */
  readonly server: EngineServer;
  /**
   * The request that opened the session. Once the `connection` event has run, a slim copy of it
   * ({@link HandshakeRequest}: headers, URL, method, HTTP version, the connection, the parsed query and what
   * middlewares added) stands in for the `IncomingMessage`.
   */
  get request(): EngineRequest {
    return this.req;
  }
  private req: EngineRequest;
  /** client address */
  readonly remoteAddress: string;
  /** Engine.IO protocol revision of the client (`codec.protocol`) */
  readonly protocol: 3 | 4;
  /** the wire rules of the client's revision, picked once at the handshake */
  readonly codec: EngineCodec;
  /** session state */
  readyState: EngineSocketState = 'opening';
  /** current transport */
  transport!: Transport;
  /** true while a WebSocket probes for an upgrade */
  upgrading = false;
  /** true once upgraded to WebSocket */
  upgraded = false;

  private writeBuffer: OutgoingPacket[] = [];
  /** bytes of the packets in {@link writeBuffer} (see `packetBytes`) */
  private queuedBytes = 0;
  /** while over the high-water mark (until `drain`) or closing as a slow client: the slow-client clock */
  private full: OverMark<EngineSocket> | null = null;
  private packetsFn: Array<() => void> = [];
  /** the transport our listeners are attached to (null once detached) */
  private listenedTransport: Transport | null = null;
  private awaitingPong = false;
  private hasRefreshedPingTimeout = false;
  /** what the heartbeat waits for: the next ping to send, or a pong (v3: the client's next ping) */
  private heartbeatPhase: HeartbeatPhase = HeartbeatPhase.NONE;
  /** @internal the heartbeat's place in the shared timer list of its duration (see `util/timer-list.ts`) */
  timerPrev: TimerEntry | null = null;
  /** @internal */
  timerNext: TimerEntry | null = null;
  /** @internal */
  timerDue = 0;
  /** @internal */
  timerList: TimerList | null = null;
  // transport listeners shared by every session (`this` is the transport; its session is found through it;
  // a listener still running after the session let go of the transport does nothing)
  private static onTransportPacket(this: OwnedTransport, packet: IncomingPacket): void {
    this[kSession]?.onPacket(packet);
  }
  private static onTransportError(this: OwnedTransport, err: Error): void {
    this[kSession]?.onError(err);
  }
  private static onTransportReady(this: OwnedTransport): void {
    this[kSession]?.flush();
  }
  /** The slow-client clock: over the high-water mark for too long, or the grace of a slow client's close ended. */
  private static onOverMarkTimeout(session: EngineSocket, slow: boolean): void {
    if (!slow) session.closeSlowClient();
    else if (session.readyState !== 'closed') session.closeTransport(true);
  }
  private static onTransportClose(this: OwnedTransport): void {
    this[kSession]?.onClose('transport close');
  }

  /**
   * @param id session id
   * @param server owning server
   * @param transport the transport of the handshake
   * @param req the handshake request
   * @param codec the wire rules of the client's Engine.IO revision
   */
  constructor(id: string, server: EngineServer, transport: Transport, req: EngineRequest, codec: EngineCodec) {
    super();
    compactListeners(this);
    this.id = id;
    this.server = server;
    this.req = req;
    this.codec = codec;
    this.protocol = codec.protocol;
    this.remoteAddress = req.socket?.remoteAddress ?? '';
    this.setTransport(transport);
    this.onOpen();
  }

  /**
   * Replaces the handshake request by its slim copy (called by the server once the `connection` event has run).
   * @internal
   */
  keepSlimRequest(): void {
    this.req = slimRequest(this.req);
  }

  private onOpen(): void {
    this.readyState = 'open';
    this.transport.sid = this.id;
    const opts = this.server.opts;
    this.sendPacket('open', openPacketData(this.id, opts, this.getAvailableUpgrades()));
    if (opts.initialPacket !== undefined) this.sendPacket('message', opts.initialPacket);
    this.emit('open');
    if (this.codec.pingFrom === 'client') {
      // v3: the client pings, the server answers and expects the next ping in time
      this.awaitingPong = true;
      this.waitFor(HeartbeatPhase.TIMEOUT, opts.pingInterval + opts.pingTimeout);
    } else {
      this.waitFor(HeartbeatPhase.INTERVAL, opts.pingInterval);
    }
  }

  /**
   * (Re)starts the heartbeat's wait, in the shared list of its duration.
   * @param phase what is waited for
   * @param ms how long
   */
  private waitFor(phase: HeartbeatPhase, ms: number): void {
    this.heartbeatPhase = phase;
    timerList(ms).add(this);
  }

  /** @internal The heartbeat's wait is over (called by the timer list). */
  onTimer(): void {
    if (this.readyState === 'closed') return;
    if (this.heartbeatPhase === HeartbeatPhase.INTERVAL) this.sendPing();
    else if (this.heartbeatPhase === HeartbeatPhase.TIMEOUT) this.onPingTimeout();
  }

  /** Restarts the wait for the pong (or the v3 client's ping), if it is waited for. */
  private refreshPingTimeout(): void {
    if (this.heartbeatPhase !== HeartbeatPhase.TIMEOUT) return;
    const opts = this.server.opts;
    this.waitFor(HeartbeatPhase.TIMEOUT, this.codec.pingFrom === 'client' ? opts.pingInterval + opts.pingTimeout : opts.pingTimeout);
  }

  private sendPing(): void {
    if (this.readyState === 'closed') return;
    this.hasRefreshedPingTimeout = false;
    this.sendPacket('ping');
    this.awaitingPong = true;
    this.waitFor(HeartbeatPhase.TIMEOUT, this.server.opts.pingTimeout);
  }

  private onPingTimeout(): void {
    if (!this.awaitingPong || this.readyState === 'closed') return;
    this.onClose('ping timeout');
  }

  private onPacket(packet: IncomingPacket): void {
    if (this.readyState !== 'open') {
      if (log.enabled) log('packet received with closed socket');
      return;
    }
    if (hasListeners(this, 'packet')) this.emit('packet', packet);
    const pingFrom = this.codec.pingFrom;
    if (pingFrom === 'server' && this.awaitingPong && !this.hasRefreshedPingTimeout && packet.type !== 'pong') {
      // the pong may be queued behind this packet: give it a full timeout once
      this.refreshPingTimeout();
      this.hasRefreshedPingTimeout = true;
    }
    switch (packet.type) {
      case 'ping':
        if (pingFrom !== 'client') {
          this.onError(new Error('invalid heartbeat direction'));
          return;
        }
        this.refreshPingTimeout();
        this.sendPacket('pong');
        this.emit('heartbeat');
        break;
      case 'pong':
        if (pingFrom !== 'server') {
          this.onError(new Error('invalid heartbeat direction'));
          return;
        }
        this.awaitingPong = false;
        this.waitFor(HeartbeatPhase.INTERVAL, this.server.opts.pingInterval);
        this.emit('heartbeat');
        break;
      case 'error':
        this.onClose('parse error');
        break;
      case 'message':
        if (hasListeners(this, 'data')) this.emit('data', packet.data);
        this.emit('message', packet.data);
        break;
    }
  }

  private onError(err: Error): void {
    if (log.enabled) log('transport error: %s', err.message);
    this.onClose('transport error', err);
  }

  private setTransport(transport: Transport): void {
    this.transport = transport;
    transport.wantsReady = this.waitingForDrain;
    // `on` rather than `once` for error and close (no wrapper per session): both handlers close the
    // session, which detaches them
    (transport as OwnedTransport)[kSession] = this;
    transport.on('error', EngineSocket.onTransportError);
    transport.on('ready', EngineSocket.onTransportReady);
    transport.on('packet', EngineSocket.onTransportPacket);
    transport.on('close', EngineSocket.onTransportClose);
    this.listenedTransport = transport;
  }

  /** Detaches the session's listeners from its transport. */
  private detachTransport(): void {
    const transport = this.listenedTransport;
    if (transport === null) return;
    this.listenedTransport = null;
    transport.removeListener('error', EngineSocket.onTransportError);
    transport.removeListener('ready', EngineSocket.onTransportReady);
    transport.removeListener('packet', EngineSocket.onTransportPacket);
    transport.removeListener('close', EngineSocket.onTransportClose);
    (transport as OwnedTransport)[kSession] = null;
  }

  /**
   * Starts probing a WebSocket for an upgrade (server use).
   * @param transport the new WebSocket transport
   * @example
   * ```ts
   * session.maybeUpgrade(transportEntry('websocket')!.create(req, engine.opts));
   * ```
   */
  maybeUpgrade(transport: Transport): void {
    probeUpgrade(this, transport, this.server.opts.upgradeTimeout);
  }

  /**
   * The client completed the upgrade: the session moves to the new transport (called by the probe).
   * @param transport the new transport
   * @internal
   */
  completeUpgrade(transport: Transport): void {
    this.transport.discard();
    this.upgraded = true;
    this.clearTransport();
    this.setTransport(transport);
    this.emit('upgrade', transport);
    this.flush();
    if (this.readyState === 'closing') {
      transport.close(() => this.onClose('forced close'));
    }
  }

  private clearTransport(): void {
    this.detachTransport();
    // silence errors of the discarded transport
    this.transport.on('error', ignore);
    // a closed session is no longer routed to: a polling close cannot wait for another GET
    if (this.readyState === 'closed') this.transport.discard();
    this.transport.close();
    // like the reference, an outstanding v4 ping no longer times out (the next pong resumes pinging)
    if (this.codec.pingFrom === 'server') this.awaitingPong = false;
  }

  /**
   * Closes the session (transport closed or lost).
   * @param reason close reason
   * @param description error or detail
   */
  private onClose(reason: EngineCloseReason, description?: unknown): void {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
    const full = this.full;
    if (full !== null) {
      full.end();
      // however it ends, a session closed by the slow-client policy ends for that reason
      if (full.slow) reason = SLOW_CLIENT_REASON;
    }
    this.heartbeatPhase = HeartbeatPhase.NONE;
    this.timerList?.remove(this);
    this.awaitingPong = false;
    // keep the buffer readable in 'close' listeners
    process.nextTick(EngineSocket.clearWriteBuffer, this);
    this.packetsFn = [];
    this.clearTransport();
    const clients = this.server.clients as Map<string, EngineSocket> | undefined;
    if (clients !== undefined && clients.get(this.id) === this) clients.delete(this.id);
    this.emit('close', reason, description);
  }

  /** Empties a closed session's buffer (a tick after its `close`). */
  private static clearWriteBuffer(socket: EngineSocket): void {
    socket.writeBuffer = [];
    socket.queuedBytes = 0;
  }

  /**
   * Sends a message.
   * @param data text or binary
   * @param options `compress`, `shared` (a {@link SharedFrame} common to all recipients)
   * @param callback called once written to the transport
   * @returns this
   * @example
   * ```ts
   * socket.send('hello', { compress: false }, () => console.log('written'));
   * ```
   */
  send(data: string | Uint8Array | ArrayBuffer, options?: SendOptions | (() => void), callback?: () => void): this {
    this.sendPacket('message', data, options, callback);
    return this;
  }

  /**
   * Alias of {@link send}.
   * @example
   * ```ts
   * socket.write(Buffer.from([1, 2, 3]));
   * ```
   */
  write(data: string | Uint8Array | ArrayBuffer, options?: SendOptions | (() => void), callback?: () => void): this {
    this.sendPacket('message', data, options, callback);
    return this;
  }

  private sendPacket(
    type: EnginePacketType,
    data?: string | Uint8Array | ArrayBuffer,
    options?: SendOptions | (() => void),
    callback?: () => void,
  ): void {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    if (this.readyState === 'closing' || this.readyState === 'closed') return;
    const packet: OutgoingPacket = { type, data, options: options ?? DEFAULT_SEND_OPTIONS };
    // events without listeners are not emitted: emit() costs an arguments array per call
    if (hasListeners(this, 'packetCreate')) this.emit('packetCreate', packet);
    this.writeBuffer.push(packet);
    this.queuedBytes += packetBytes(data);
    if (typeof callback === 'function') this.packetsFn.push(callback);
    this.flush();
    const full = this.full;
    if (full === null) {
      if (overHighWaterMark(this.bufferedBytes, this.server.opts.backpressure)) this.onFull();
    } else if (!full.slow && slowClientNow(this.bufferedBytes, this.server.opts.backpressure)) {
      this.closeSlowClient();
    }
  }

  /**
   * Bytes buffered for the client: the packets queued in the session (a string counts its length) and the bytes
   * its transport holds (WebSocket: frames of this tick and the connection's write buffer; polling: none, a
   * payload waits in the session until the client polls).
   * @example
   * ```ts
   * console.log(socket.conn.bufferedBytes);   // 0 for a client that reads everything
   * ```
   */
  get bufferedBytes(): number {
    return this.queuedBytes + this.transport.bufferedBytes;
  }

  /**
   * True from the moment {@link bufferedBytes} reaches the high-water mark until `drain` (back under the
   * low-water mark): `socket.emit` returns false and volatile packets are dropped meanwhile.
   * @example
   * ```ts
   * if (socket.conn.writableNeedDrain) socket.conn.once('drain', resume);
   * ```
   */
  get writableNeedDrain(): boolean {
    return this.full !== null;
  }

  /** Over the high-water mark and not closing as a slow client: waiting for the low-water mark. */
  private get waitingForDrain(): boolean {
    return this.full !== null && !this.full.slow;
  }

  /** The high-water mark is reached: `drain` waits for the low-water mark, the slow-client clock starts. */
  private onFull(): void {
    this.full = new OverMark<EngineSocket>(this, EngineSocket.onOverMarkTimeout, this.server.opts.backpressure.slowClient);
    this.transport.wantsReady = true;
  }

  /** Back under the low-water mark: `drain`. */
  private checkDrain(): void {
    if (!underLowWaterMark(this.bufferedBytes, this.server.opts.backpressure)) return;
    this.full!.end();
    this.full = null;
    this.transport.wantsReady = false;
    this.emitDrain();
  }

  private emitDrain(): void {
    if (hasListeners(this, 'drain')) this.emit('drain');
    const server = this.server;
    if (hasListeners(server, 'drain')) server.emit('drain', this);
  }

  /**
   * Closes the session of a slow client: what it has not been handed yet is dropped, `slowClient` listeners may
   * queue last words (the Socket.IO layer sends the disconnect details), then the session closes gracefully
   * within `pingTimeout` (after which the transport is closed without waiting), with reason `slow client`.
   */
  private closeSlowClient(): void {
    if (this.readyState !== 'open' || this.full === null) return;
    const bytes = this.bufferedBytes;
    if (log.enabled) log('slow client: %d bytes buffered', bytes);
    this.full.closing(this.server.opts.pingTimeout);
    this.writeBuffer = [];
    this.packetsFn = [];
    this.queuedBytes = 0;
    if (hasListeners(this, 'slowClient')) this.emit('slowClient', bytes);
    if (hasListeners(this.server, 'slowClient')) this.server.emit('slowClient', this, bytes);
    this.close();
  }

  private flush(): void {
    if (this.readyState === 'closed' || !this.transport.canSend) return;
    if (this.writeBuffer.length === 0) {
      if (this.waitingForDrain) this.checkDrain();
      return;
    }
    const server = this.server;
    if (hasListeners(this, 'flush')) this.emit('flush', this.writeBuffer);
    if (hasListeners(server, 'flush')) server.emit('flush', this, this.writeBuffer);
    const wbuf = this.writeBuffer;
    this.writeBuffer = [];
    let onSent: (() => void) | undefined;
    if (this.packetsFn.length > 0) {
      const fns = this.packetsFn;
      this.packetsFn = [];
      onSent = () => {
        for (let i = 0; i < fns.length; i++) fns[i]!();
      };
    }
    this.queuedBytes = 0;
    this.transport.send(wbuf, onSent);
    if (this.waitingForDrain) this.checkDrain();
    else this.emitDrain();
  }

  private getAvailableUpgrades(): string[] {
    const opts = this.server.opts;
    if (!opts.allowUpgrades) return [];
    return availableUpgrades(this.transport.name, opts.transports);
  }

  /**
   * Closes the session gracefully: buffered packets are flushed first.
   * @param discard close the transport without a close packet
   * @returns this
   * @example
   * ```ts
   * socket.close(); // buffered packets go first, then the close
   * ```
   */
  close(discard?: boolean): this {
    if (discard && (this.readyState === 'open' || this.readyState === 'closing')) {
      this.closeTransport(discard);
      return this;
    }
    if (this.readyState !== 'open') return this;
    this.readyState = 'closing';
    if (this.writeBuffer.length > 0) {
      this.once('drain', () => this.closeTransport(discard));
      return this;
    }
    this.closeTransport(discard);
    return this;
  }

  private closeTransport(discard?: boolean): void {
    if (discard) this.transport.discard();
    this.transport.close(() => this.onClose('forced close'));
  }
}

/** What a session's heartbeat waits for. */
const enum HeartbeatPhase {
  NONE = 0,
  /** the time to send the next ping (v4) */
  INTERVAL = 1,
  /** the pong (v4), or the client's next ping (v3) */
  TIMEOUT = 2,
}

function ignore(): void {}

/**
 * Whether an emitter has listeners for an event (cheaper than an `emit` nobody listens to, which still
 * builds its arguments array).
 * @param emitter the emitter
 * @param event the event name
 */
function hasListeners(emitter: EventEmitter, event: string): boolean {
  return emitter.listenerCount(event) !== 0;
}

/** Options of packets sent without options (compression allowed). */
const DEFAULT_SEND_OPTIONS: SendOptions = Object.freeze({ compress: true });
