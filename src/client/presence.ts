/**
 * Follows the presence of a room that the server sends with ordinary events (`presence_state` once, then
 * `presence_diff`): keeps a synced map key → metas and tells what changed. Works on any socket with `on`/`off`
 * (ours, or `socket.io-client`'s).
 *
 * ```ts
 * import { io, Presence } from 'socketeer/client';
 * const socket = io();
 * const members = new Presence(socket, 'lobby');
 * members.on('join', (key, metas) => console.log(`${key} is here (${metas.length} tabs)`));
 * members.on('leave', (key) => console.log(`${key} left`));
 * members.on('sync', () => render(members.list()));
 * ```
 *
 * Owns the client's copy of one room's presence. Not imported by the socket: only bundles that use it pay for it.
 * Must never import server code nor Node.js built-ins.
 */
import { Emitter } from './emitter.js';

/** A meta as the server sends it: the tracked object and its `ref`. */
export type PresenceMeta<M extends object = Record<string, any>> = M & { ref: string };

/** key → metas: the `state` of `presence_state`, and the `joins`/`leaves` of `presence_diff`. */
export type PresenceState<M extends object = Record<string, any>> = Record<string, { metas: Array<PresenceMeta<M>> }>;

/** What a {@link Presence} tells. */
export interface PresenceEvents<M extends object> {
  /** A key appeared (its first meta). */
  join: (key: string, metas: Array<PresenceMeta<M>>, joined: Array<PresenceMeta<M>>) => void;
  /** A key is gone (its last meta left). */
  leave: (key: string, left: Array<PresenceMeta<M>>) => void;
  /** A key stays but its metas changed (another tab, an update, a tab closed). */
  change: (key: string, metas: Array<PresenceMeta<M>>, previous: Array<PresenceMeta<M>>) => void;
  /** The state or a diff was applied. */
  sync: () => void;
}

/** The socket shape the helper listens on. */
export interface PresenceSource {
  on(ev: string, fn: (...args: any[]) => void): unknown;
  off(ev: string, fn: (...args: any[]) => void): unknown;
}

/**
 * The presence of one room, kept in sync from the server's events.
 * @example
 * ```ts
 * const members = new Presence<{ name: string }>(socket, 'room1');
 * members.on('sync', () => console.log(members.list().map(({ metas }) => metas[0]!.name)));
 * ```
 */
export class Presence<M extends object = Record<string, any>> extends Emitter<{}, {}, PresenceEvents<M>> {
  private current = new Map<string, Array<PresenceMeta<M>>>();
  private hasState = false;
  private readonly onState = (p: { room?: unknown; state?: unknown }): void => {
    if (p?.room !== this.room || !isState(p.state)) return;
    const next = new Map<string, Array<PresenceMeta<M>>>();
    for (const [key, { metas }] of Object.entries(p.state as PresenceState<M>)) if (metas.length > 0) next.set(key, [...metas]);
    const keys = new Set([...this.current.keys(), ...next.keys()]);
    const before = this.current;
    this.current = next;
    this.hasState = true;
    for (const key of keys) this.announce(key, before.get(key) ?? [], next.get(key) ?? []);
    this.emitReserved('sync');
  };
  private readonly onDiff = (p: { room?: unknown; joins?: unknown; leaves?: unknown }): void => {
    if (p?.room !== this.room || !isState(p.joins) || !isState(p.leaves)) return;
    const joins = p.joins as PresenceState<M>;
    const leaves = p.leaves as PresenceState<M>;
    const before = new Map<string, Array<PresenceMeta<M>>>();
    for (const key of new Set([...Object.keys(joins), ...Object.keys(leaves)])) before.set(key, this.current.get(key) ?? []);
    for (const [key, { metas }] of Object.entries(joins)) {
      const list = [...(this.current.get(key) ?? [])];
      for (const m of metas) if (!list.some((x) => x.ref === m.ref)) list.push(m);
      this.current.set(key, list);
    }
    for (const [key, { metas }] of Object.entries(leaves)) {
      const gone = new Set(metas.map((m) => m.ref));
      const list = (this.current.get(key) ?? []).filter((m) => !gone.has(m.ref));
      if (list.length > 0) this.current.set(key, list);
      else this.current.delete(key);
    }
    for (const [key, prev] of before) this.announce(key, prev, this.current.get(key) ?? []);
    this.emitReserved('sync');
  };

  /**
   * Starts listening (the server must follow the socket to the room: `io.presence.follow(socket, room)`).
   * @param socket the socket receiving `presence_state` and `presence_diff`
   * @param room the room to follow
   * @example
   * ```ts
   * const members = new Presence(socket, 'lobby');
   * ```
   */
  constructor(private readonly socket: PresenceSource, readonly room: string) {
    super();
    socket.on('presence_state', this.onState);
    socket.on('presence_diff', this.onDiff);
  }

  /** Whether the state was received. */
  get synced(): boolean {
    return this.hasState;
  }

  /**
   * @returns every key with its metas, in arrival order
   * @example
   * ```ts
   * for (const { key, metas } of members.list()) console.log(key, metas.length);
   * ```
   */
  list(): Array<{ key: string; metas: Array<PresenceMeta<M>> }> {
    return [...this.current].map(([key, metas]) => ({ key, metas: [...metas] }));
  }

  /**
   * @param key a key
   * @returns its metas, or undefined when it is not present
   * @example
   * ```ts
   * const online = members.get(userId) !== undefined;
   * ```
   */
  get(key: string): Array<PresenceMeta<M>> | undefined {
    const metas = this.current.get(key);
    return metas && [...metas];
  }

  /**
   * @returns how many keys are present
   * @example
   * ```ts
   * badge.textContent = String(members.count());
   * ```
   */
  count(): number {
    return this.current.size;
  }

  /**
   * Stops listening to the socket.
   * @example
   * ```ts
   * members.close();
   * ```
   */
  close(): void {
    this.socket.off('presence_state', this.onState);
    this.socket.off('presence_diff', this.onDiff);
  }

  private announce(key: string, before: Array<PresenceMeta<M>>, after: Array<PresenceMeta<M>>): void {
    if (before.length === 0 && after.length > 0) this.emitReserved('join', key, after, after);
    else if (before.length > 0 && after.length === 0) this.emitReserved('leave', key, before);
    else if (before.length !== after.length || before.some((m, i) => m.ref !== after[i]!.ref)) {
      this.emitReserved('change', key, after, before);
    }
  }
}

function isState(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  return Object.values(v).every((e) => typeof e === 'object' && e !== null && Array.isArray((e as { metas?: unknown }).metas));
}
