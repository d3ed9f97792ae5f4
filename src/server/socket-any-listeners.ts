/**
 * The catch-all listeners of a server-side socket (`onAny`, `onAnyOutgoing` and their family), as a base class of
 * {@link Socket}: one concern, kept out of the socket's packet path. The lists are the shared toolbox's
 * {@link AnyListeners} (the client socket uses the same), created on first use: most sockets never have one.
 *
 * Owns: the socket.io method names over the two lists. Must never import the socket, namespace, connection or
 * server modules.
 *
 * @example
 * ```ts
 * io.on('connection', (socket) => {
 *   socket.onAny((event, ...args) => console.log('got', event, args));
 *   socket.onAnyOutgoing((event, ...args) => console.log('sent', event, args));
 * });
 * ```
 */
import type { Packet } from '../protocol/index.js';
import { AnyListeners } from '../util/any-listeners.js';
import { StrictEventEmitter, type EventsMap } from './typed-events.js';

/** A catch-all listener: the event name first, then its arguments. */
export type AnyListener = (event: string, ...args: any[]) => void;

/**
 * An EventEmitter with catch-all listeners for incoming and outgoing events.
 * @example
 * ```ts
 * socket.onAny((event, ...args) => console.log(event, args));
 * ```
 */
export abstract class AnyListenersEmitter<
  ListenEvents extends EventsMap,
  EmitEvents extends EventsMap,
  ReservedEvents extends EventsMap,
> extends StrictEventEmitter<ListenEvents, EmitEvents, ReservedEvents> {
  /** The incoming catch-all listeners (created on first use). */
  protected anyListeners: AnyListeners<AnyListener> | undefined;
  /** The outgoing catch-all listeners (created on first use). */
  protected anyOutgoingListeners: AnyListeners<AnyListener> | undefined;

  /**
   * Adds a listener fired for every incoming event, with the event name first.
   * @param listener the listener
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.onAny((event, ...args) => {
   *     console.log(`got ${event}`, args);
   *   });
   * });
   * ```
   */
  onAny(listener: AnyListener): this {
    (this.anyListeners ??= new AnyListeners()).add(listener);
    return this;
  }

  /**
   * Adds a catch-all listener first in the list.
   * @param listener the listener
   * @example
   * ```ts
   * socket.prependAny((event, ...args) => {
   *   console.log(`got ${event} (before the other catch-all listeners)`);
   * });
   * ```
   */
  prependAny(listener: AnyListener): this {
    (this.anyListeners ??= new AnyListeners()).prepend(listener);
    return this;
  }

  /**
   * Removes a catch-all listener, or all of them.
   * @param listener the listener
   * @example
   * ```ts
   * const listener = (event, ...args) => console.log(event, args);
   * socket.onAny(listener);
   * socket.offAny(listener);   // that one
   * socket.offAny();           // all of them
   * ```
   */
  offAny(listener?: AnyListener): this {
    this.anyListeners?.remove(listener);
    return this;
  }

  /**
   * @returns the catch-all listeners
   * @example
   * ```ts
   * console.log(socket.listenersAny().length);
   * ```
   */
  listenersAny(): AnyListener[] {
    return this.anyListeners === undefined ? [] : this.anyListeners.live();
  }

  /**
   * Adds a listener fired for every outgoing event, with the event name first.
   * @param listener the listener
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.onAnyOutgoing((event, ...args) => {
   *     console.log(`sent ${event}`, args);
   *   });
   * });
   * ```
   */
  onAnyOutgoing(listener: AnyListener): this {
    (this.anyOutgoingListeners ??= new AnyListeners()).add(listener);
    return this;
  }

  /**
   * Adds an outgoing catch-all listener first in the list.
   * @param listener the listener
   * @example
   * ```ts
   * socket.prependAnyOutgoing((event, ...args) => {
   *   console.log(`sent ${event} (seen first)`);
   * });
   * ```
   */
  prependAnyOutgoing(listener: AnyListener): this {
    (this.anyOutgoingListeners ??= new AnyListeners()).prepend(listener);
    return this;
  }

  /**
   * Removes an outgoing catch-all listener, or all of them.
   * @param listener the listener
   * @example
   * ```ts
   * const listener = (event, ...args) => console.log(event, args);
   * socket.onAnyOutgoing(listener);
   * socket.offAnyOutgoing(listener);   // that one
   * socket.offAnyOutgoing();           // all of them
   * ```
   */
  offAnyOutgoing(listener?: AnyListener): this {
    this.anyOutgoingListeners?.remove(listener);
    return this;
  }

  /**
   * @returns the outgoing catch-all listeners
   * @example
   * ```ts
   * console.log(socket.listenersAnyOutgoing().length);
   * ```
   */
  listenersAnyOutgoing(): AnyListener[] {
    return this.anyOutgoingListeners === undefined ? [] : this.anyOutgoingListeners.live();
  }

  /**
   * Calls the outgoing catch-all listeners with the arguments of an outgoing packet (adapters call it for each
   * recipient of a broadcast).
   * @param packet the packet
   * @example
   * ```ts
   * socket.notifyOutgoingListeners({ type: 2, nsp: '/', data: ['hello', 'world'] });
   * ```
   */
  notifyOutgoingListeners(packet: Packet): void {
    const any = this.anyOutgoingListeners;
    if (any === undefined || any.size === 0) return;
    any.fire(packet.data as Parameters<AnyListener>, this);
  }
}
