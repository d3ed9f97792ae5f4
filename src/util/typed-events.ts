/**
 * Typed events shared by the client and the server: the user's event maps (`EventsMap`) carried through `on`,
 * `once`, `emit` and `listeners`, so that a wrong event name or argument is a compile-time error. Part of the
 * shared toolbox (`src/util/`): types only, it imports nothing at all (the client bundle includes it, so it must
 * never import a Node.js built-in or anything else from `src/`).
 *
 * What lives here is what both sides mean the same way: the map types, the reserved-or-user listener lookup and
 * the typed emitter contract (`TypedEventTarget`, `TypedEventBroadcaster`). Each side keeps its own emitter class
 * (the server's extends Node's `EventEmitter`, the client's is browser-safe) and its own acknowledgement
 * decorations, which differ as they do between `socket.io` and `socket.io-client`.
 *
 * @example
 * ```ts
 * interface ServerToClient { news: (title: string) => void }
 * interface ClientToServer { join: (room: string, ack: (ok: boolean) => void) => void }
 * type NewsArgs = EventParams<ServerToClient, 'news'>;          // [title: string]
 * type Names = EventNames<ClientToServer>;                      // 'join'
 * ```
 */

/**
 * A map of event names to listener signatures.
 * @example
 * ```ts
 * interface ChatEvents extends EventsMap { message: (text: string) => void }
 * ```
 */
export interface EventsMap {
  // `any` as in socket.io: an index signature of `any` accepts every user interface (one of `unknown` would not)
  [event: string]: any;
}

/**
 * The map used when none is given: any event, any arguments.
 * @example
 * ```ts
 * const socket: Socket<DefaultEventsMap> = io();
 * ```
 */
export interface DefaultEventsMap {
  [event: string]: (...args: any[]) => void;
}

/** The event names of a map. */
export type EventNames<Map extends EventsMap> = keyof Map & (string | symbol);

/** The parameters of the listener of event `Ev`. */
export type EventParams<Map extends EventsMap, Ev extends EventNames<Map>> = Parameters<Map[Ev]>;

/** Names of either the library's reserved events or the user's events. */
export type ReservedOrUserEventNames<ReservedEvents extends EventsMap, UserEvents extends EventsMap> =
  | EventNames<ReservedEvents>
  | EventNames<UserEvents>;

/** An untyped listener, used when an event is in neither map. */
type FallbackToUntypedListener<T> = [T] extends [never] ? (...args: any[]) => void | Promise<void> : T;

/** The listener type of event `Ev`, reserved events first. */
export type ReservedOrUserListener<
  ReservedEvents extends EventsMap,
  UserEvents extends EventsMap,
  Ev extends ReservedOrUserEventNames<ReservedEvents, UserEvents>,
> = FallbackToUntypedListener<
  Ev extends EventNames<ReservedEvents> ? ReservedEvents[Ev] : Ev extends EventNames<UserEvents> ? UserEvents[Ev] : never
>;

/** A tuple without its last element. */
export type AllButLast<T extends any[]> = T extends [...infer H, infer _L] ? H : any[];

/**
 * Anything that can emit typed events (a socket, a namespace, a broadcast operator).
 * @example
 * ```ts
 * function greet(target: TypedEventBroadcaster<{ hello: (name: string) => void }>) {
 *   target.emit('hello', 'world');
 * }
 * ```
 */
export interface TypedEventBroadcaster<EmitEvents extends EventsMap> {
  emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): unknown;
}

/**
 * The typed emitter contract both emitters implement (the server's `StrictEventEmitter`, the client's
 * `Emitter`): listening is typed by the user's events and the library's reserved events.
 * @example
 * ```ts
 * function logConnects(target: TypedEventTarget<{}, { connect: () => void }>) {
 *   target.on('connect', () => console.log('connected'));
 * }
 * ```
 */
export interface TypedEventTarget<ListenEvents extends EventsMap, ReservedEvents extends EventsMap = {}> {
  on<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this;
  once<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
    listener: ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>,
  ): this;
  listeners<Ev extends ReservedOrUserEventNames<ReservedEvents, ListenEvents>>(
    ev: Ev,
  ): ReservedOrUserListener<ReservedEvents, ListenEvents, Ev>[];
}
