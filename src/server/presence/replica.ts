/**
 * Presence replication between nodes, in the manner of Phoenix's tracker: each node owns its entries and numbers
 * its batches of changes (its version); the others hold a copy of each node's entries with the version it is at.
 *
 * Messages (the `data` of a presence message on the bus):
 * - `{ k: 'd', v, o }` a delta: the ops of one batch, making the sender's version `v` (`[0, ref, room, key, meta]`
 *   a join, `[1, ref]` a leave). Applied when `v` is the next version; ignored when already seen; a gap means
 *   messages were lost: the receiver asks for the state.
 * - `{ k: 'c', v }` a clock, every `syncInterval` from a node that has a version: a receiver behind asks.
 * - `{ k: 'a' }` asks one node for its state; `{ k: 'h' }` (hello) asks every node (a node starting).
 * - `{ k: 's', v, e }` a node's whole state at version `v` (`[ref, room, key, meta]` each): replaces the copy.
 * Answers (`a`, `s`) carry `to`, the node they are for: a bus that delivers answers to every node has them ignored.
 * A node gone (by the core's membership: goodbye, or silent past the heartbeat timeout) has its copy dropped.
 *
 * ```ts
 * const replica = new PresenceReplica(channel, table);
 * replica.joined(entry);   // queued
 * replica.flush();         // one delta on the bus
 * ```
 *
 * Owns the versions and the wire shape of presence messages. No timers (the caller ticks it).
 */
import type { PresenceEntry, PresenceTable } from './table.js';
import type { PresenceChannel, PresenceMeta } from './types.js';

type Op = [0, string, string, string, PresenceMeta<object>] | [1, string];

/** How long a node waits before asking the same node for its state again, in ms. */
const ASK_AGAIN_AFTER = 500;

const isString = (v: unknown): v is string => typeof v === 'string';
const isVersion = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const isMeta = (v: unknown): v is PresenceMeta<object> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && isString((v as { ref?: unknown }).ref);

/**
 * The replication of one namespace's presence over a {@link PresenceChannel}.
 * @example
 * ```ts
 * const replica = new PresenceReplica(adapter.attachPresence(receiver), table);
 * ```
 */
export class PresenceReplica {
  private version = 0;
  private outbox: Op[] = [];
  /** node → the version of its copy */
  private readonly known = new Map<string, number>();
  /** node → when it was last asked */
  private readonly asked = new Map<string, number>();

  /**
   * @param channel the bus
   * @param table the table (this node's entries are those of `channel.node`)
   * @example
   * ```ts
   * new PresenceReplica(channel, table);
   * ```
   */
  constructor(private readonly channel: PresenceChannel, private readonly table: PresenceTable) {}

  /** This node's id. */
  get node(): string {
    return this.channel.node;
  }

  /**
   * Queues the join of a local entry.
   * @param e the entry
   * @example
   * ```ts
   * if (table.add(entry)) replica.joined(entry);
   * ```
   */
  joined(e: PresenceEntry): void {
    this.outbox.push([0, e.ref, e.room, e.key, e.meta]);
  }

  /**
   * Queues the leave of a local entry.
   * @param e the entry
   * @example
   * ```ts
   * const e = table.remove(node, ref);
   * if (e) replica.left(e);
   * ```
   */
  left(e: PresenceEntry): void {
    this.outbox.push([1, e.ref]);
  }

  /**
   * Publishes the queued ops as one delta.
   * @example
   * ```ts
   * replica.flush();   // at the end of each diff interval
   * ```
   */
  flush(): void {
    if (this.outbox.length === 0) return;
    this.version++;
    this.channel.publish({ k: 'd', v: this.version, o: this.outbox });
    this.outbox = [];
  }

  /**
   * Publishes the queued ops and this node's clock (every sync interval).
   * @example
   * ```ts
   * setInterval(() => replica.tick(), 1000);
   * ```
   */
  tick(): void {
    this.flush();
    if (this.version > 0) this.channel.publish({ k: 'c', v: this.version });
  }

  /**
   * Asks every node for its state (a node starting).
   * @example
   * ```ts
   * replica.hello();
   * ```
   */
  hello(): void {
    this.channel.publish({ k: 'h' });
  }

  /**
   * Handles a presence message of another node.
   * @param from the sender
   * @param data the message
   * @example
   * ```ts
   * receiver.receive = (from, data) => replica.receive(from, data);
   * ```
   */
  receive(from: string, data: unknown): void {
    if (from === this.node || typeof data !== 'object' || data === null) return;
    const m = data as { k?: unknown; v?: unknown; o?: unknown; e?: unknown; to?: unknown };
    // a bus may deliver an answer to every node: it is for one
    if (m.to !== undefined && m.to !== this.node) return;
    const known = this.known.get(from) ?? 0;
    switch (m.k) {
      case 'd':
        if (!isVersion(m.v) || !Array.isArray(m.o) || m.v <= known) return;
        if (m.v !== known + 1) {
          this.ask(from);
          return;
        }
        this.known.set(from, m.v);
        for (const op of m.o as unknown[]) this.apply(from, op);
        return;
      case 'c':
        if (isVersion(m.v) && m.v > known) this.ask(from);
        return;
      case 'a':
      case 'h':
        this.flush();
        if (this.version > 0) this.channel.publishTo(from, { k: 's', to: from, v: this.version, e: this.snapshot() });
        return;
      case 's':
        if (!isVersion(m.v) || !Array.isArray(m.e) || m.v < known || (m.v === known && this.known.has(from))) return;
        this.known.set(from, m.v);
        this.table.replaceNode(from, (m.e as unknown[]).map((x) => this.toEntry(from, x)).filter((e) => e !== null));
        return;
      default:
    }
  }

  /**
   * Forgets a node and its entries.
   * @param node the node
   * @example
   * ```ts
   * receiver.nodeGone = (uid) => replica.nodeGone(uid);
   * ```
   */
  nodeGone(node: string): void {
    this.known.delete(node);
    this.asked.delete(node);
    this.table.dropNode(node);
  }

  private ask(node: string): void {
    const now = Date.now();
    if (now - (this.asked.get(node) ?? 0) < ASK_AGAIN_AFTER) return;
    this.asked.set(node, now);
    this.channel.publishTo(node, { k: 'a', to: node });
  }

  private apply(from: string, op: unknown): void {
    if (!Array.isArray(op)) return;
    if (op[0] === 1) {
      if (isString(op[1])) this.table.remove(from, op[1]);
      return;
    }
    const e = this.toEntry(from, op.slice(1));
    if (e) this.table.add(e);
  }

  private toEntry(node: string, x: unknown): PresenceEntry | null {
    if (!Array.isArray(x)) return null;
    const [ref, room, key, meta] = x as unknown[];
    if (!isString(ref) || !isString(room) || !isString(key) || !isMeta(meta) || meta.ref !== ref) return null;
    return { ref, room, key, meta, node };
  }

  private snapshot(): Array<[string, string, string, PresenceMeta<object>]> {
    const out: Array<[string, string, string, PresenceMeta<object>]> = [];
    for (const e of this.table.entriesOf(this.node)) out.push([e.ref, e.room, e.key, e.meta]);
    return out;
  }
}
