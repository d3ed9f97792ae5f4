/**
 * The at-least-once queue of a client Socket (the `retries` option): emits go out one at a time, each waits for
 * its ack (or the ack timeout) and is sent again, up to `retries` more times, before the next one is sent.
 *
 * Owns: `RetryQueue` and the emit flags it carries. Must never import server code nor the Manager; the Socket
 * gives it the two things it needs (the retries count, and a way to drain).
 *
 * @example
 * ```ts
 * const queue = new RetryQueue(() => opts.retries ?? 0, () => socket.drainQueue());
 * queue.add(['save', doc, ack], flags);   // the socket then sends queue.next() while connected
 * ```
 */

/** Flags of the next emit (`compress(false)`, `volatile`, `timeout(ms)`, and whether it comes from the queue). */
export interface EmitFlags {
  compress?: boolean;
  volatile?: boolean;
  timeout?: number;
  fromQueue?: boolean;
}

/** One queued emit. */
export interface QueuedEmit {
  id: number;
  tryCount: number;
  pending: boolean;
  /** event name, arguments, and the queue's ack callback last */
  args: unknown[];
  flags: EmitFlags;
}

type UserAck = (err: unknown, ...args: unknown[]) => void;

/**
 * Emits waiting for their ack, in order.
 * @example
 * ```ts
 * const queue = new RetryQueue(() => 3, drain);
 * queue.add(['hello', 'world'], {});
 * const next = queue.next(false);   // the emit to send now, if any
 * ```
 */
export class RetryQueue {
  private readonly queue: QueuedEmit[] = [];
  private seq = 0;

  /**
   * @param retries the `retries` option (read at each failure)
   * @param drain sends the head of the queue when possible (called after each settled try)
   * @example
   * ```ts
   * new RetryQueue(() => this.opts.retries ?? 0, () => this.drainQueue());
   * ```
   */
  constructor(
    private readonly retries: () => number,
    private readonly drain: () => void,
  ) {}

  /**
   * Queues an emit: its last function argument (the user's ack) is replaced by the queue's, which retries.
   * @param args event name and arguments
   * @param flags the emit's flags
   * @example
   * ```ts
   * queue.add(['save', doc, (err, res) => console.log(err, res)], { timeout: 1000 });
   * ```
   */
  add(args: unknown[], flags: EmitFlags): void {
    let ack: UserAck | undefined;
    if (typeof args[args.length - 1] === 'function') ack = args.pop() as UserAck;
    const packet: QueuedEmit = { id: this.seq++, tryCount: 0, pending: false, args, flags: { fromQueue: true, ...flags } };
    args.push((err: unknown, ...responseArgs: unknown[]) => {
      if (packet !== this.queue[0]) return; // a late ack of an earlier try
      if (err !== null) {
        if (packet.tryCount > this.retries()) {
          this.queue.shift();
          if (ack) ack(err);
        }
      } else {
        this.queue.shift();
        if (ack) ack(null, ...responseArgs);
      }
      packet.pending = false;
      return this.drain();
    });
    this.queue.push(packet);
    this.drain();
  }

  /**
   * The emit to send now (marked pending, its try counted), or undefined when the queue is empty or its head is
   * waiting for an ack.
   * @param force send the head again even if pending (after a reconnection)
   * @example
   * ```ts
   * const next = queue.next(false);
   * if (next) send(next.args, next.flags);
   * ```
   */
  next(force: boolean): QueuedEmit | undefined {
    if (this.queue.length === 0) return undefined;
    const packet = this.queue[0]!;
    if (packet.pending && !force) return undefined;
    packet.pending = true;
    packet.tryCount++;
    return packet;
  }
}
