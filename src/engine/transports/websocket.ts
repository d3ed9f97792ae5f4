/**
 * WebSocket transport on `ws`: one packet per frame. All frames written in one tick leave in
 * one TCP write, and a broadcast frame is built once and written to every recipient
 * ({@link SharedFrame}). Without permessage-deflate, the frames of a tick are collected here and
 * written at the end of the tick (broadcast frames joined into one buffer): one system call per
 * connection per tick. With permessage-deflate, frames go through `ws` and the connection is
 * corked until the end of the tick instead.
 *
 * `writable` has socket.io's meaning, which decides whether a volatile packet is dropped: false from the
 * first packet of a tick until the connection has completed the write of that tick's frames (the write
 * callback has run), as socket.io's transport is between a `send` and the `ws` send callback. The session
 * still hands packets over meanwhile (`canSend`), so the frames of a tick keep leaving in one write.
 *
 * Must never import the session, the server or the polling transports; `ws` internals only through
 * `src/util/ws-internals.ts`.
 */
import type { Socket as NetSocket } from 'node:net';
import { WebSocket as WsSocket } from 'ws';
import { buildFrame, canWriteFrames, rawSocketOf } from '../../util/ws-internals.js';
import { createLogger } from '../../util/logger.js';
import { compactListeners } from '../../util/event-table.js';
import { uncorkAtEndOfTick, type Corkable } from '../cork.js';
import { Transport, type EngineRequest, type OutgoingPacket } from './transport.js';

const log = createLogger('socketeer:engine:ws');

/** The transport of a `ws` socket, stored on it so that the socket's listeners are shared functions. */
const kTransport = Symbol('socketeer.transport');
type OwnedSocket = WsSocket & { [kTransport]: WebSocketTransport };

/** Up to this many bytes, the broadcast frames of a tick are joined into one buffer before writing. */
const MAX_JOINED_BYTES = 64 * 1024;
const COMPRESS = { compress: true };
const NO_COMPRESS = { compress: false };

/**
 * The WebSocket transport.
 * @example
 * ```ts
 * req.websocket = websocket; // accepted by ws's handleUpgrade
 * const transport = new WebSocketTransport(req);
 * transport.send([{ type: 'message', data: 'hi' }]);
 * ```
 */
export class WebSocketTransport extends Transport implements Corkable {
  readonly name = 'websocket' as const;
  override readonly handlesUpgrades = true;
  /** true from the first write of a tick until its end ({@link uncork}) */
  corked = false;
  /** frame buffers collected in this tick, written at its end (without permessage-deflate) */
  private frames: Buffer[] = [];
  /** total length of {@link frames} */
  private framesLength = 0;
  /** true while every frame collected in this tick is a shared (broadcast) frame */
  private framesShared = true;
  /** callbacks of the collected frames, called once they are handed to the OS */
  private frameCallbacks: Array<() => void> | null = null;
  /** true while a `drain` listener waits for the connection's buffer to empty */
  private awaitingDrain = false;
  /** true while the connection's buffer is full: the session keeps its packets until `ready` */
  private blocked = false;
  /** writes handed to the connection (or to `ws`) whose callback has not run yet */
  private writesInFlight = 0;

  private readonly socket: WsSocket;
  private readonly raw: NetSocket | undefined;
  /** frames are built here (and shared) only without permessage-deflate (its sender queues frames) */
  private readonly framesHere: boolean;
  /** true while the connection is corked for the messages `ws` frames in this tick (permessage-deflate) */
  private rawCorked = false;

  // listeners of the `ws` socket shared by every connection (`this` is the `ws` socket, its transport is found
  // through it)
  private static onSocketMessage(this: WsSocket, data: Buffer, isBinary: boolean): void {
    (this as OwnedSocket)[kTransport].onData(isBinary ? data : data.toString());
  }
  private static onSocketClose(this: WsSocket): void {
    (this as OwnedSocket)[kTransport].onClose();
  }
  private static onSocketError(this: WsSocket, err: Error): void {
    (this as OwnedSocket)[kTransport].onError(err.message, err);
  }
  /** the `drain` listener of the connection, created on the first full buffer */
  private onRawDrainBound: (() => void) | undefined;
  /** the callback of every write, created on the first write */
  private onWrittenBound: (() => void) | undefined;

  private onRawDrain(): void {
    this.awaitingDrain = false;
    if (this.readyState !== 'open') return;
    this.blocked = false;
    if (this.writesInFlight === 0 && this.frames.length === 0) this.writable = true;
    this.emit('ready');
  }

