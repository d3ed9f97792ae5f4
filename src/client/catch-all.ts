/**
 * The catch-all listeners of a client Socket: `onAny`, `prependAny`, `offAny`, `listenersAny` for incoming
 * events, and the `*Outgoing` variants for outgoing ones, on top of the typed emitter. The lists themselves are
 * `AnyListeners` from the shared toolbox; the Socket fires them (`anyIncoming.fire`, `anyOutgoing.fire`).
 *
 * Owns: `CatchAllEmitter`. Must never import server code, the Manager or the Socket.
 *
 * @example
 * ```ts
 * socket.onAny((event, ...args) => console.log('got', event, args));
 * socket.onAnyOutgoing((event, ...args) => console.log('sent', event, args));
 * ```
 */
import { AnyListeners } from '../util/any-listeners.js';
import { Emitter } from './emitter.js';
import type { EventsMap } from './typed-events.js';

/**
 * A typed emitter with catch-all listeners (the base of the client Socket).
 * @typeParam ListenEvents events that can be listened to
 * @typeParam EmitEvents events that can be emitted
 * @typeParam ReservedEvents events only the library emits
 * @example
 * ```ts
 * const socket = io();   // a Socket, hence a CatchAllEmitter
 * socket.prependAny((event) => console.log('first to see', event));
 * ```
 */
export class CatchAllEmitter<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ReservedEvents extends EventsMap = {},
> extends Emitter<ListenEvents, EmitEvents, ReservedEvents> {
  /** listeners of every incoming event (event name first) */
  protected readonly anyIncoming = new AnyListeners<(...args: any[]) => void>();
  /** listeners of every outgoing event (event name first) */
  protected readonly anyOutgoing = new AnyListeners<(...args: any[]) => void>();

  /**
   * Adds a listener called for every incoming event with the event name first.
   * @param listener the catch-all listener
   * @example
   * ```ts
   * socket.onAny((event, ...args) => {
   *   console.log(`got ${event}`, args);
   * });
   * ```
   */
  onAny(listener: (...args: any[]) => void): this {
    this.anyIncoming.add(listener);
    return this;
  }

  /**
   * Adds a catch-all listener at the beginning of the list.
   * @param listener the catch-all listener
   * @example
   * ```ts
   * socket.prependAny((event, ...args) => {
   *   console.log(`got ${event} (before the other catch-all listeners)`);
   * });
   * ```
   */
  prependAny(listener: (...args: any[]) => void): this {
    this.anyIncoming.prepend(listener);
    return this;
  }

  /**
   * Removes a catch-all listener, or all of them.
   * @param listener the listener (all when omitted)
   * @example
   * ```ts
   * const listener = (event, ...args) => console.log(event, args);
   * socket.onAny(listener);
   * socket.offAny(listener);   // that one
   * socket.offAny();           // all of them
   * ```
   */
  offAny(listener?: (...args: any[]) => void): this {
    this.anyIncoming.remove(listener);
    return this;
  }

  /**
   * @returns a copy of the catch-all listeners
   * @example
   * ```ts
   * console.log(socket.listenersAny().length);
   * ```
   */
  listenersAny(): Array<(...args: any[]) => void> {
    return this.anyIncoming.live();
  }

  /**
   * Adds a listener called for every outgoing event with the event name first.
   * @param listener the catch-all listener
   * @example
   * ```ts
   * socket.onAnyOutgoing((event, ...args) => {
   *   console.log(`sent ${event}`, args);
   * });
   * ```
   */
  onAnyOutgoing(listener: (...args: any[]) => void): this {
    this.anyOutgoing.add(listener);
    return this;
  }

  /**
   * Adds an outgoing catch-all listener at the beginning of the list.
   * @param listener the catch-all listener
   * @example
   * ```ts
   * socket.prependAnyOutgoing((event, ...args) => {
   *   console.log(`sent ${event} (seen first)`);
   * });
   * ```
   */
  prependAnyOutgoing(listener: (...args: any[]) => void): this {
    this.anyOutgoing.prepend(listener);
    return this;
  }

  /**
   * Removes an outgoing catch-all listener, or all of them.
   * @param listener the listener (all when omitted)
   * @example
   * ```ts
   * const listener = (event, ...args) => console.log(event, args);
   * socket.onAnyOutgoing(listener);
   * socket.offAnyOutgoing(listener);   // that one
   * socket.offAnyOutgoing();           // all of them
   * ```
   */
  offAnyOutgoing(listener?: (...args: any[]) => void): this {
    this.anyOutgoing.remove(listener);
    return this;
  }

  /**
   * @returns a copy of the outgoing catch-all listeners
   * @example
   * ```ts
   * console.log(socket.listenersAnyOutgoing().length);
   * ```
   */
  listenersAnyOutgoing(): Array<(...args: any[]) => void> {
    return this.anyOutgoing.live();
  }
}
