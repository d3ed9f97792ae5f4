/**
 * Dynamic namespaces: a parent namespace created by `io.of(regexp)` or `io.of((name, auth, next) => …)` spawns a
 * child namespace for each accepted name, sharing its middlewares and connection listeners.
 *
 * ```ts
 * const parent = io.of(/^\/dynamic-\d+$/);
 * parent.on('connection', (socket) => { const child = socket.nsp; }); // child.name === '/dynamic-101'
 * parent.emit('hello'); // reaches the sockets of every child
 * ```
 *
 * Owns: the children of a dynamic namespace and their cleanup (through the child's `onEmpty` hook). Must never
 * import the connection module nor mutate a child beyond its public API.
 */
import { createLogger } from '../util/logger.js';
import type { Packet } from '../protocol/index.js';
import { Adapter, type AdapterNamespace, type BroadcastOptions } from './adapter.js';
import type { RemoteSocket } from './broadcast-operator.js';
import { Namespace } from './namespace.js';
import type { Server } from './server.js';
import type { DefaultEventsMap, EventNamesWithoutAck, EventParams, EventsMap } from './typed-events.js';

const debug = createLogger('socketeer:parent-namespace');

/**
 * A namespace holding the child namespaces created from a regular expression or a function.
 * @example
 * ```ts
 * const teams = io.of(/^\/team-\d+$/);
 * teams.use((socket, next) => next());
 * teams.on('connection', (socket) => console.log(socket.nsp.name));
 * ```
 */
export class ParentNamespace<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  private static count = 0;
  /** The child namespaces. */
  readonly children: Set<Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>> = new Set();

  /**
   * @param server the server
   * @example
   * ```ts
   * // created by io.of() with a RegExp or a function
   * const parent = io.of(/^\/team-\d+$/);
   * ```
   */
  constructor(server: Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>) {
    super(server, '/_' + ParentNamespace.count++);
  }

  /**
   * A parent's adapter only broadcasts, to every child.
   * @example
   * ```ts
   * io.of(/^\/team-\d+$/).emit('hello');   // through this adapter, to every child
   * ```
   */
  override initAdapter(): void {
    this.adapter = new ParentBroadcastAdapter(this);
  }

  /**
   * Emits to the sockets of every child namespace.
   * @param ev the event name
   * @param args the arguments
   * @returns true
   * @example
   * ```ts
   * io.of(/^\/team-\d+$/).emit('hello');   // to every client of every matching namespace
   * ```
   */
  override emit<Ev extends EventNamesWithoutAck<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    for (const nsp of this.children) nsp.emit(ev, ...args);
    return true;
  }

  /**
   * Creates a child namespace.
   * @param name the namespace name
   * @returns the child
   * @example
   * ```ts
   * const parent = io.of(/^\/team-\d+$/);
   * parent.on('connection', (socket) => console.log(socket.nsp.name));   // children created on demand, e.g. '/team-42'
   * ```
   */
  createChild(name: string): Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
    debug('creating child namespace %s', name);
    const namespace = new Namespace<ListenEvents, EmitEvents, ServerSideEvents, SocketData>(this.server, name);
    for (const fn of this._fns) namespace.use(fn);
    for (const listener of this.listeners('connect')) namespace.on('connect', listener);
    for (const listener of this.listeners('connection')) namespace.on('connection', listener);
    this.children.add(namespace);
    if (this.server.opts.cleanupEmptyChildNamespaces) {
      namespace.onEmpty(() => {
        debug('closing child namespace %s', name);
        namespace.adapter.close();
        this.server.namespaces.remove(namespace);
        this.children.delete(namespace);
      });
    }
    this.server.namespaces.register(namespace);
    return namespace;
  }

  /**
   * Not supported: a child may exist on one server of a cluster and not on another.
   * @example
   * ```ts
   * // not supported here: fetch from a child namespace instead
   * const sockets = await io.of('/team-42').fetchSockets();
   * ```
   */
  override fetchSockets(): Promise<RemoteSocket<EmitEvents, SocketData>[]> {
    throw new Error('fetchSockets() is not supported on parent namespaces');
  }
}

/** An adapter that only broadcasts, to every child namespace. */
class ParentBroadcastAdapter extends Adapter {
  /**
   * @param parent the parent namespace
   */
  constructor(private readonly parent: AdapterNamespace & { readonly children: Iterable<{ readonly name: string; readonly adapter: Adapter }> }) {
    super(parent);
  }

  override broadcast(packet: Packet, opts: BroadcastOptions): boolean {
    let full = false;
    for (const nsp of this.parent.children) {
      // each child encodes (and may extend, with an offset) its own copy
      const copy: Packet = { type: packet.type, nsp: nsp.name, data: Array.isArray(packet.data) ? packet.data.slice() : packet.data };
      if (nsp.adapter.broadcast(copy, opts) === false) full = true;
    }
    return !full;
  }
}
