/**
 * Typed events: the user's event maps flow from `Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>`
 * down to every `on`, `emit`, `emitWithAck` and `timeout().emit`, so a wrong event name or argument is a compile error.
 *
 * ```ts
 * interface ClientToServer { hello: (name: string, ack: (greeting: string) => void) => void }
 * interface ServerToClient { tick: (n: number) => void }
 * const io = new Server<ClientToServer, ServerToClient>();
 * io.on('connection', (socket) => socket.on('hello', (name, ack) => ack(`hi ${name}`)));
 * io.emit('tick', 1);
 * ```
 *
 * The types both sides share (event maps, listener lookup, the typed emitter contract) come from
 * `src/util/typed-events.ts`; this file adds what only the server needs: the acknowledgement decorations of
 * broadcasts and `timeout()`, and `StrictEventEmitter` on Node's `EventEmitter`. It must never import client code.
 */
import { EventEmitter } from 'node:events';
import type {
  EventNames,
  EventParams,
  EventsMap,
  ReservedOrUserEventNames,
  ReservedOrUserListener,
  TypedEventBroadcaster,
  TypedEventTarget,
} from '../util/typed-events.js';

export type {
  AllButLast,
  DefaultEventsMap,
  EventNames,
  EventParams,
  EventsMap,
  ReservedOrUserEventNames,
  ReservedOrUserListener,
  TypedEventBroadcaster,
  TypedEventTarget,
} from '../util/typed-events.js';

type IsAny<T> = 0 extends 1 & T ? true : false;
type IfAny<T, TypeIfAny = true, TypeIfNotAny = false> = IsAny<T> extends true ? TypeIfAny : TypeIfNotAny;

/** The last element of a tuple. */
export type Last<ValueType extends readonly unknown[]> = ValueType extends readonly [infer ElementType]
  ? ElementType
  : ValueType extends readonly [infer _, ...infer Tail]
    ? Last<Tail>
    : ValueType extends ReadonlyArray<infer ElementType>
      ? ElementType
      : never;

/** The names of the events whose last parameter is an acknowledgement callback. */
export type EventNamesWithAck<Map extends EventsMap, K extends EventNames<Map> = EventNames<Map>> = IfAny<
  Last<Parameters<Map[K]>> | Map[K],
  K,
  K extends (
    Parameters<Map[K]> extends never[] ? never : Last<Parameters<Map[K]>> extends (...args: any[]) => any ? K : never
  )
    ? K
    : never
>;

/** The names of the events without an acknowledgement callback. */
export type EventNamesWithoutAck<Map extends EventsMap, K extends EventNames<Map> = EventNames<Map>> = IfAny<
  Last<Parameters<Map[K]>> | Map[K],
  K,
  K extends (Parameters<Map[K]> extends never[] ? K : never)
    ? K
    : K extends (Last<Parameters<Map[K]>> extends (...args: any[]) => any ? never : K)
      ? K
      : never
>;

/** The events of a map that take no acknowledgement. */
export type RemoveAcknowledgements<E extends EventsMap> = {
  [K in EventNamesWithoutAck<E>]: E[K];
};

type LooseParameters<T> = T extends (...args: infer P) => any ? P : never;

/** The names of the events whose acknowledgement takes an error first (after `timeout()`). */
export type EventNamesWithError<Map extends EventsMap, K extends EventNamesWithAck<Map> = EventNamesWithAck<Map>> = IfAny<
  Last<Parameters<Map[K]>> | Map[K],
  K,
  K extends (LooseParameters<Last<Parameters<Map[K]>>>[0] extends Error ? K : never) ? K : never
>;

/** The first type of a tuple that is not an Error. */
export type FirstNonErrorTuple<T extends unknown[]> = T[0] extends Error ? T[1] : T[0];
/** The first non-Error parameter of a function. */
export type FirstNonErrorArg<T> = T extends (...args: infer Params) => any ? FirstNonErrorTuple<Params> : any;

