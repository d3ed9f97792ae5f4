/**
 * A socket's own room while the socket is in no other room. Every socket joins the room named by its id, so
 * `adapter.rooms` maps that id to `Set { id }` and `adapter.sids` maps it to `Set { id }` too: two hash sets per
 * connection holding one string each (about 0.3 KB). Until the socket joins another room, each map holds an
 * `OwnRoom` instead: a read-only view of the one-element set, a few words, that is still a `Set` to its readers
 * (`instanceof Set`, `size`, `has`, iteration, `forEach`, `util.inspect`).
 *
 * Writing to it (which only an adapter does) turns it into a real `Set` in its map first, so a reader keeping the
 * reference sees the change too:
 *
 * ```ts
 * const rooms = adapter.sids.get(socket.id);   // OwnRoom { id }
 * rooms.add('room-101');                      // adapter.sids.get(socket.id) is now Set { id, 'room-101' }
 * rooms.has('room-101');                      // true
 * ```
 *
 * Owns no state but its own. Must never import the server classes.
 */
import { inspect } from 'node:util';

/**
 * `Set { id }` as one small object, standing in a `Map` under the key `id`.
 * @example
 * ```ts
 * adapter.sids.set(id, new OwnRoom(id, adapter.sids));
 * adapter.rooms.set(id, new OwnRoom(id, adapter.rooms));
 * ```
 */
export class OwnRoom<T> {
  /** The one element (and the key of this set in its map). */
  readonly id: T;
  /** The map holding this set. */
  private readonly owner: Map<T, Set<T>>;
  /** The real set it became on its first write. */
  private real: Set<T> | undefined = undefined;

  /**
   * @param id the element, also the key in `owner`
   * @param owner the map that holds this set under `id`
   * @example
   * ```ts
   * adapter.rooms.set(socket.id, new OwnRoom(socket.id, adapter.rooms));
   * ```
   */
  constructor(id: T, owner: Map<T, Set<T>>) {
    this.id = id;
    this.owner = owner;
  }

  /**
   * Whether this is still the one-element view (no write happened).
   * @example
   * ```ts
   * if (members instanceof OwnRoom && members.untouched) adapter.rooms.delete(room);
   * ```
   */
  get untouched(): boolean {
    return this.real === undefined;
  }

  /**
   * Turns this view into a real `Set` in its map (once) and returns it.
   * @returns the real set
   * @example
   * ```ts
   * const socketRooms = own.materialize();   // Set { id }, now in adapter.sids
   * socketRooms.add('room-101');
   * ```
   */
  materialize(): Set<T> {
    if (this.real === undefined) {
      this.real = new Set([this.id]);
      if (this.owner.get(this.id) === (this as unknown as Set<T>)) this.owner.set(this.id, this.real);
    }
    return this.real;
  }

  get size(): number {
    return this.real === undefined ? 1 : this.real.size;
  }

  has(value: T): boolean {
    return this.real === undefined ? value === this.id : this.real.has(value);
  }

  add(value: T): this {
    if (this.real !== undefined || value !== this.id) this.materialize().add(value);
    return this;
  }

  delete(value: T): boolean {
    return this.materialize().delete(value);
  }

  clear(): void {
    this.materialize().clear();
  }

  forEach(fn: (value: T, key: T, set: Set<T>) => void, thisArg?: unknown): void {
    if (this.real !== undefined) {
      this.real.forEach((v) => fn.call(thisArg, v, v, this as unknown as Set<T>));
      return;
    }
    fn.call(thisArg, this.id, this.id, this as unknown as Set<T>);
  }

  values(): IterableIterator<T> {
    return this.real === undefined ? [this.id].values() : this.real.values();
  }

  keys(): IterableIterator<T> {
    return this.values();
  }

  entries(): IterableIterator<[T, T]> {
    return this.real === undefined ? [[this.id, this.id] as [T, T]].values() : this.real.entries();
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.values();
  }

  get [Symbol.toStringTag](): string {
    return 'Set';
  }

  [inspect.custom](depth: number, options: object): string {
    return inspect(this.real ?? new Set([this.id]), options);
  }
}

// `instanceof Set` holds; every method a reader calls is OwnRoom's own, never one reading a Set's internal slots
Object.setPrototypeOf(OwnRoom.prototype, Set.prototype);
// the set methods of newer runtimes (`union`, `isSubsetOf`, …) read and return, on the set this view stands for
for (const name of Object.getOwnPropertyNames(Set.prototype)) {
  if (Object.prototype.hasOwnProperty.call(OwnRoom.prototype, name)) continue;
  const method = (Set.prototype as unknown as Record<string, unknown>)[name];
  if (typeof method !== 'function') continue;
  Object.defineProperty(OwnRoom.prototype, name, {
    configurable: true,
    writable: true,
    value(this: OwnRoom<unknown>, ...args: unknown[]): unknown {
      const set = this.untouched ? new Set([this.id]) : this.materialize();
      return (method as (...a: unknown[]) => unknown).apply(set, args);
    },
  });
}
