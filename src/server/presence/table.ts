/**
 * The presence table of one namespace on one node: every entry of every node (the replicated state), indexed by
 * room and key for `list` and by node for replication, with the changes of each room gathered until the next
 * diff.
 *
 * ```ts
 * const table = new PresenceTable((room) => scheduleDiff(room));
 * table.add({ ref: 'r1', room: 'lobby', key: 'ann', meta: { ref: 'r1', status: 'online' }, node: 'n1' });
 * table.state('lobby');          // { ann: { metas: [{ ref: 'r1', status: 'online' }] } }
 * table.takeDiff('lobby');       // { room: 'lobby', joins: { ann: … }, leaves: {} }
 * ```
 *
 * Owns the entries; any entry is added or removed here and nowhere else. No timers, no I/O.
 */
import type { PresenceDiff, PresenceMeta, PresenceState } from './types.js';

/** One tracked socket in one room, on some node. */
export interface PresenceEntry {
  /** Unique per track or update (also in `meta.ref`). */
  readonly ref: string;
  readonly room: string;
  readonly key: string;
  /** The meta as given out (with its `ref`). */
  readonly meta: PresenceMeta<object>;
  /** The node that owns it. */
  readonly node: string;
  /** The socket, for entries of this node. */
  readonly sid?: string;
}

interface PendingDiff {
  joins: Map<string, PresenceEntry>;
  leaves: Map<string, PresenceEntry>;
}

/**
 * Entries by room, key and node, with the pending changes of each room.
 * @example
 * ```ts
 * const table = new PresenceTable((room) => console.log(`${room} changed`));
 * ```
 */
export class PresenceTable {
  /** room → key → ref → entry */
  private readonly byRoom = new Map<string, Map<string, Map<string, PresenceEntry>>>();
  /** node → ref → entry */
  private readonly byNode = new Map<string, Map<string, PresenceEntry>>();
  private readonly pending = new Map<string, PendingDiff>();

  /**
   * @param changed called when a room gets a pending change
   * @example
   * ```ts
   * new PresenceTable((room) => this.schedule());
   * ```
   */
  constructor(private readonly changed: (room: string) => void) {}

  /**
   * Adds an entry (nothing if its ref is known).
   * @param e the entry
   * @returns whether it was added
   * @example
   * ```ts
   * table.add({ ref, room, key, meta: { ...meta, ref }, node: uid, sid: socket.id });
   * ```
   */
  add(e: PresenceEntry): boolean {
    let refs = this.byNode.get(e.node);
    if (!refs) this.byNode.set(e.node, (refs = new Map()));
    if (refs.has(e.ref)) return false;
    refs.set(e.ref, e);
    let keys = this.byRoom.get(e.room);
    if (!keys) this.byRoom.set(e.room, (keys = new Map()));
    let metas = keys.get(e.key);
    if (!metas) keys.set(e.key, (metas = new Map()));
    metas.set(e.ref, e);
    const diff = this.diffOf(e.room);
    // a leave not yet announced and the same entry back cancel out (a ref never changes its meta)
    if (!diff.leaves.delete(e.ref)) diff.joins.set(e.ref, e);
    return true;
  }

  /**
   * Removes an entry.
   * @param node its node
   * @param ref its ref
   * @returns the entry removed, if it was there
   * @example
   * ```ts
   * table.remove(uid, entry.ref);
   * ```
   */
  remove(node: string, ref: string): PresenceEntry | undefined {
    const refs = this.byNode.get(node);
    const e = refs?.get(ref);
    if (!e) return undefined;
    refs!.delete(ref);
    if (refs!.size === 0) this.byNode.delete(node);
    const keys = this.byRoom.get(e.room)!;
    const metas = keys.get(e.key)!;
    metas.delete(ref);
    if (metas.size === 0) keys.delete(e.key);
    if (keys.size === 0) this.byRoom.delete(e.room);
    const diff = this.diffOf(e.room);
    // a join not yet announced and its leave cancel out
    if (!diff.joins.delete(ref)) diff.leaves.set(ref, e);
    return e;
  }