  /** The callback of every write: the transport is writable again once the last one has completed. */
  private get onWritten(): () => void {
    return (this.onWrittenBound ??= () => {
      if (--this.writesInFlight === 0 && this.frames.length === 0 && !this.blocked && this.readyState === 'open') {
        this.writable = true;
        // the session is over its high-water mark: let it count again
        if (this.wantsReady) this.emit('ready');
      }
    });
  }

  /**
   * @param req the upgrade request; `req.websocket` is the accepted `ws` socket
   */
  constructor(req: EngineRequest) {
    super(req);
    const socket = req.websocket!;
    this.socket = socket;
    this.raw = rawSocketOf(socket);
    this.framesHere = canWriteFrames(socket);
    (socket as OwnedSocket)[kTransport] = this;
    socket.on('message', WebSocketTransport.onSocketMessage);
    // `on` rather than `once` (no wrapper per connection): `ws` emits `close` once
    socket.on('close', WebSocketTransport.onSocketClose);
    socket.on('error', WebSocketTransport.onSocketError);
    // the connection's emitters live as long as it: compact tables (see util/event-table.ts)
    compactListeners(socket);
    if (this.raw !== undefined) compactListeners(this.raw);
    this.writable = true;
  }

  override get canSend(): boolean {
    return !this.blocked;
  }

  /**
   * Frames collected in this tick, plus what the connection still buffers (`ws`'s `bufferedAmount`: the
   * socket's write buffer and, with permessage-deflate, the messages queued in its sender).
   * @example
   * ```ts
   * transport.bufferedBytes;   // 0 once the client has taken everything
   * ```
   */
  override get bufferedBytes(): number {
    return this.framesLength + this.socket.bufferedAmount;
  }

  /**
   * Ends the tick (called by the tick batcher): writes the frames collected in it, then releases the cork of
   * the messages `ws` framed in it.
   * @example
   * ```ts
   * transport.uncork(); // called by the tick batcher, never by hand
   * ```
   */
  uncork(): void {
    if (this.frames.length !== 0) this.writeFrames();
    if (this.rawCorked) {
      this.rawCorked = false;
      this.raw?.uncork();
    }
  }

  /** Writes the collected frames: joined into one buffer when small. */
  private writeFrames(): void {
    const frames = this.frames;
    const n = frames.length;
    if (n === 0) return;
    const length = this.framesLength;
    const join = this.framesShared && n > 1 && length <= MAX_JOINED_BYTES;
    this.frames = [];
    this.framesLength = 0;
    this.framesShared = true;
    const callbacks = this.frameCallbacks;
    this.frameCallbacks = null;
    const raw = this.raw!;
    if (this.socket.readyState !== WsSocket.OPEN || raw.destroyed) return;
    this.writesInFlight++;
    const onWritten = this.onWritten;
    // like socket.io's, send callbacks run before the transport is writable again
    const done =
      callbacks === null
        ? onWritten
        : () => {
            runAll(callbacks);
            onWritten();
          };
    if (n === 1 || join) {
      // broadcast frames (header and payload buffers shared by every recipient) are copied into one
      // buffer: one stream write per connection instead of two per frame (measured: fan-out
      // deliveries per CPU-second +25 %; joining a connection's own frames measured no gain)
      raw.write(join ? Buffer.concat(frames, length) : frames[0]!, done);
    } else {
      // one corked write per buffer: still one system call
      raw.cork();
      for (let i = 0; i < n - 1; i++) raw.write(frames[i]!);
      raw.write(frames[n - 1]!, done);
      raw.uncork();
    }
    if (raw.writableNeedDrain) {
      this.blockUntilDrain(raw);
    } else if (this.blocked && !this.awaitingDrain && this.readyState === 'open') {
      // blocked by the estimate of pushFrame(), but the connection took it all
      this.blocked = false;
      this.emit('ready');
    }
  }

  /**
   * Keeps the session's packets until the connection's buffer has drained.
   * @param raw the connection
   */
  private blockUntilDrain(raw: NetSocket): void {
    this.blocked = true;
    if (!this.awaitingDrain) {
      this.awaitingDrain = true;
      raw.once('drain', (this.onRawDrainBound ??= () => this.onRawDrain()));
    }
  }

  /**
   * Collects one frame for the end of the tick.
   * @param frame the frame: header and payload buffers, as built by `Sender.frame`
   * @param cb called once written
   * @param shared whether the frame is a broadcast frame shared by many connections
   */
  private pushFrame(frame: Buffer[], cb: (() => void) | undefined, shared: boolean): void {
    const frames = this.frames;
    for (let i = 0; i < frame.length; i++) {
      frames.push(frame[i]!);
      this.framesLength += frame[i]!.length;
    }
    if (!shared) this.framesShared = false;
    if (cb !== undefined) (this.frameCallbacks ??= []).push(cb);
    // as if written now: a full buffer blocks the transport at once (later sends queue in the session)
    if (!this.blocked && this.framesLength + this.raw!.writableLength >= this.raw!.writableHighWaterMark) this.blocked = true;
  }

