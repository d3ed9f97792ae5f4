/**
 * The namespaces of a server, by name, and the dynamic (parent) namespaces that create children on demand.
 *
 * Owns: the name → namespace map (socket.io's `io._nsps`), the matchers of dynamic namespaces and running them for
 * a name that is not a namespace yet. Announcing a new namespace is the server's (the `announce` function it
 * gives). Must never import the server or connection modules.
 *
 * @example
 * ```ts
 * io.namespaces.has('/admin');                  // whether the namespace exists
 * for (const nsp of io.namespaces.values()) console.log(nsp.name, nsp.sockets.size);
 * ```
 */
import { createLogger } from '../util/logger.js';
import { isThenable, type ErrorReporter } from './handler-errors.js';
import type { Namespace } from './namespace.js';
import type { ParentNamespace } from './parent-namespace.js';
import type { ParentNspNameMatchFn } from './server-options.js';
import type { DefaultEventsMap, EventsMap } from './typed-events.js';

const debug = createLogger('socketeer:server');

/**
 * The namespaces of one server.
 * @example
 * ```ts
 * const nsp = io.namespaces.get('/admin');
 * console.log([...io.namespaces.values()].map((n) => n.name));
 * ```
 */
export class NamespaceRegistry<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> {
  /** The namespaces, by name (socket.io's `io._nsps`). */
  readonly byName: Map<string, Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = new Map();
  private readonly parents: Map<ParentNspNameMatchFn, ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> =
    new Map();
  private readonly parentsFromRegExp: Map<RegExp, ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> =
    new Map();

  /**
   * @param errors where a failing dynamic namespace function is reported
   * @param announce called with each namespace registered, but the main one (`new_namespace`)
   * @example
   * ```ts
   * // created by the server
   * const registry = new NamespaceRegistry(errors, (nsp) => console.log('new namespace', nsp.name));
   * ```
   */
  constructor(
    private readonly errors: ErrorReporter,
    private readonly announce: (nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) => void,
  ) {}

  /**
   * @param name a namespace name
   * @returns the namespace, if it exists
   * @example
   * ```ts
   * const admin = io.namespaces.get('/admin');
   * ```
   */
  get(name: string): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | undefined {
    return this.byName.get(name);
  }

  /**
   * @param name a namespace name
   * @returns whether the namespace exists
   * @example
   * ```ts
   * if (!io.namespaces.has('/admin')) console.log('no one asked for /admin yet');
   * ```
   */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /**
   * @returns the namespaces
   * @example
   * ```ts
   * for (const nsp of io.namespaces.values()) console.log(nsp.name);
   * ```
   */
  values(): IterableIterator<Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> {
    return this.byName.values();
  }

  /**
   * Adds a namespace and announces it (`new_namespace` on the main namespace), but the main one.
   * @param nsp the namespace
   * @example
   * ```ts
   * io.namespaces.register(child);   // what a parent namespace does with each child it creates
   * ```
   */
  register(nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    this.byName.set(nsp.name, nsp);
    if (nsp.name !== '/') this.announce(nsp);
  }

  /**
   * Forgets a namespace (an emptied child of a dynamic namespace, with `cleanupEmptyChildNamespaces`).
   * @param nsp the namespace
   * @example
   * ```ts
   * io.namespaces.remove(child);
   * ```
   */
  remove(nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    this.byName.delete(nsp.name);
  }

  /**
   * Adds a dynamic namespace.
   * @param match a RegExp or a function deciding which names it accepts
   * @param parent the parent namespace
   * @example
   * ```ts
   * io.namespaces.addParent(/^\/team-\d+$/, parent);   // what io.of(/^\/team-\d+$/) does
   * ```
   */
  addParent(match: RegExp | ParentNspNameMatchFn, parent: ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>): void {
    if (typeof match === 'function') {
      this.parents.set(match, parent);
    } else {
      const regex = match;
      this.parents.set((nsp, _auth, next) => next(null, regex.test(nsp)), parent);
      this.parentsFromRegExp.set(regex, parent);
    }
  }

  /**
   * The dynamic namespace whose RegExp matches a name (functions are only run on a CONNECT: they may be async).
   * @param name the name
   * @returns the parent namespace, if any
   * @example
   * ```ts
   * const parent = io.namespaces.parentMatching('/team-42');
   * ```
   */
  parentMatching(name: string): ParentNamespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | undefined {
    for (const [regex, parent] of this.parentsFromRegExp) {
      if (regex.test(name)) {
        debug('attaching namespace %s to parent namespace %s', name, regex);
        return parent;
      }
    }
    return undefined;
  }

  /**
   * Runs the dynamic namespace matchers, in turn, for a name that is not a namespace yet; the first that accepts
   * it creates the child. A matcher that throws or rejects refuses the name (and is reported).
   * @param name the namespace name
   * @param auth the CONNECT payload
   * @param fn called with the (new) namespace, or false
   * @example
   * ```ts
   * io.namespaces.matchDynamic('/team-42', {}, (nsp) => console.log(nsp ? 'created' : 'refused'));
   * ```
   */
  matchDynamic(
    name: string,
    auth: Record<string, unknown>,
    fn: (nsp: Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> | false) => void,
  ): void {
    if (this.parents.size === 0) return fn(false);
    const keysIterator = this.parents.keys();
    const run = (): void => {
      const nextFn = keysIterator.next();
      if (nextFn.done) return fn(false);
      // a matcher that throws or rejects refuses the name (once: it may have answered before failing)
      let answered = false;
      const fail = (err: unknown, escape: 'throw' | 'reject') => {
        this.errors.report(err, 'namespace-predicate', name, undefined, undefined, escape);
        if (answered) return;
        answered = true;
        run();
      };
      try {
        const result: unknown = nextFn.value(name, auth, (err, allow) => {
          answered = true;
          if (err || !allow) return run();
          const existing = this.byName.get(name);
          if (existing) return fn(existing);
          const namespace = this.parents.get(nextFn.value)!.createChild(name);
          debug('dynamic namespace %s was created', name);
          fn(namespace);
        });
        if (isThenable(result)) result.then(undefined, (err) => fail(err, 'reject'));
      } catch (err) {
        fail(err, 'throw');
      }
    };
    run();
  }
}
