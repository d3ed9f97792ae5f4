/**
 * Errors of application code: what a listener, a middleware, a hook or an adapter throws (or the promise it
 * returns rejects with) is caught at the boundary where the library called it and reported here, so that one
 * failing handler never takes the process down.
 *
 * ```ts
 * const off = io.onError((err, { kind, nsp, socket, event }) => {
 *   logger.error({ err, kind, nsp, socketId: socket?.id, event });
 * });
 * ```
 *
 * With no listener the error is logged under `DEBUG=socketeer:server`. With `crashOnError: true` it is also
 * rethrown asynchronously, as an uncaught exception or an unhandled rejection depending on how socket.io would
 * have let it escape.
 *
 * Owns: the kinds of boundaries, the reporter contract ({@link ErrorReporter}) through which namespaces, sockets and
 * broadcast operators report, and the server's implementation ({@link HandlerErrors}). Must never import the
 * server, namespace, connection or socket modules (types only).
 */
import { createLogger } from '../util/logger.js';
import type { Socket } from './socket.js';

const debug = createLogger('socketeer:server');

/**
 * Where an application error was caught.
 * @example
 * ```ts
 * io.onError((err, { kind }) => { if (kind === 'middleware') console.warn(err); });
 * ```
 */
export type HandlerErrorKind =
  /** an event listener of a socket (`socket.on(ev)`, `onAny`, `disconnect`, `error`…) */
  | 'listener'
  /** a connection middleware (`io.use`, `nsp.use`): the client gets `connect_error` as with `next(err)` */
  | 'middleware'
  /** a packet middleware (`socket.use`) that throws or rejects: the event is dropped */
  | 'socket-middleware'
  /** a `connection` / `connect` listener of a namespace */
  | 'connection'
  /** the callback of an emit expecting an acknowledgement */
  | 'ack'
  /** a listener of an event sent by another server (`serverSideEmit`), or its acknowledgement callback */
  | 'server-side-emit'
  /** an adapter method called by the server (joining the socket's own room, leaving, saving a session) */
  | 'adapter'
  /** the function of a dynamic namespace (`io.of((name, auth, next) => …)`): the name is then refused */
  | 'namespace-predicate'
  /** a `new_namespace` listener or another listener of a namespace */
  | 'namespace-listener';

/** The context of an application error. */
export interface HandlerErrorContext {
  /** the boundary where the error was caught */
  kind: HandlerErrorKind;
  /** the namespace name (`/`, `/admin`…) */
  nsp: string;
  /** the socket whose handler failed, if any */
  socket?: Socket<any, any, any, any>;
  /** the event name, if any */
  event?: string;
}

/** A listener of application errors. */
export type HandlerErrorListener = (err: Error, context: HandlerErrorContext) => void;

/**
 * How the error would have escaped from socket.io: `throw` = an uncaught exception (thrown from a callback),
 * `reject` = an unhandled rejection (a rejected promise nobody awaited).
 */
export type Escape = 'throw' | 'reject';

/**
 * Where errors of application code are reported: the contract namespaces, sockets and broadcast operators use
 * (the server's `HandlerErrors` implements it).
 */
export interface ErrorReporter {
  /**
   * Reports an error caught at a boundary.
   * @param err what was thrown, or the rejection reason
   * @param kind the boundary
   * @param nsp the namespace name
   * @param socket the socket, if any
   * @param event the event name, if any
   * @param escape how socket.io would have let it escape (used with `crashOnError`)
   * @example
   * ```ts
   * try {
   *   listener(...args);
   * } catch (err) {
   *   reporter.report(err, 'listener', socket.nsp.name, socket, 'my-event');
   * }
   * ```
   */
  report(err: unknown, kind: HandlerErrorKind, nsp: string, socket?: Socket<any, any, any, any>, event?: string, escape?: Escape): void;
}

/**
 * The listeners of application errors of one server (`io.onError()` adds to them).
 *
 * @example
 * ```ts
 * const errors = new HandlerErrors(false);
 * const off = errors.add((err, { kind, nsp }) => console.error(kind, nsp, err));
 * errors.report(new Error('boom'), 'listener', '/');
 * off();
 * ```
 */
