/**
 * Base of the Engine.IO transports: a small state machine (`opening` → `open` → `closed`, plus
 * `pausing`/`paused` for polling during an upgrade) that turns wire data into packets and
 * reports `open`, `packet`, `drain`, `error` and `close` to the session.
 *
 * Owns the `Transport` base class and `TransportError`. Must never import the session, the Manager or server
 * code.
 */
import { decodeEnginePacket, type BinaryType, type EnginePacket } from '../../protocol/index.js';
import { Emitter } from '../emitter.js';
import type { CookieStore } from '../env/types.js';
import { encodeQuery } from './query.js';
import type { EngineOptions } from './options.js';
import { timers, type Timers } from './timers.js';

/** An outgoing packet with its send options. */
export interface OutgoingPacket extends EnginePacket {
  options?: { compress?: boolean };
}

/**
 * Error reported by a transport; `description` is the HTTP status or the underlying error.
 * @example
 * ```ts
 * socket.io.on('error', (err) => {
 *   if (err instanceof TransportError) console.log(err.message, err.description);   // 'xhr poll error', 502
 * });
 * ```
 */
export class TransportError extends Error {
  readonly type = 'TransportError';
  /**
   * @param reason short reason (`xhr poll error`, `websocket error`, …)
   * @param description HTTP status or underlying error
   * @param context the request or event concerned
   * @example
   * ```ts
   * this.emitReserved('error', new TransportError('xhr poll error', res.status, req));
   * ```
   */
  constructor(
    reason: string,
    readonly description: unknown,
    readonly context?: unknown,
  ) {
    super(reason);
  }
}

/** What a transport needs from its session. */
export interface TransportHost {
  readonly binaryType: BinaryType;
  readonly cookieJar?: CookieStore;
}

/** Options given to a transport: the session's options with the per-transport overrides. */
export interface TransportOptions extends EngineOptions {
  hostname: string;
  port: string;
  secure: boolean;
  path: string;
  query: Record<string, any>;
  timestampParam: string;
  session: TransportHost;
}

export type TransportState = 'opening' | 'open' | 'closed' | 'pausing' | 'paused';

/** A transport class (accepted in the `transports` option, as the reference client's). */
export type TransportCtor = new (opts: TransportOptions) => Transport;

interface TransportEvents {
  open: () => void;
  close: (details?: { description: string; context?: unknown }) => void;
  error: (err: Error) => void;
  packet: (packet: EnginePacket) => void;
  drain: () => void;
  poll: () => void;
  pollComplete: () => void;
}

/**
 * A transport of one Engine.IO session.
 * @example
 * ```ts
 * class MyTransport extends Transport {
 *   get name() { return 'polling'; }
 *   protected doOpen() { connectSomehow(() => this.onOpen()); }
 *   protected doClose() { closeSomehow(() => this.onClose()); }
 *   protected write(packets: OutgoingPacket[]) { for (const p of packets) sendSomehow(p); }
 * }
 * ```
 */
export abstract class Transport extends Emitter<{}, {}, TransportEvents> {
  /**
   * `polling` or `websocket`.
   * @example
   * ```ts
   * if (transport.name === 'websocket') console.log('upgraded');
   * ```
   */
  abstract get name(): string;
  /** True when a `send` would go out at once. */
  writable = false;
  readyState: TransportState | undefined;
  /** Query parameters of every request (the session adds `sid`). */
  readonly query: Record<string, any>;
  /** Binary frames are allowed (false with `forceBase64`). */
  supportsBinary: boolean;
  protected readonly timers: Timers;

  /**
   * @param opts the session's options merged with the transport overrides
   * @example
   * ```ts
   * const transport = new WebSocketTransport({ ...session.opts, query: { EIO: '4', sid } });
   * ```
   */
  constructor(readonly opts: TransportOptions) {
    super();
    this.query = opts.query;
    this.supportsBinary = !opts.forceBase64;
    this.timers = timers(opts.useNativeTimers);
  }

  /**
   * Starts opening.
   * @example
   * ```ts
   * transport.open();
   * ```
   */
  open(): this {
    this.readyState = 'opening';
    this.doOpen();
    return this;
  }

  /**
   * Closes the transport (no-op unless opening or open).
   * @example
   * ```ts
   * transport.close();
   * ```
   */
  close(): this {
    if (this.readyState === 'opening' || this.readyState === 'open') {
      this.doClose();
      this.onClose();
    }
    return this;
  }

  /**
   * Sends packets (dropped unless open).
   * @param packets the packets, in order
   * @example
   * ```ts
   * transport.send([{ type: 'message', data: '2["hello"]' }]);
   * ```
   */
  send(packets: OutgoingPacket[]): void {
    if (this.readyState === 'open') this.write(packets);
  }

  /**
   * Stops the transport for an upgrade once nothing is in flight.
   * @param onPause called when paused
   * @example
   * ```ts
   * transport.pause(() => session.setTransport(probed));
   * ```
   */
  pause(onPause: () => void): void {
    onPause();
  }

  /** @internal the subclass is connected */
  protected onOpen(): void {
    this.readyState = 'open';
    this.writable = true;
    this.emitReserved('open');
  }

  /** @internal one frame of wire data */
  protected onData(data: string | Uint8Array | ArrayBuffer): void {
    let packet: EnginePacket;
    try {
      packet = decodeEnginePacket(data, this.opts.session.binaryType);
    } catch (err) {
      this.onError('parse error', err);
      return;
    }
    this.onPacket(packet);
  }

  /** @internal a decoded packet */
  protected onPacket(packet: EnginePacket): void {
    this.emitReserved('packet', packet);
  }

  /** @internal a failure */
  protected onError(reason: string, description: unknown, context?: unknown): this {
    this.emitReserved('error', new TransportError(reason, description, context));
    return this;
  }

  /** @internal the transport is gone */
  protected onClose(details?: { description: string; context?: unknown }): void {
    this.readyState = 'closed';
    this.emitReserved('close', details);
  }

  /** @internal builds the request URI */
  protected createUri(schema: string, query: Record<string, unknown>): string {
    const hostname = this.opts.hostname.indexOf(':') === -1 ? this.opts.hostname : '[' + this.opts.hostname + ']';
    const port = Number(this.opts.port);
    const showPort = this.opts.port && ((this.opts.secure && port !== 443) || (!this.opts.secure && port !== 80));
    const qs = encodeQuery(query);
    return schema + '://' + hostname + (showPort ? ':' + this.opts.port : '') + this.opts.path + (qs.length ? '?' + qs : '');
  }

  protected abstract doOpen(): void;
  protected abstract doClose(): void;
  protected abstract write(packets: OutgoingPacket[]): void;
}
