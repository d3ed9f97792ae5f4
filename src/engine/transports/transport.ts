/**
 * The transport contract shared by polling and WebSocket: receives raw data, decodes it
 * into packets for the session, and writes batches of packets.
 *
 * Must never import the session, the server or another transport.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import { createLogger } from '../../util/logger.js';
import { compactListeners } from '../../util/event-table.js';
import { DecodeError } from '../../protocol/errors.js';
import type { EnginePacketType } from '../../protocol/engine-packet.js';
import { engineCodecFor, type EngineCodec } from '../../protocol/engine-codec.js';
import type { TransportName } from './index.js';

const log = createLogger('socketeer:engine:transport');

/** A frame stored once and written to every recipient of one broadcast packet. */
export interface SharedFrame {
  /** the WebSocket frame (header + payload buffers), built by the first recipient */
  ws?: Buffer[];
}

/** Per-packet send options. */
export interface SendOptions {
  /** compress this packet (default true) */
  compress?: boolean;
  /** object shared by every recipient of one broadcast packet (frame once, write many) */
  shared?: SharedFrame;
}

/** A packet waiting to be written. */
export interface OutgoingPacket {
  type: EnginePacketType;
  data?: string | Uint8Array | ArrayBuffer;
  options?: SendOptions;
}

/** A decoded incoming packet; `error` stands for undecodable input. */
export interface IncomingPacket {
  type: EnginePacketType | 'error';
  data?: string | Uint8Array | ArrayBuffer;
}

/** The request as seen by the engine: the parsed query is kept, nothing else is added. */
export interface EngineRequest extends IncomingMessage {
  /** query parameters of the request URL (last value wins) */
  _query: Record<string, string>;
  /** set while an upgrade request is handed to its transport */
  websocket?: WebSocket;
}

/** The packet emitted for input that cannot be decoded. */
export const PARSE_ERROR_PACKET: IncomingPacket = Object.freeze({ type: 'error', data: 'parser error' }) as IncomingPacket;

/**
 * Base class of the transports. Events: `packet`, `error`, `close`, `ready` (`canSend` again),
 * `headers` (polling replies).
 * @example
 * ```ts
 * class EchoTransport extends Transport {
 *   readonly name = 'polling' as const;
 *   send(packets: OutgoingPacket[], onSent?: () => void): void {
 *     write(packets);
 *     onSent?.();
 *   }
 *   protected doClose(fn: () => void): void { fn(); this.onClose(); }
 * }
 * ```
 */
export abstract class Transport extends EventEmitter {
  /** transport name */
  abstract readonly name: TransportName;
  /** whether WebSocket upgrades are handled by this transport */
  readonly handlesUpgrades: boolean = false;
  /**
   * Whether nothing is being written to the client, as socket.io's `transport.writable`: a volatile packet
   * is dropped while false. Polling: a GET is pending. WebSocket: no frame waits for this tick's write and
   * every write handed to the connection has completed.
   */
  writable = false;
  /** transport state */
  readyState: 'open' | 'closing' | 'closed' = 'open';
  /** set during an upgrade: the transport may close without a close packet */
  discarded = false;
  /** the wire rules of the client's Engine.IO revision (from the `EIO` query parameter) */
  readonly codec: EngineCodec;
  /** Engine.IO protocol revision (`codec.protocol`) */
  readonly protocol: 3 | 4;
  /** false when the client asked for base64 binary (`b64` query parameter) */
  readonly supportsBinary: boolean;
  /** session id, set when the session opens */
  sid = '';
  /**
   * Set by the session while its connection is over the high-water mark: the transport then emits `ready` each
   * time a write completes, so that the session sees its count fall even when nothing else is sent.
   */
  wantsReady = false;

  /**
   * @param req the request that created the transport
   */
  constructor(req: EngineRequest) {
    super();
    compactListeners(this);
    this.codec = engineCodecFor(req._query.EIO);
    this.protocol = this.codec.protocol;
    this.supportsBinary = !req._query.b64;
  }