  /**
   * Makes a node's entries exactly these (a full state received from it).
   * @param node the node
   * @param entries its entries
   * @example
   * ```ts
   * table.replaceNode(from, received.map(toEntry));
   * ```
   */
  replaceNode(node: string, entries: PresenceEntry[]): void {
    const keep = new Set<string>();
    for (const e of entries) keep.add(e.ref);
    for (const ref of [...(this.byNode.get(node)?.keys() ?? [])]) if (!keep.has(ref)) this.remove(node, ref);
    for (const e of entries) this.add(e);
  }

  /**
   * Removes every entry of a node.
   * @param node the node
   * @example
   * ```ts
   * table.dropNode(goneUid);
   * ```
   */
  dropNode(node: string): void {
    for (const ref of [...(this.byNode.get(node)?.keys() ?? [])]) this.remove(node, ref);
  }

  /**
   * @param node a node
   * @returns its entries
   * @example
   * ```ts
   * const mine = [...table.entriesOf(uid)];
   * ```
   */
  entriesOf(node: string): Iterable<PresenceEntry> {
    return this.byNode.get(node)?.values() ?? [];
  }

  /**
   * @param room the room
   * @param node only the entries of this node
   * @returns key → metas
   * @example
   * ```ts
   * table.state('lobby');   // { ann: { metas: [{ ref: 'x1', status: 'online' }] } }
   * ```
   */
  state(room: string, node?: string): PresenceState<object> {
    const out: PresenceState<object> = {};
    for (const [key, refs] of this.byRoom.get(room) ?? []) {
      const metas: Array<PresenceMeta<object>> = [];
      for (const e of refs.values()) if (node === undefined || e.node === node) metas.push(e.meta);
      if (metas.length > 0) out[key] = { metas };
    }
    return out;
  }

  /**
   * @param room the room
   * @param node only the keys with an entry of this node
   * @returns how many keys are present
   * @example
   * ```ts
   * table.count('lobby');   // 2 users, whatever their number of tabs
   * ```
   */
  count(room: string, node?: string): number {
    const keys = this.byRoom.get(room);
    if (!keys) return 0;
    if (node === undefined) return keys.size;
    let n = 0;
    for (const refs of keys.values()) {
      for (const e of refs.values()) {
        if (e.node === node) {
          n++;
          break;
        }
      }
    }
    return n;
  }

  /**
   * @returns the rooms with at least one entry
   * @example
   * ```ts
   * table.rooms();   // ['lobby', 'game-7']
   * ```
   */
  rooms(): string[] {
    return [...this.byRoom.keys()];
  }

  /**
   * @returns the rooms with a pending change
   * @example
   * ```ts
   * for (const room of table.changedRooms()) send(table.takeDiff(room));
   * ```
   */
  changedRooms(): string[] {
    return [...this.pending.keys()];
  }

  /**
   * Takes the pending changes of a room.
   * @param room the room
   * @returns the diff, or null when nothing changed (or the changes cancelled out)
   * @example
   * ```ts
   * const diff = table.takeDiff('lobby');
   * if (diff) subscribers.forEach((fn) => fn(diff));
   * ```
   */
  takeDiff(room: string): PresenceDiff<object> | null {
    const diff = this.pending.get(room);
    if (!diff) return null;
    this.pending.delete(room);
    if (diff.joins.size === 0 && diff.leaves.size === 0) return null;
    return { room, joins: group(diff.joins.values()), leaves: group(diff.leaves.values()) };
  }

  private diffOf(room: string): PendingDiff {
    let diff = this.pending.get(room);
    if (!diff) {
      this.pending.set(room, (diff = { joins: new Map(), leaves: new Map() }));
      this.changed(room);
    }
    return diff;
  }
}

function group(entries: Iterable<PresenceEntry>): PresenceState<object> {
  const out: PresenceState<object> = {};
  for (const e of entries) (out[e.key] ??= { metas: [] }).metas.push(e.meta);
  return out;
}
