/**
 * Publishing to JetStream across NATS outages: each message carries an id (`Nats-Msg-Id`, so that JetStream stores
 * it once however often it is sent, within the stream's duplicate window); the messages not acknowledged when the
 * connection drops, and those published while it is down, are held and sent again, in their order, as soon as it
 * is back. A message still unacknowledged `holdFor` ms after it was published fails.
 *
 * ```ts
 * const publisher = new HeldPublisher(js, 'socket.io.m./', 'a1', { timeout: 5000, holdFor: 10_000 });
 * publisher.down();   // the connection dropped
 * const seq = publisher.publish(bytes);   // held
 * publisher.up();     // sent again, in order; `seq` resolves with its stream sequence
 * ```
 *
 * Owns the messages waiting for their acknowledgement. Imports only types of the `nats` package; must never import
 * the server classes nor the cluster core.
 */
import type { JetStreamClient } from 'nats';

interface Held {
  bytes: Uint8Array;
  id: string;
  until: number;
  resolve(seq: number): void;
  reject(err: Error): void;
}

/** Options of {@link HeldPublisher}. */
export interface HeldPublisherOptions {
  /** Longest wait for one acknowledgement, in ms. */
  timeout: number;
  /** Longest wait for a message to be stored, outages included, in ms. */
  holdFor: number;
}

/**
 * Publishes to one subject of a stream, in order, holding messages while the connection is down.
 * @example
 * ```ts
 * const publisher = new HeldPublisher(nc.jetstream(), 'socket.io.m./', 'a1', { timeout: 5000, holdFor: 10_000 });
 * const seq = await publisher.publish(encodeMessage(message));
 * ```
 */
export class HeldPublisher {
  private readonly waiting = new Map<string, Held>();
  private next = 0;
  private connected = true;
  private expiry: NodeJS.Timeout | null = null;

  /**
   * @param js the JetStream client
   * @param subject the subject (captured by the stream)
   * @param uid this server's id (prefix of the message ids)
   * @param opts acknowledgement timeout, how long a message may be held
   * @example
   * ```ts
   * const publisher = new HeldPublisher(js, bus.subject, uid, { timeout: 5000, holdFor: 10_000 });
   * ```
   */
  constructor(private readonly js: JetStreamClient, private readonly subject: string, private readonly uid: string,
    private readonly opts: HeldPublisherOptions) {}

  /**
   * Publishes a message (held while the connection is down).
   * @param bytes the encoded message
   * @returns its stream sequence
   * @example
   * ```ts
   * const offset = String(await publisher.publish(bytes));
   * ```
   */
  publish(bytes: Uint8Array): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const held: Held = { bytes, id: `${this.uid}.${++this.next}`, until: Date.now() + this.opts.holdFor, resolve, reject };
      this.waiting.set(held.id, held);
      if (this.connected) this.send(held);
    });
  }

  /**
   * The connection dropped: messages are held until {@link HeldPublisher.up}.
   * @example
   * ```ts
   * publisher.down();
   * ```
   */
  down(): void {
    this.connected = false;
    if (this.expiry) return;
    // messages held too long fail even if NATS never comes back
    this.expiry = setInterval(() => this.expire(), Math.min(1000, this.opts.holdFor));
    this.expiry.unref();
  }

  private expire(): void {
    const now = Date.now();
    for (const held of [...this.waiting.values()]) {
      if (held.until < now) this.settle(held, new Error('NATS was unreachable for too long'));
    }
  }

  private stopExpiry(): void {
    if (this.expiry) clearInterval(this.expiry);
    this.expiry = null;
  }

  /**
   * The connection is back: every message still waiting is sent again, in order (those already stored are
   * acknowledged as duplicates, with their sequence); those held too long fail.
   * @example
   * ```ts
   * publisher.up();
   * ```
   */
  up(): void {
    this.connected = true;
    this.stopExpiry();
    this.expire();
    for (const held of this.waiting.values()) this.send(held);
  }

  /**
   * Fails every waiting message (closing).
   * @example
   * ```ts
   * publisher.failAll();
   * ```
   */
  failAll(): void {
    this.stopExpiry();
    for (const held of [...this.waiting.values()]) this.settle(held, new Error('closed'));
  }

  private send(held: Held): void {
    this.js.publish(this.subject, held.bytes, { msgID: held.id, timeout: this.opts.timeout }).then(
      (ack) => this.settle(held, ack.seq),
      (err: Error) => {
        if (!this.waiting.has(held.id) || !this.connected) return;   // done, or sent again on reconnection
        if (Date.now() > held.until) this.settle(held, err);
        else setTimeout(() => { if (this.connected && this.waiting.has(held.id)) this.send(held); }, 100).unref();
      },
    );
  }

  private settle(held: Held, result: number | Error): void {
    if (!this.waiting.delete(held.id)) return;
    if (typeof result === 'number') held.resolve(result);
    else held.reject(result);
  }
}
