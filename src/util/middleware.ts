/**
 * The one middleware runner of Socketeer, used by every chain: the engine's HTTP middlewares
 * (`io.engine.use`), the connection middlewares (`io.use`, `nsp.use`) and the packet middlewares
 * (`socket.use`).
 *
 * It owns the rules every chain shares: middlewares run in turn, each receiving the chain's arguments and a
 * `next` callback; `next(err)` ends the chain with that error; `next()` from the last one ends it with
 * success; a second `next()` from the same middleware is ignored (reported through `onExtraNext`); a
 * middleware that throws, or returns a promise that rejects, is reported through `onThrow`, which decides
 * whether that ends the chain with the error.
 *
 * This module imports nothing: it is part of the shared toolbox (`src/util/`), which no other part of
 * Socketeer may be imported by.
 *
 * @example
 * ```ts
 * runChain([auth, limit], [socket], (err) => (err ? refuse(err) : accept()), {
 *   onThrow: (err, how, nextCalled) => !nextCalled, // a throw before `next` refuses the socket
 * });
 * ```
 */

/** The `next` callback given to a middleware. */
export type Next<E = unknown> = (err?: E | null) => void;

/** A middleware taking the chain's arguments `A`, then `next`. */
export type Middleware<A extends unknown[], E = unknown> = (...args: [...A, Next<E>]) => unknown;

/** How a middleware failed outside of `next(err)`. */
export type ThrowKind = 'throw' | 'reject';

/** What the chain does with failures that are not `next(err)`. */
export interface ChainHooks {
  /**
   * Called when a middleware throws synchronously or returns a promise that rejects.
   * @param err what was thrown
   * @param how `'throw'` for a synchronous throw, `'reject'` for a rejected promise
   * @param nextCalled whether the middleware had already called `next`
   * @returns `true` to end the chain with `err` (ignored when `next` was already called)
   */
  onThrow?(err: unknown, how: ThrowKind, nextCalled: boolean): boolean;
  /** Called when a middleware calls `next` a second time (the call is ignored). */
  onExtraNext?(index: number): void;
}

/** The default: a throw or a rejection before `next` ends the chain with the error. */
const DEFAULT_HOOKS: ChainHooks = { onThrow: (_err, _how, nextCalled) => !nextCalled };

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Runs `fns` in turn with `args`, then calls `done` once: with no argument when every middleware called
 * `next()`, with the error of the first `next(err)` (or of a failure `onThrow` accepted) otherwise. The list
 * is copied first, so a middleware added while the chain runs waits for the next run.
 * @param fns the middlewares
 * @param args the arguments each middleware receives before `next`
 * @param done called once when the chain ends
 * @param hooks what to do with throws and extra `next` calls
 * @example
 * ```ts
 * runChain(this.fns, [req, res], (err) => (err ? sendError(res, err) : handle(req, res)));
 * ```
 */
export function runChain<A extends unknown[], E = unknown>(
  fns: ReadonlyArray<Middleware<A, E>>,
  args: A,
  done: (err?: E | unknown) => void,
  hooks: ChainHooks = DEFAULT_HOOKS,
): void {
  const n = fns.length;
  if (n === 0) {
    done();
    return;
  }
  const list = fns.slice(0);
  let ended = false;
  const end = (err?: unknown): void => {
    if (ended) return;
    ended = true;
    if (err) done(err);
    else done();
  };
  const step = (i: number): void => {
    let called = false;
    const fail = (err: unknown, how: ThrowKind): void => {
      const stop = hooks.onThrow ? hooks.onThrow(err, how, called) : !called;
      if (called || !stop) return;
      called = true;
      end(err ? err : new Error('middleware failed'));
    };
    const next: Next<E> = (err) => {
      if (called) {
        hooks.onExtraNext?.(i);
        return;
      }
      called = true;
      if (err) return end(err);
      if (i + 1 === n) return end();
      step(i + 1);
    };
    try {
      const result = list[i]!(...args, next);
      if (isThenable(result)) result.then(undefined, (err: unknown) => fail(err, 'reject'));
    } catch (err) {
      fail(err, 'throw');
    }
  };
  step(0);
}

/**
 * Runs `fns` like {@link runChain} and returns a promise: resolved when the chain passes, rejected with the
 * error that ended it.
 * @param fns the middlewares
 * @param args the arguments each middleware receives before `next`
 * @param hooks what to do with throws and extra `next` calls
 * @example
 * ```ts
 * await runChainAsync(engineMiddlewares, [req, res]);
 * ```
 */
export function runChainAsync<A extends unknown[], E = unknown>(
  fns: ReadonlyArray<Middleware<A, E>>,
  args: A,
  hooks?: ChainHooks,
): Promise<void> {
  return new Promise((resolve, reject) => runChain(fns, args, (err) => (err ? reject(err) : resolve()), hooks));
}
