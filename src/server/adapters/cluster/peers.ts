/**
 * The other servers of a cluster that announce themselves with heartbeats, and when each was last heard of: a
 * server silent for longer than the heartbeat timeout is stale (gone, or stuck while still connected to the bus).
 *
 * ```ts
 * const peers = new PeerTracker(uid, 10_000);
 * bus.on('message', (msg) => peers.note(msg.uid, msg.type === 'heartbeat'));
 * const waitFor = peers.fresh();   // the servers a request should wait for
 * ```
 *
 * Bus-agnostic: owns the table of peers only. Must never import a bus client (Redis…), a wire format, nor the
 * server classes.
 */

/**
 * Servers known to send heartbeats → when they were last heard of.
 * @example
 * ```ts
 * const peers = new PeerTracker(uid, 10_000);
 * peers.note('b1', true);   // a heartbeat of server b1
 * peers.stale();            // [] for 10 s, then ['b1'] unless it is heard of again
 * ```
 */
export class PeerTracker {
  private readonly peers = new Map<string, number>();

  /**
   * @param uid this server's id (its own messages are ignored)
   * @param timeout how long a server may stay silent before it is stale, in ms
   * @example
   * ```ts
   * const peers = new PeerTracker(adapter.uid, opts.heartbeatTimeout ?? 10_000);
   * ```
   */
  constructor(private readonly uid: string, private readonly timeout: number) {}

  /**
   * Notes a message of another server: a heartbeat makes it a known (heartbeating) server; any other message
   * refreshes a known one.
   * @param uid the sender
   * @param heartbeat whether the message is a heartbeat
   * @example
   * ```ts
   * peers.note(message.uid, message.type === HEARTBEAT);
   * ```
   */
  note(uid: unknown, heartbeat: boolean): void {
    if (typeof uid !== 'string' || uid === this.uid) return;
    if (heartbeat || this.peers.has(uid)) this.peers.set(uid, Date.now());
  }

  /**
   * Forgets a server (it announced it is leaving, or it is no longer on the bus).
   * @param uid the server
   * @example
   * ```ts
   * if (message.type === ADAPTER_CLOSE) peers.remove(message.uid);
   * ```
   */
  remove(uid: string): void {
    this.peers.delete(uid);
  }

  /**
   * @returns the known servers silent for longer than the timeout
   * @example
   * ```ts
   * for (const uid of peers.stale()) if (!(await stillSubscribed(uid))) peers.remove(uid);
   * ```
   */
  stale(): string[] {
    const limit = Date.now() - this.timeout;
    const out: string[] = [];
    for (const [uid, seen] of this.peers) if (seen < limit) out.push(uid);
    return out;
  }

  /**
   * @returns the known servers heard of within the timeout
   * @example
   * ```ts
   * const missing = peers.fresh();   // a new request waits for these
   * ```
   */
  fresh(): Set<string> {
    const limit = Date.now() - this.timeout;
    const out = new Set<string>();
    for (const [uid, seen] of this.peers) if (seen >= limit) out.add(uid);
    return out;
  }
}