  /**
   * Writes a batch of packets, one frame each. The only write path: every frame of a tick leaves at its end
   * ({@link uncork}) in one write. A frame is built here (a broadcast frame once for all its recipients)
   * unless permessage-deflate is on: `ws` then frames and compresses the message, its frames queued in order
   * behind the connection's cork for the tick.
   * @param packets the packets
   * @param onSent called once the last frame is handed to the OS
   * @example
   * ```ts
   * transport.send([{ type: 'message', data: '2["news"]', options: { shared } }], () => console.log('written'));
   * ```
   */
  send(packets: OutgoingPacket[], onSent?: () => void): void {
    if (this.socket.readyState !== WsSocket.OPEN || packets.length === 0) return;
    this.writable = false;
    if (!this.corked) {
      uncorkAtEndOfTick(this);
      if (!this.framesHere && this.raw !== undefined) {
        this.raw.cork();
        this.rawCorked = true;
      }
    }
    const last = packets.length - 1;
    for (let i = 0; i < last; i++) this.sendPacket(packets[i]!, undefined, false);
    this.sendPacket(packets[last]!, onSent, true);
    const raw = this.raw;
    if (!this.framesHere && raw !== undefined && raw.writableNeedDrain) this.blockUntilDrain(raw);
  }

  /**
   * Frames one packet for the end of the tick, or hands it to `ws` (permessage-deflate).
   * @param packet the packet
   * @param cb called once written
   * @param last whether it is the last packet of its batch
   */
  private sendPacket(packet: OutgoingPacket, cb: (() => void) | undefined, last: boolean): void {
    const options = packet.options;
    if (this.framesHere) {
      const shared = options && options.shared;
      if (shared && packet.type === 'message') {
        let frame = shared.ws;
        if (frame === undefined) {
          frame = this.frameShared(packet);
          if (frame !== undefined) shared.ws = frame;
        } else if (typeof packet.data !== 'string' && !(this.codec.rawBinaryFrames && this.supportsBinary)) {
          frame = undefined; // the shared binary frame is the raw bytes, not this client's form
        }
        if (frame !== undefined) {
          this.pushFrame(frame, cb, true);
          return;
        }
      }
      const data = this.encode(packet);
      const socket = this.socket;
      this.pushFrame(typeof data === 'string' ? buildFrame(socket, data, false) : buildFrame(socket, toBuffer(data), true), cb, false);
      return;
    }
    const compress = options && options.compress === false ? NO_COMPRESS : COMPRESS;
    if (!last) {
      this.socket.send(this.encode(packet), compress);
      return;
    }
    // one write callback per batch, on its last message
    this.writesInFlight++;
    const onWritten = this.onWritten;
    this.socket.send(
      this.encode(packet),
      compress,
      cb === undefined
        ? onWritten
        : () => {
            cb();
            onWritten();
          },
    );
  }

  /**
   * Encodes one packet for a frame of its own.
   * @param packet the packet
   */
  private encode(packet: OutgoingPacket): string | Uint8Array {
    return this.codec.encodePacket(packet, this.supportsBinary);
  }
  /**
   * Builds the frame of a broadcast message, shared by its recipients.
   * @param packet a message packet
   * @returns the frame, or undefined when this client cannot take the shared form (binary as base64, v3)
   */
  private frameShared(packet: OutgoingPacket): Buffer[] | undefined {
    const data = packet.data;
    if (typeof data === 'string') return buildFrame(this.socket, '4' + data, false);
    if (data === undefined) return buildFrame(this.socket, '4', false);
    if (!this.codec.rawBinaryFrames || !this.supportsBinary) return undefined;
    return buildFrame(this.socket, toBuffer(data), true);
  }

  /**
   * Ends the connection at once, without waiting for the closing handshake (the bound of a graceful shutdown).
   * @example
   * ```ts
   * transport.terminate(); // graceful shutdown bound reached
   * ```
   */
  terminate(): void {
    this.socket.terminate();
  }

  protected doClose(fn: () => void): void {
    if (log.enabled) log('closing');
    // frames collected in this tick go before the close frame
    if (this.frames.length !== 0) this.writeFrames();
    this.socket.close();
    fn();
  }
}

/**
 * A Buffer view of binary message data, without copying.
 * @param data bytes
 */
function toBuffer(data: Uint8Array | ArrayBuffer): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Calls every callback.
 * @param callbacks the callbacks
 */
function runAll(callbacks: Array<() => void>): void {
  for (let i = 0; i < callbacks.length; i++) callbacks[i]!();
}
