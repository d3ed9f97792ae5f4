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
 *
 * The types both sides share come from `src/util/typed-events.ts`; this file adds the client's own
 * acknowledgement helpers (`socket.io-client`'s `DecorateAcknowledgements`, `Last`, `FirstArg`).
 * It must never import server code.
 */

export type {
  EventsMap,
  DefaultEventsMap,
  EventNames,
  EventParams,
  ReservedOrUserEventNames,
  ReservedOrUserListener,
  AllButLast,
  TypedEventTarget,
} from '../util/typed-events.js';

type PrependTimeoutError<T extends any[]> = {
  [K in keyof T]: T[K] extends (...args: infer Params) => infer Result ? (err: Error, ...args: Params) => Result : T[K];
};

/** Ack callbacks of every event get an `Error` first argument (used by `timeout(ms).emit`). */
export type DecorateAcknowledgements<E> = {
  [K in keyof E]: E[K] extends (...args: infer Params) => infer Result ? (...args: PrependTimeoutError<Params>) => Result : E[K];
};

/** The last element of a tuple. */
export type Last<T extends any[]> = T extends [...infer _H, infer L] ? L : any;
/** The first parameter of a function type. */
export type FirstArg<T> = T extends (arg: infer Param) => any ? Param : any;
