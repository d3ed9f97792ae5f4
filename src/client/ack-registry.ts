/**
 * The pending acknowledgements of a client Socket: ack callbacks by packet id, with their timeout (`timeout(ms)`
 * or the `ackTimeout` option), settled by the server's ACK packet or failed at disconnection.
 *
 * Owns: `AckRegistry`. Must never import server code, the Manager or the Socket (it gets the timer functions and
 * the `this` of the callbacks from the Socket).
 *
 * @example
 * ```ts
 * const acks = new AckRegistry(socket, host, (id) => dropBuffered(id));
 * acks.register(0, (err, answer) => console.log(err, answer), 5000);
 * acks.settle(0, ['pong']);   // the ACK packet of id 0 arrived
 * ```
 */

/** An ack callback; `withError` ones take an error (or null) first. */
export type Ack = ((...args: any[]) => void) & { withError?: boolean };

/** The timer functions the registry uses. */
export interface AckTimers {
  setTimeoutFn(fn: () => void, ms: number): unknown;
  clearTimeoutFn(timer: unknown): void;
}

/**
 * Pending acks of one socket.
 * @example
 * ```ts
 * const acks = new AckRegistry(socket, manager, () => {});
 * acks.register(id, ack, undefined);   // no timeout
 * ```
 */
export class AckRegistry {
  private acks: Record<number, Ack> = {};

  /**
   * @param self `this` inside the callbacks (the socket)
   * @param timers the host's timer functions
   * @param onTimeout called when an ack times out, before the ack itself (e.g. to drop the buffered packet)
   * @example
   * ```ts
   * new AckRegistry(socket, manager, (id) => dropBuffered(id));
   * ```
   */
  constructor(
    private readonly self: unknown,
    private readonly timers: AckTimers,
    private readonly onTimeout: (id: number) => void,
  ) {}

  /**
   * Records an ack; with a timeout, it fails with `operation has timed out` unless answered in time.
   * @param id the packet id
   * @param ack the callback
   * @param timeout ms, or undefined for none
   * @example
   * ```ts
   * acks.register(3, (err, res) => {}, 1000);
   * ```
   */
  register(id: number, ack: Ack, timeout: number | undefined): void {
    if (timeout === undefined) {
      this.acks[id] = ack;
      return;
    }
    const timer = this.timers.setTimeoutFn(() => {
      delete this.acks[id];
      this.onTimeout(id);
      ack.call(this.self, new Error('operation has timed out'));
    }, timeout);
    const fn: Ack = (...args: unknown[]) => {
      this.timers.clearTimeoutFn(timer);
      ack.apply(this.self, args);
    };
    fn.withError = true;
    this.acks[id] = fn;
  }

  /**
   * Calls the ack of an ACK packet (once; unknown ids are ignored).
   * @param id the packet id
   * @param data the ACK's arguments (an array, modified in place)
   * @example
   * ```ts
   * acks.settle(packet.id, Array.isArray(packet.data) ? packet.data : []);
   * ```
   */
  settle(id: number, data: unknown[]): void {
    const ack = this.acks[id];
    if (typeof ack !== 'function') return;
    delete this.acks[id];
    if (ack.withError) data.unshift(null);
    ack.apply(this.self, data);
  }

  /**
   * Fails the acks of packets that were sent and will not be answered (`socket has been disconnected`); those
   * of packets still buffered are kept.
   * @param buffered whether the packet of an id is still in the send buffer
   * @example
   * ```ts
   * acks.failSent((id) => sendBuffer.some((p) => p.id === id));
   * ```
   */
  failSent(buffered: (id: number) => boolean): void {
    for (const key of Object.keys(this.acks)) {
      const id = Number(key);
      if (buffered(id)) continue;
      const ack = this.acks[id]!;
      delete this.acks[id];
      if (ack.withError) ack.call(this.self, new Error('socket has been disconnected'));
    }
  }
}
