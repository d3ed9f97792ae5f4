/**
 * Type helpers that carry the application's event maps through `on`, `emit` and acks, so that a
 * wrong event name or argument is a compile-time error.
 *
 * ```ts
 * interface ServerToClient { news: (title: string) => void }
 * interface ClientToServer { join: (room: string, ack: (ok: boolean) => void) => void }
 * const socket: Socket<ServerToClient, ClientToServer> = io();
 * socket.on('news', (title) => title.toUpperCase());
 * socket.emit('join', 'lobby', (ok) => console.log(ok));
 * ```
 */

/** A map of event names to listener signatures. */
export interface EventsMap {
  [event: string]: any;
}

/** The map used when none is given: any event, any arguments. */
export interface DefaultEventsMap {
  [event: string]: (...args: any[]) => void;
}

/** The event names of a map. */
export type EventNames<Map extends EventsMap> = keyof Map & (string | symbol);

/** The parameters of the listener of event `Ev`. */
export type EventParams<Map extends EventsMap, Ev extends EventNames<Map>> = Parameters<Map[Ev]>;

/** Names of either the library's reserved events or the user's events. */
export type ReservedOrUserEventNames<Reserved extends EventsMap, User extends EventsMap> =
  | EventNames<Reserved>
  | EventNames<User>;

type FallbackToUntypedListener<T> = [T] extends [never] ? (...args: any[]) => void | Promise<void> : T;

/** The listener type for event `Ev`, reserved events first. */
export type ReservedOrUserListener<
  Reserved extends EventsMap,
  User extends EventsMap,
  Ev extends ReservedOrUserEventNames<Reserved, User>,
> = FallbackToUntypedListener<
  Ev extends EventNames<Reserved> ? Reserved[Ev] : Ev extends EventNames<User> ? User[Ev] : never
>;

type PrependTimeoutError<T extends any[]> = {
  [K in keyof T]: T[K] extends (...args: infer Params) => infer Result ? (err: Error, ...args: Params) => Result : T[K];
};

/** Ack callbacks of every event get an `Error` first argument (used by `timeout(ms).emit`). */
export type DecorateAcknowledgements<E> = {
  [K in keyof E]: E[K] extends (...args: infer Params) => infer Result ? (...args: PrependTimeoutError<Params>) => Result : E[K];
};

/** The last element of a tuple. */
export type Last<T extends any[]> = T extends [...infer _H, infer L] ? L : any;
/** A tuple without its last element. */
export type AllButLast<T extends any[]> = T extends [...infer H, infer _L] ? H : any[];
/** The first parameter of a function type. */
export type FirstArg<T> = T extends (arg: infer Param) => any ? Param : any;
