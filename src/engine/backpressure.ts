/**
 * Backpressure of one session: the options (high- and low-water marks, the slow-client policy), their
 * defaults and checks, the byte count of a queued packet, the decisions ({@link overHighWaterMark} /
 * {@link underLowWaterMark} / {@link slowClientNow}) and the state of a session over its mark
 * ({@link OverMark}: the slow-client clock). The session keeps the counters (`bufferedBytes`,
 * `writableNeedDrain`) and holds an `OverMark` only while it is full.
 *
 * ```ts
 * const bp = resolveBackpressureOptions({ highWaterMark: 512 * 1024, slowClient: { maxOverMs: 10_000 } });
 * engine.on('connection', (conn) => {
 *   if (!conn.writableNeedDrain) conn.send(chunk);
 *   conn.on('drain', () => console.log('back under', bp.lowWaterMark, 'bytes'));
 * });
 * ```
 *
 * Imports nothing at run time; must never import the session, the server or a transport.
 */

/** Default high-water mark of a session: 1 MiB buffered for one client. */
export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024;
/** Default low-water mark: `drain` fires once back under 256 KiB. */
export const DEFAULT_LOW_WATER_MARK = 256 * 1024;
/** Default bytes buffered for one client above which it is disconnected as a slow client (8 MiB). */
export const DEFAULT_SLOW_CLIENT_MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Default time a client may stay over the high-water mark before it is disconnected as a slow client. */
export const DEFAULT_SLOW_CLIENT_MAX_OVER_MS = 30_000;

/** The close reason of a session ended by the slow-client policy. */
export const SLOW_CLIENT_REASON = 'slow client';

/**
 * When a client that does not read what it is sent is disconnected (the engine option `slowClient`).
 * @example
 * ```ts
 * new Server({ slowClient: { maxBufferedBytes: 4 * 1024 * 1024, maxOverMs: 10_000 } });
 * ```
 */
export interface SlowClientOptions {
  /** bytes buffered for the client at which it is disconnected at once (default 8 MiB; at least the high-water mark) */
  maxBufferedBytes?: number;
  /** ms the client may stay over the high-water mark without getting back under the low-water mark (default 30 000) */
  maxOverMs?: number;
}

/** The backpressure options of the engine (part of its options). */
export interface BackpressureOptions {
  /**
   * Bytes buffered for one client (queued in the session and held by its transport) at which the connection
   * is full: `socket.emit` returns false, `conn.writableNeedDrain` is true and volatile packets are dropped
   * (default 1 MiB; `Infinity` turns backpressure off).
   */
  highWaterMark?: number;
  /** bytes under which a full connection emits `drain` (default 256 KiB, at most the high-water mark) */
  lowWaterMark?: number;
  /** disconnect a client that stays over the high-water mark (default on; `false` never disconnects) */
  slowClient?: SlowClientOptions | false;
}

/** The backpressure options after defaults. */
export interface ResolvedBackpressure {
  highWaterMark: number;
  lowWaterMark: number;
  /** the slow-client policy, or false */
  slowClient: false | Required<SlowClientOptions>;
}

/**
 * Checks a byte or time bound.
 * @param name option name for the error
 * @param value the value
 * @param allowZero whether 0 is accepted
 */