  /**
   * Whether the session may hand packets to {@link send} now (otherwise it keeps them until `ready`).
   * Polling: same as {@link writable}. WebSocket: true unless the connection's buffer is full, so that the
   * packets of one tick are written together even while an earlier write is in flight.
   * @example
   * ```ts
   * if (transport.canSend) transport.send(buffer);
   * ```
   */
  get canSend(): boolean {
    return this.writable;
  }

  /**
   * Bytes the transport holds that the client has not taken yet (0 when it keeps nothing: polling answers a GET
   * at once). Read by the session for its backpressure count; must be cheap (no per-call work).
   * @example
   * ```ts
   * const held = transport.bufferedBytes;
   * ```
   */
  get bufferedBytes(): number {
    return 0;
  }

  /**
   * Marks the transport as discarded (being replaced by an upgrade).
   * @example
   * ```ts
   * oldTransport.discard(); // replaced by an upgrade: closes without a close packet
   * ```
   */
  discard(): void {
    this.discarded = true;
  }

  /**
   * Handles a further HTTP request of the session (polling only).
   * @param _req the request
   * @param _res its response
   * @example
   * ```ts
   * session.transport.onRequest(req, res);   // a further poll of a polling session
   * ```
   */
  onRequest(_req: EngineRequest, _res?: ServerResponse): void {}

  /**
   * Closes the transport.
   * @param fn called once closed (or once the close is flushed)
   * @example
   * ```ts
   * transport.close(() => console.log('closed'));
   * ```
   */
  close(fn?: () => void): void {
    if (this.readyState === 'closed' || this.readyState === 'closing') return;
    this.readyState = 'closing';
    this.doClose(fn ?? noop);
  }

  /**
   * Writes a batch of packets; `writable` is false until the write has completed, `canSend` until
   * the transport accepts another batch (`ready` is emitted then).
   * @param packets the batch (may be appended to)
   * @param onSent called once the batch is handed to the OS
   */
  abstract send(packets: OutgoingPacket[], onSent?: () => void): void;

  protected abstract doClose(fn: () => void): void;

  /**
   * Reports a transport failure (emitted only if someone listens).
   * @param msg error message
   * @param desc detail (an error or text)
   */
  protected onError(msg: string, desc?: unknown): void {
    if (this.listenerCount('error') > 0) {
      const err = new Error(msg) as Error & { type: string; description: unknown };
      err.type = 'TransportError';
      err.description = desc;
      this.emit('error', err);
    } else if (log.enabled) {
      log('ignored transport error %s (%s)', msg, desc);
    }
  }

  /**
   * Decodes one packet and hands it to the session. A decode failure becomes an `error`
   * packet (the session closes with `parse error`); an exception thrown by a listener
   * closes the session with `transport error` instead of escaping.
   * @param data a text frame / payload piece, or binary data
   */
  protected onData(data: string | Buffer): void {
    let packet: IncomingPacket;
    try {
      packet = this.codec.decodePacket(data);
    } catch (err) {
      if (log.enabled) log('decode error: %s', (err as Error).message);
      packet = PARSE_ERROR_PACKET;
    }
    this.dispatch(packet);
  }

  /**
   * Emits one packet, containing exceptions thrown by listeners.
   * @param packet the packet
   */
  protected dispatch(packet: IncomingPacket): void {
    try {
      this.emit('packet', packet);
    } catch (err) {
      try {
        if (err instanceof DecodeError) {
          this.emit('packet', PARSE_ERROR_PACKET);
        } else {
          if (log.enabled) log('listener error: %s', (err as Error)?.message);
          this.onError('listener error', err);
        }
      } catch (again) {
        if (log.enabled) log('error while closing after a listener error: %s', (again as Error)?.message);
      }
    }
  }

  /** Marks the transport closed and notifies the session. */
  protected onClose(): void {
    this.readyState = 'closed';
    this.emit('close');
  }
}

/**
 * Does nothing.
 * @example
 * ```ts
 * transport.close(noop);
 * ```
 */
export function noop(): void {}
