/**
 * The `onAny` family in one place: the catch-all listeners of a socket (incoming events with `onAny`,
 * `prependAny`, `offAny`, `listenersAny`; outgoing ones with the `*Outgoing` variants), used by the client
 * Socket and the server Socket alike. Part of the shared toolbox (`src/util/`): it imports nothing (the client
 * bundle includes it), and must never import anything from the rest of `src/`.
 *
 * API of {@link AnyListeners}:
 * - `add(fn)` appends a listener (`onAny`), `prepend(fn)` puts it first (`prependAny`);
 * - `remove(fn)` removes the first occurrence of `fn`, `remove()` removes every listener (`offAny`);
 * - `list()` returns a copy of the listeners in call order, `live()` the array itself (socket.io's
 *   `listenersAny()` returns it, and callers may change it in place);
 * - `size` is the number of listeners: hot paths test `if (any.size)` before doing anything else;
 * - `fire(args, thisArg)` calls every listener with `args` spread, over a snapshot taken before the first call,
 *   so a listener that removes itself (or adds another) changes the next event only.
 *
 * Nothing is allocated while there is no listener (the array is created by the first `add`), and `fire` copies
 * the list only when there are two or more listeners. A caller that must wrap each call (to report a throw, say)
 * iterates over `list()`, which is the same snapshot.
 *
 * @example
 * ```ts
 * const any = new AnyListeners<(event: string, ...args: unknown[]) => void>();
 * any.add((event, ...args) => console.log(event, args));
 * if (any.size) any.fire(['chat', 'hello']);
 * ```
 */

/**
 * An ordered list of catch-all listeners.
 * @typeParam L the listener signature
 * @example
 * ```ts
 * class MySocket {
 *   private readonly any = new AnyListeners<(event: string, ...args: unknown[]) => void>();
 *   onAny(fn: (event: string, ...args: unknown[]) => void): this { this.any.add(fn); return this; }
 *   offAny(fn?: (event: string, ...args: unknown[]) => void): this { this.any.remove(fn); return this; }
 *   listenersAny() { return this.any.live(); }
 *   private receive(args: [string, ...unknown[]]): void { if (this.any.size) this.any.fire(args, this); }
 * }
 * ```
 */
export class AnyListeners<L extends (...args: never[]) => unknown> {
  private listeners: L[] | undefined;

  /**
   * The number of listeners.
   * @example
   * ```ts
   * if (any.size) any.fire(args);
   * ```
   */
  get size(): number {
    return this.listeners === undefined ? 0 : this.listeners.length;
  }

  /**
   * Appends a listener (it is called after the others).
   * @param fn the listener
   * @example
   * ```ts
   * any.add((event, ...args) => console.log(event, args));
   * ```
   */
  add(fn: L): void {
    if (this.listeners === undefined) this.listeners = [fn];
    else this.listeners.push(fn);
  }

  /**
   * Puts a listener first (it is called before the others).
   * @param fn the listener
   * @example
   * ```ts
   * any.prepend((event) => console.log('first to see', event));
   * ```
   */
  prepend(fn: L): void {
    if (this.listeners === undefined) this.listeners = [fn];
    else this.listeners.unshift(fn);
  }

  /**
   * Removes the first occurrence of a listener, or every listener when none is given.
   * @param fn the listener (every listener when omitted)
   * @example
   * ```ts
   * any.remove(listener);   // that one
   * any.remove();           // all of them
   * ```
   */
  remove(fn?: L): void {
    if (fn === undefined) {
      this.listeners = undefined;
      return;
    }
    const list = this.listeners;
    if (list === undefined) return;
    const i = list.indexOf(fn);
    if (i !== -1) list.splice(i, 1);
  }

  /**
   * A copy of the listeners, in call order.
   * @example
   * ```ts
   * for (const fn of any.list()) fn.apply(socket, args);
   * ```
   */
  list(): L[] {
    return this.listeners === undefined ? [] : this.listeners.slice();
  }

  /**
   * The listeners themselves, in call order: what socket.io's `listenersAny()` returns (the live array, which a
   * caller may change in place), or a new empty array when there is none.
   * @example
   * ```ts
   * listenersAny() { return this.any.live(); }
   * ```
   */
  live(): L[] {
    return this.listeners === undefined ? [] : this.listeners;
  }

  /**
   * Calls every listener with `args` spread, over a snapshot of the list taken before the first call.
   * @param args the arguments (for `onAny`: the event name, then its arguments)
   * @param thisArg `this` inside the listeners
   * @example
   * ```ts
   * if (any.size) any.fire(['chat', 'hello'], socket);
   * ```
   */
  fire(args: Parameters<L>, thisArg?: unknown): void {
    const list = this.listeners;
    if (list === undefined || list.length === 0) return;
    if (list.length === 1) {
      list[0]!.apply(thisArg, args);
      return;
    }
    const snapshot = list.slice();
    for (let i = 0; i < snapshot.length; i++) snapshot[i]!.apply(thisArg, args);
  }
}