function checkBound(name: string, value: unknown, allowZero: boolean): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number (or Infinity), got ${String(value)}`);
  }
  return value;
}

/**
 * Applies the defaults and checks the backpressure options.
 * @param opts the engine options
 * @returns the resolved marks and policy
 * @throws RangeError for a mark that is not a positive number, a low-water mark over the high-water mark, or a
 *   slow-client size under the high-water mark
 * @example
 * ```ts
 * resolveBackpressureOptions({}).highWaterMark;              // 1048576
 * resolveBackpressureOptions({ slowClient: false }).slowClient; // false
 * ```
 */
export function resolveBackpressureOptions(opts: BackpressureOptions): ResolvedBackpressure {
  const highWaterMark = checkBound('highWaterMark', opts.highWaterMark ?? DEFAULT_HIGH_WATER_MARK, false);
  const lowWaterMark = checkBound('lowWaterMark', opts.lowWaterMark ?? Math.min(DEFAULT_LOW_WATER_MARK, highWaterMark), true);
  if (lowWaterMark > highWaterMark) {
    throw new RangeError(`lowWaterMark (${lowWaterMark}) must not exceed highWaterMark (${highWaterMark})`);
  }
  const slow = opts.slowClient;
  if (slow === false) return { highWaterMark, lowWaterMark, slowClient: false };
  if (slow !== undefined && (slow === null || typeof slow !== 'object')) {
    throw new TypeError('slowClient must be an object ({ maxBufferedBytes, maxOverMs }) or false');
  }
  const maxBufferedBytes = checkBound(
    'slowClient.maxBufferedBytes',
    slow?.maxBufferedBytes ?? Math.max(DEFAULT_SLOW_CLIENT_MAX_BUFFERED_BYTES, highWaterMark),
    false,
  );
  if (maxBufferedBytes < highWaterMark) {
    throw new RangeError(`slowClient.maxBufferedBytes (${maxBufferedBytes}) must be at least highWaterMark (${highWaterMark})`);
  }
  const maxOverMs = checkBound('slowClient.maxOverMs', slow?.maxOverMs ?? DEFAULT_SLOW_CLIENT_MAX_OVER_MS, false);
  return { highWaterMark, lowWaterMark, slowClient: { maxBufferedBytes, maxOverMs } };
}

/**
 * The bytes a queued message counts for: its length (a string counts one byte per UTF-16 unit, without
 * measuring its UTF-8 form, so that counting costs nothing per message).
 * @param data the message data
 * @example
 * ```ts
 * queuedBytes += packetBytes(packet.data);
 * ```
 */
export function packetBytes(data: string | Uint8Array | ArrayBuffer | undefined): number {
  if (data === undefined) return 1;
  return typeof data === 'string' ? data.length + 1 : data.byteLength + 1;
}

/**
 * Whether a connection holding `bytes` is over the high-water mark.
 * @param bytes bytes buffered for the client
 * @param bp the resolved options
 * @example
 * ```ts
 * if (!session.writableNeedDrain && overHighWaterMark(session.bufferedBytes, bp)) session.markFull();
 * ```
 */
export function overHighWaterMark(bytes: number, bp: ResolvedBackpressure): boolean {
  return bytes >= bp.highWaterMark;
}

/**
 * Whether a full connection holding `bytes` is back under the low-water mark (`drain`).
 * @param bytes bytes buffered for the client
 * @param bp the resolved options
 * @example
 * ```ts
 * if (session.writableNeedDrain && underLowWaterMark(session.bufferedBytes, bp)) session.emit('drain');
 * ```
 */
export function underLowWaterMark(bytes: number, bp: ResolvedBackpressure): boolean {
  return bytes <= bp.lowWaterMark;
}

/**
 * Whether a full connection holding `bytes` must be disconnected as a slow client now (by size).
 * @param bytes bytes buffered for the client
 * @param bp the resolved options
 * @example
 * ```ts
 * if (slowClientNow(session.bufferedBytes, bp)) session.closeSlowClient();
 * ```
 */
export function slowClientNow(bytes: number, bp: ResolvedBackpressure): boolean {
  return bp.slowClient !== false && bytes >= bp.slowClient.maxBufferedBytes;
}

/**
 * A session over its high-water mark: created when it gets full, dropped at `drain` (a session under the mark
 * holds none). It runs the slow-client clock: once the session has stayed over the mark for
 * `slowClient.maxOverMs`, or once the grace of a slow client's close is over, it calls `onTimeout(host, slow)`.
 * @example
 * ```ts
 * this.full = new OverMark(this, onOverMarkTimeout, bp.slowClient);  // the session got full
 * this.full.closing(pingTimeout);                                      // closing it as a slow client
 * this.full.end();                                                     // drained, or closed
 * ```
 */
export class OverMark<H> {
  /** true once the session closes as a slow client */
  slow = false;
  private timer: NodeJS.Timeout | null = null;

  /**
   * @param host the session
   * @param onTimeout called when the time over the mark (`slow` false) or the grace of the close (`slow` true) ends
   * @param slowClient the slow-client policy (false: no clock)
   */
  constructor(
    private readonly host: H,
    private readonly onTimeout: (host: H, slow: boolean) => void,
    slowClient: ResolvedBackpressure['slowClient'],
  ) {
    // the size bound applies from the next packet on: one message, however large, does not make a slow client
    if (slowClient !== false && slowClient.maxOverMs !== Infinity) this.start(slowClient.maxOverMs);
  }

  /**
   * The session closes as a slow client: after `graceMs` its transport is closed without waiting.
   * @param graceMs the grace of the close
   */
  closing(graceMs: number): void {
    this.slow = true;
    this.end();
    this.start(graceMs);
  }

  /** Stops the clock (drained, or the session closed). */
  end(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private start(ms: number): void {
    this.timer = setTimeout(OverMark.onTimer, ms, this as OverMark<unknown>);
  }

  private static onTimer(mark: OverMark<unknown>): void {
    mark.timer = null;
    mark.onTimeout(mark.host, mark.slow);
  }
}