type PrependTimeoutError<T extends any[]> = {
  [K in keyof T]: T[K] extends (...args: infer Params) => infer Result
    ? Params[0] extends Error
      ? T[K]
      : (err: Error, ...args: Params) => Result
    : T[K];
};

/** Each element of a tuple as an array. */
export type MultiplyArray<T extends unknown[]> = {
  [K in keyof T]: T[K][];
};

type InferFirstAndPreserveLabel<T extends any[]> = T extends [any, ...infer R]
  ? T extends [...infer H, ...R]
    ? H
    : never
  : never;

type ExpectMultipleResponses<T extends any[]> = {
  [K in keyof T]: T[K] extends (...args: infer Params) => infer Result
    ? Params extends [Error]
      ? (err: Error) => Result
      : Params extends [Error, ...infer Rest]
        ? (err: Error, ...args: InferFirstAndPreserveLabel<MultiplyArray<Rest>>) => Result
        : Params extends []
          ? () => Result
          : (...args: InferFirstAndPreserveLabel<MultiplyArray<Params>>) => Result
    : T[K];
};

/** Acknowledgements receive an error first (what `timeout()` does). */
export type DecorateAcknowledgements<E> = {
  [K in keyof E]: E[K] extends (...args: infer Params) => infer Result
    ? (...args: PrependTimeoutError<Params>) => Result
    : E[K];
};

/** Acknowledgements receive an error first and one response per recipient (server-side emits with timeout). */
export type DecorateAcknowledgementsWithTimeoutAndMultipleResponses<E> = {
  [K in keyof E]: E[K] extends (...args: infer Params) => infer Result
    ? (...args: ExpectMultipleResponses<PrependTimeoutError<Params>>) => Result
    : E[K];
};

/** Acknowledgements receive one response per recipient (broadcasts). */
export type DecorateAcknowledgementsWithMultipleResponses<E> = {
  [K in keyof E]: E[K] extends (...args: infer Params) => infer Result
    ? (...args: ExpectMultipleResponses<Params>) => Result
    : E[K];
};

const emitUntypedImpl = EventEmitter.prototype.emit;

/**
 * An EventEmitter whose `on`/`once`/`emit` are typed by the event maps. `emit` is what the user sends;
 * `emitReserved` fires the library's own events locally.
 */
export abstract class StrictEventEmitter<
    ListenEvents extends EventsMap,
    EmitEvents extends EventsMap,
    ReservedEvents extends EventsMap = {},
  >
  extends EventEmitter
  implements TypedEventBroadcaster<EmitEvents>, TypedEventTarget<ListenEvents, ReservedEvents>
{
  /**
   * Adds a listener.
   * @param ev the event name
   * @param listener the callback
   * @returns this
   */
  override on<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return super.on(ev, listener as (...args: any[]) => void);
  }

  /**
   * Adds a one-time listener.
   * @param ev the event name
   * @param listener the callback
   * @returns this
   */
  override once<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this {
    return super.once(ev, listener as (...args: any[]) => void);
  }

  /**
   * Emits an event.
   * @param ev the event name
   * @param args the arguments
   * @returns true
   */
  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    return super.emit(ev, ...args);
  }

  /**
   * Fires a reserved event to the local listeners.
   * @param ev the reserved event name
   * @param args the arguments
   */
  protected emitReserved<Ev extends EventNames<ReservedEvents>>(ev: Ev, ...args: EventParams<ReservedEvents, Ev>): boolean {
    return emitUntypedImpl.call(this, ev, ...args);
  }

  /**
   * Fires any event to the local listeners, without type checks.
   * @param ev the event name
   * @param args the arguments
   */
  protected emitUntyped(ev: string, ...args: any[]): boolean {
    return emitUntypedImpl.call(this, ev, ...args);
  }

  /**
   * Returns the listeners of an event.
   * @param event the event name
   */
  override listeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    event: Ev,
  ): ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>[] {
    return super.listeners(event) as ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>[];
  }
}
