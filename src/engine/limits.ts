/**
 * Per-connection limits: a cap on the sessions opened from
 * one remote address. It keeps counters for a dashboard.
 *
 * ```ts
 * // at most 10 sessions per address, composed with an existing allowRequest
 * const limiter = new ConnectionLimiter({ maxPerAddress: 10, allowRequest: myAllowRequest });
 * const io = new Server(httpServer, { allowRequest: limiter.allowRequest });
 * limiter.attach(io.engine);             // counts sessions until they close
 * limiter.stats();                       // { sessions, addresses, refused, maxPerAddress }

 * ```
 */
import type { IncomingMessage } from 'node:http';

/** `allowRequest` of the engine options. */
export type AllowRequest = (req: IncomingMessage, fn: (err: string | null | undefined, success: boolean) => void) => void;

/** The part of an engine session the limiter needs. */
export interface LimitedSession {
  readonly request: IncomingMessage;
  once(event: 'close', fn: () => void): unknown;
}

/** The part of an engine the limiter needs. */
export interface LimitedEngine {
  on(event: 'connection', fn: (session: LimitedSession) => void): unknown;
  /** a refused or failed handshake: the place admitted for it is given back at once */
  on(event: 'connection_error', fn: (err: { req: IncomingMessage }) => void): unknown;
}

/** Options of {@link ConnectionLimiter}. */
export interface ConnectionLimitOptions {
  /** sessions allowed per remote address (required; `Infinity` counts without refusing) */
  maxPerAddress: number;
  /** the address of a request (default: the socket's remote address; behind a proxy, read a trusted header) */
  addressOf?: (req: IncomingMessage) => string;
  /** an `allowRequest` to run after the limit check */
  allowRequest?: AllowRequest;
  /** ms a handshake admitted but not yet open counts against its address (default 10000) */
  reservationTimeout?: number;
  /** the refusal message, sent as a 403 `{"code":4,"message":…}` (default `'Too many connections'`) */
  message?: string;
}

/** Counters of a {@link ConnectionLimiter}. */
export interface ConnectionLimitStats {
  /** open sessions counted */
  sessions: number;
  /** addresses with at least one session or admitted handshake */
  addresses: number;
  /** handshakes admitted and not yet open */
  pending: number;
  /** handshakes refused since the start */
  refused: number;
  /** the configured cap */
  maxPerAddress: number;
}

interface Reservation {
  address: string;
  at: number;
}

/** The default address of a request. */
function remoteAddressOf(req: IncomingMessage): string {
  return req.socket?.remoteAddress ?? '';
}

/**
 * Caps the sessions opened from one remote address. A handshake is admitted by {@link allowRequest} (reserving
 * a place for a short while), then counted from the engine's `connection` event until the session closes.
 */
export class ConnectionLimiter {
  /** the options, defaults applied */
  readonly maxPerAddress: number;
  private readonly addressOf: (req: IncomingMessage) => string;
  private readonly next: AllowRequest | undefined;
  private readonly reservationTimeout: number;
  private readonly message: string;
  private readonly counts = new Map<string, number>();
  private readonly reservations = new Map<IncomingMessage, Reservation>();
  private sessions = 0;
  private refused = 0;

  /**
   * @param opts cap, address function, chained allowRequest
   */
  constructor(opts: ConnectionLimitOptions) {
    if (!(opts.maxPerAddress >= 0)) throw new RangeError('maxPerAddress must be a number >= 0');
    this.maxPerAddress = opts.maxPerAddress;
    this.addressOf = opts.addressOf ?? remoteAddressOf;
    this.next = opts.allowRequest;
    this.reservationTimeout = opts.reservationTimeout ?? 10000;
    this.message = opts.message ?? 'Too many connections';
  }

  /**
   * The number of sessions and admitted handshakes of an address.
   * @param address the remote address
   */
  countOf(address: string): number {
    this.expireReservations(Date.now());
    return this.counts.get(address) ?? 0;
  }

  /**
   * Admits a handshake if its address is under the cap, reserving a place until the session opens.
   * @param req the handshake request
   * @returns true if admitted
   */
  admit(req: IncomingMessage): boolean {
    const now = Date.now();
    this.expireReservations(now);
    const address = this.addressOf(req);
    const count = this.counts.get(address) ?? 0;
    if (count >= this.maxPerAddress) {
      this.refused++;
      return false;
    }
    this.counts.set(address, count + 1);
    this.reservations.set(req, { address, at: now });
    return true;
  }

  /**
   * The engine's `allowRequest`: checks the cap, then runs the chained `allowRequest` if any. Bound, so it
   * can be passed as is.
   */
  readonly allowRequest: AllowRequest = (req, fn) => {
    if (!this.admit(req)) return fn(this.message, false);
    if (!this.next) return fn(null, true);
    this.next(req, (err, success) => {
      if (!success) this.cancel(req);
      fn(err, success);
    });
  };

  /**
   * Gives back the place reserved by {@link admit} for a handshake that will not open.
   * @param req the handshake request
   */
  cancel(req: IncomingMessage): void {
    const r = this.reservations.get(req);
    if (r === undefined) return;
    this.reservations.delete(req);
    this.decrement(r.address);
  }

  /**
   * Counts an open session until it closes (its reservation, if any, becomes the session).
   * @param session an engine session
   */
  track(session: LimitedSession): void {
    const req = session.request;
    const r = this.reservations.get(req);
    let address: string;
    if (r !== undefined) {
      this.reservations.delete(req);
      address = r.address;
    } else {
      address = this.addressOf(req);
      this.counts.set(address, (this.counts.get(address) ?? 0) + 1);
    }
    this.sessions++;
    session.once('close', () => {
      this.sessions--;
      this.decrement(address);
    });
  }

  /**
   * Tracks every session of an engine.
   * @param engine the engine (`io.engine`)
   * @returns this
   */
  attach(engine: LimitedEngine): this {
    engine.on('connection', (session: LimitedSession) => this.track(session));
    // a check after this one refused the handshake, or it failed: no session will open
    engine.on('connection_error', (err: { req: IncomingMessage }) => this.cancel(err.req));
    return this;
  }

  /** @returns the counters */
  stats(): ConnectionLimitStats {
    this.expireReservations(Date.now());
    return {
      sessions: this.sessions,
      addresses: this.counts.size,
      pending: this.reservations.size,
      refused: this.refused,
      maxPerAddress: this.maxPerAddress,
    };
  }

  private decrement(address: string): void {
    const count = (this.counts.get(address) ?? 0) - 1;
    if (count > 0) this.counts.set(address, count);
    else this.counts.delete(address);
  }

  /** Reservations of handshakes that never opened (refused later, or failed) expire. */
  private expireReservations(now: number): void {
    if (this.reservations.size === 0) return;
    for (const [req, r] of this.reservations) {
      if (now - r.at < this.reservationTimeout) break; // insertion order = time order
      this.reservations.delete(req);
      this.decrement(r.address);
    }
  }
}