export class HandlerErrors implements ErrorReporter {
  private listeners: HandlerErrorListener[] = [];

  /**
   * @param crash whether errors are rethrown after being reported (`crashOnError`)
   * @example
   * ```ts
   * const errors = new HandlerErrors(false);   // the server creates one, from its `crashOnError` option
   * ```
   */
  constructor(readonly crash: boolean) {}

  /**
   * Adds a listener.
   * @param listener the listener
   * @returns a function removing it
   * @example
   * ```ts
   * const off = errors.add((err, context) => console.error(context.kind, err));
   * off();
   * ```
   */
  add(listener: HandlerErrorListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /**
   * Reports an error caught at a boundary.
   * @param err what was thrown, or the rejection reason
   * @param kind the boundary
   * @param nsp the namespace name
   * @param socket the socket, if any
   * @param event the event name, if any
   * @param escape how socket.io would have let it escape (used with `crashOnError`)
   * @example
   * ```ts
   * errors.report(err, 'middleware', nsp.name, socket, undefined, 'reject');
   * ```
   */
  report(err: unknown, kind: HandlerErrorKind, nsp: string, socket?: Socket<any, any, any, any>, event?: string, escape: Escape = 'throw'): void {
    const error = toError(err);
    const listeners = this.listeners;
    if (listeners.length === 0) {
      debug('error in %s (namespace %s%s%s): %s', kind, nsp, socket ? ', socket ' + socket.id : '', event !== undefined ? ', event ' + event : '', error.stack || error.message);
    } else {
      const context: HandlerErrorContext = { kind, nsp };
      if (socket !== undefined) context.socket = socket;
      if (event !== undefined) context.event = event;
      for (let i = 0; i < listeners.length; i++) {
        try {
          listeners[i]!(error, context);
        } catch (e) {
          const inner = toError(e);
          debug('error in an onError listener: %s', inner.stack || inner.message);
        }
      }
    }
    if (this.crash) {
      if (escape === 'reject') void Promise.reject(err);
      else process.nextTick(rethrow, err);
    }
  }
}

function rethrow(err: unknown): never {
  throw err;
}

/**
 * An Error for any thrown value (`throw 'x'` gives an Error with message `x` and the value as `cause`).
 * @param err the thrown value
 * @example
 * ```ts
 * toError('boom').message;   // 'boom'
 * ```
 */
export function toError(err: unknown): Error {
  if (err instanceof Error) return err;
  if (typeof err === 'object' && err !== null && typeof (err as Error).message === 'string') {
    const error: Error & { data?: unknown } = new Error((err as Error).message, { cause: err });
    if ('data' in err) error.data = (err as { data?: unknown }).data;
    return error;
  }
  return new Error(String(err), { cause: err });
}

/**
 * Calls application code, reporting what it throws (`throw`) or what its promise rejects with (`reject`).
 * @param errors the listeners of application errors
 * @param fn the function
 * @param thisArg `this` of the call
 * @param args the arguments
 * @param kind the boundary
 * @param nsp the namespace name
 * @param socket the socket, if any
 * @param event the event name, if any
 * @example
 * ```ts
 * callReported(nsp.errors, ack, socket, [null, answer], 'ack', nsp.name, socket);
 * ```
 */
export function callReported(
  errors: ErrorReporter,
  fn: (...args: any[]) => unknown,
  thisArg: unknown,
  args: readonly unknown[],
  kind: HandlerErrorKind,
  nsp: string,
  socket?: Socket<any, any, any, any>,
  event?: string,
): void {
  try {
    const result = fn.apply(thisArg, args as unknown[]);
    if (isThenable(result)) result.then(undefined, (err) => errors.report(err, kind, nsp, socket, event, 'reject'));
  } catch (err) {
    errors.report(err, kind, nsp, socket, event, 'throw');
  }
}

/**
 * Whether a value is a promise-like (a listener returned a promise).
 * @param value the value
 * @example
 * ```ts
 * if (isThenable(result)) result.then(undefined, report);
 * ```
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value != null && typeof (value as PromiseLike<unknown>).then === 'function';
}
