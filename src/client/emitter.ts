/**
 * A small event emitter with the semantics of `@socket.io/component-emitter` (used by the
 * reference client): listeners run in registration order on a snapshot of the list, `once`
 * wrappers can be removed through the original function, and `emitReserved` lets the library
 * fire its own events while `emit` stays available for subclasses to redefine.
 */
import type {
  EventNames,
  EventParams,
  EventsMap,
  ReservedOrUserEventNames,
  ReservedOrUserListener,
  TypedEventTarget,
} from './typed-events.js';

type Listener = ((...args: any[]) => void) & { fn?: (...args: any[]) => void };

/**
 * Typed event emitter.
 * @typeParam ListenEvents events that can be listened to
 * @typeParam EmitEvents events that can be emitted
 * @typeParam ReservedEvents events only the library emits
 */
export class Emitter<ListenEvents extends EventsMap, EmitEvents extends EventsMap, ReservedEvents extends EventsMap = {}>
  implements TypedEventTarget<ListenEvents, ReservedEvents>
{
  private _callbacks: Map<string | symbol, Listener[]> = new Map();

  /**
   * Adds a listener.
   * @param ev event name
   * @param listener called with the event's arguments
   */
  on<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    const list = this._callbacks.get(ev);
    if (list === undefined) this._callbacks.set(ev, [listener as Listener]);
    else list.push(listener as Listener);
    return this;
  }

  /** Alias of {@link on}. */
  addEventListener<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return this.on(ev, listener);
  }

  /**
   * Adds a listener removed after its first call.
   * @param ev event name
   * @param listener called once
   */
  once<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    const self = this;
    const wrapper: Listener = function (this: unknown, ...args: unknown[]) {
      self.off(ev, wrapper as never);
      (listener as Listener).apply(this, args);
    };
    wrapper.fn = listener as Listener;
    return this.on(ev, wrapper as never);
  }

  /**
   * Removes one listener, every listener of an event, or every listener.
   * @param ev event name (all events when omitted)
   * @param listener the listener (all of the event's when omitted)
   */
  off<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev?: Ev,
    listener?: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    if (ev === undefined) {
      this._callbacks.clear();
      return this;
    }
    if (listener === undefined) {
      this._callbacks.delete(ev);
      return this;
    }
    const list = this._callbacks.get(ev);
    if (list === undefined) return this;
    for (let i = 0; i < list.length; i++) {
      const cb = list[i]!;
      if (cb === listener || cb.fn === listener) {
        list.splice(i, 1);
        break;
      }
    }
    if (list.length === 0) this._callbacks.delete(ev);
    return this;
  }

  /** Alias of {@link off}. */
  removeListener<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev?: Ev,
    listener?: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return this.off(ev, listener);
  }

  /** Alias of {@link off}. */
  removeEventListener<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev?: Ev,
    listener?: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return this.off(ev, listener);
  }

  /**
   * Removes every listener of an event, or of all events.
   * @param ev event name (all events when omitted)
   */
  removeAllListeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(ev?: Ev): this {
    return this.off(ev);
  }

  /**
   * Calls the listeners of an event.
   * @param ev event name
   * @param args the event's arguments
   */
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): this;
  emit(ev: string | symbol, ...args: any[]): this {
    return this.fire(ev, args);
  }

  /**
   * Calls the listeners of one of the library's own events.
   * @param ev reserved event name
   * @param args the event's arguments
   */
  protected emitReserved<Ev extends EventNames<ReservedEvents>>(ev: Ev, ...args: EventParams<ReservedEvents, Ev>): this {
    return this.fire(ev, args);
  }

  /** Calls listeners with an argument array. */
  protected fire(ev: string | symbol, args: unknown[]): this {
    const list = this._callbacks.get(ev);
    if (list === undefined) return this;
    if (list.length === 1) {
      list[0]!.apply(this, args);
      return this;
    }
    const snapshot = list.slice();
    for (let i = 0; i < snapshot.length; i++) snapshot[i]!.apply(this, args);
    return this;
  }

  /**
   * Lists the listeners of an event.
   * @param ev event name
   */
  listeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
  ): ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>[] {
    return (this._callbacks.get(ev) ?? []) as never;
  }

  /**
   * Tells whether an event has listeners.
   * @param ev event name
   */
  hasListeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(ev: Ev): boolean {
    return !!this._callbacks.get(ev)?.length;
  }
}

/**
 * Subscribes and returns the matching unsubscribe function.
 * @param obj the emitter
 * @param ev event name
 * @param fn the listener
 */
export function on(obj: { on(ev: any, fn: any): unknown; off(ev: any, fn: any): unknown }, ev: string, fn: (...args: any[]) => void): () => void {
  obj.on(ev, fn);
  return () => {
    obj.off(ev, fn);
  };
}
