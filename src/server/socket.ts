/**
 * The server side of one client in one namespace, on the event path: the connection hands it each packet of its
 * namespace ({@link Socket.handlePacket}); it runs the packet middlewares, fires the listeners, and writes its
 * packets and acknowledgements back through the connection ({@link SocketLink.writePacket}).
 *
 * Owns: packet dispatch (EVENT, ACK, DISCONNECT), the ack ids and callbacks both ways, the packet middlewares
 * (`socket.use`). Joining, leaving and the socket's state are in `socket-base.ts`, the emit modifiers in
 * `socket-operators.ts`, the contracts in `socket-link.ts`. It must never import the connection or the server, and
 * imports the namespace for the type of `socket.nsp` only.
 *
 * ```ts
 * io.on('connection', (socket) => {
 *   socket.join('room1');
 *   socket.on('hello', (name, ack) => ack(`hi ${name}`));
 *   socket.emit('welcome', { id: socket.id });
 *   socket.on('disconnect', (reason) => {});
 * });
 * ```
 */
import { EventEmitter } from 'node:events';
import { createLogger } from '../util/logger.js';
import { runChain, type ChainHooks } from '../util/middleware.js';
import { PacketType, type Packet } from '../protocol/index.js';
import type { WriteOptions } from './adapter.js';
import { callReported, type Escape, type HandlerErrorKind } from './handler-errors.js';
import { SocketBase } from './socket-base.js';
import type { Event, PacketMiddleware } from './socket-link.js';
import { WRITE_DEFAULT, writeOptionsOf } from './socket-operators.js';
import { RESERVED_EVENTS } from './socket-types.js';
import { drained } from './slow-client.js';
import type {
  AllButLast,
  DefaultEventsMap,
  EventNames,
  EventNamesWithAck,
  EventParams,
  EventsMap,
  FirstNonErrorArg,
  Last,
} from './typed-events.js';

export { RECOVERABLE_DISCONNECT_REASONS } from './socket-link.js';
export type { Event, PacketMiddleware, SocketHost, SocketLink, SocketRef } from './socket-link.js';

const debug = createLogger('socketeer:socket');

const eventEmitterEmit = EventEmitter.prototype.emit as (this: unknown, ...args: any[]) => boolean;

/**
 * A client connected to a namespace. `emit` sends to the client; listeners receive the client's events.
 * @example
 * ```ts
 * io.on('connection', (socket) => {
 *   socket.on('hello', (name, ack) => ack(`hi ${name}`));
 * });
 * ```
 */
export class Socket<
  ListenEvents extends EventsMap = DefaultEventsMap,
  EmitEvents extends EventsMap = ListenEvents,
  ServerSideEvents extends EventsMap = DefaultEventsMap,
  SocketData = any,
> extends SocketBase<ListenEvents, EmitEvents, ServerSideEvents, SocketData> {
  /** Pending acknowledgement callbacks (created on first use: most sockets never wait for one). */
  private ackCallbacks: Map<number, (...args: unknown[]) => void> | undefined;
  /** The packet middlewares (created on first `use`). */
  private fns: PacketMiddleware[] | undefined;

  /**
   * Reports an error of application code concerning this socket.
   * @param err what was thrown or the rejection reason
   * @param kind the boundary
   * @param event the event name, if any
   * @param escape how socket.io would have let it escape
   */
  protected override reportError(err: unknown, kind: HandlerErrorKind, event?: string, escape: Escape = 'throw'): void {
    this.host.errors.report(err, kind, this.host.name, this, event, escape);
  }

  /**
   * Emits an event to the client. A function as last argument is called with the client's acknowledgement
   * (after `timeout(ms)`: with an error first).
   * @param ev the event name
   * @param args the arguments
   * @returns false when the connection is over its high-water mark (the packet is queued all the same, unless
   *   volatile): wait for {@link drained} before sending more; true otherwise
   * @throws Error if the event name is reserved
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.emit('hello', 'world');
   *   socket.emit('with-binary', 1, '2', { 3: '4', 5: Buffer.from([6]) });
   *   socket.emit('with-ack', 'question', (answer) => {
   *     console.log(answer);   // what the client passed to its callback
   *   });
   * });
   * ```
   */
  override emit<Ev extends EventNames<EmitEvents>>(ev: Ev, ...args: EventParams<EmitEvents, Ev>): boolean {
    if (RESERVED_EVENTS.has(ev)) throw new Error(`"${String(ev)}" is a reserved event name`);
    // the rest array becomes the packet data: no second array
    const data = args as unknown[];
    data.unshift(ev);
    const packet: Packet = { type: PacketType.EVENT, nsp: this.nsp.name, data };
    const flags = this.takeFlags();
    if (typeof data[data.length - 1] === 'function') {
      const id = this.host.nextAckId();
      if (debug.enabled) debug('emitting packet with ack id %d', id);
      this.registerAckCallback(id, data.pop() as (...args: any[]) => void, flags.timeout);
      packet.id = id;
    }
    if (this.host.recoveryEnabled) {
      // stored by the adapter, with an offset, so that it can be replayed after a reconnection
      this.adapter.broadcast(packet, { rooms: new Set([this.id]), except: new Set(), flags });
    } else {
      this.notifyOutgoingListeners(packet);
      this.client.writePacket(packet, writeOptionsOf(flags));
    }
    return this.client.conn.writableNeedDrain !== true;
  }

  /**
   * Resolves once the connection is under its high-water mark: at once if it is, else when it drains back under
   * its low-water mark (the `drain` event of `socket.conn`). Rejects if the connection closes first.
   * @returns a promise of the drain
   * @example
   * ```ts
   * io.on('connection', async (socket) => {
   *   for (const chunk of chunks) {
   *     if (!socket.emit('chunk', chunk)) await socket.drained();   // the client reads slowly: wait for it
   *   }
   * });
   * ```
   */
  drained(): Promise<void> {
    return drained(this.client.conn);
  }

  /**
   * Emits an event and waits for the client's acknowledgement.
   * @param ev the event name
   * @param args the arguments (without callback)
   * @returns the first argument of the acknowledgement; rejects on timeout (with `timeout(ms)`)
   * @example
   * ```ts
   * io.on('connection', async (socket) => {
   *   // with a timeout: rejects when the client does not answer in time
   *   try {
   *     const answer = await socket.timeout(5000).emitWithAck('hello', 'world');
   *   } catch (err) {
   *     // the client did not acknowledge the event within 5 s
   *   }
   * });
   * ```
   */
  emitWithAck<Ev extends EventNamesWithAck<EmitEvents>>(
    ev: Ev,
    ...args: AllButLast<EventParams<EmitEvents, Ev>>
  ): Promise<FirstNonErrorArg<Last<EventParams<EmitEvents, Ev>>>> {
    const withErr = this.flags.timeout !== undefined;
    return new Promise((resolve, reject) => {
      args.push((arg1: any, arg2: any) => {
        if (withErr) return arg1 ? reject(arg1) : resolve(arg2);
        return resolve(arg1);
      });
      (this.emit as (ev: string, ...args: any[]) => boolean)(ev as string, ...args);
    });
  }

  /**
   * Pending acknowledgement callbacks, by ack id (adapters delete the entries of a broadcast that timed out).
   * @example
   * ```ts
   * console.log(socket.acks.size);   // emits still waiting for the client's acknowledgement
   * ```
   */
  get acks(): Map<number, (...args: unknown[]) => void> {
    return (this.ackCallbacks ??= new Map());
  }

  private registerAckCallback(id: number, ack: (...args: any[]) => void, timeout: number | undefined): void {
    if (timeout === undefined) {
      this.acks.set(id, ack);
      return;
    }
    const timer = setTimeout(() => {
      if (debug.enabled) debug('event with ack id %d has timed out after %d ms', id, timeout);
      this.acks.delete(id);
      callReported(this.host.errors, ack, this, [new Error('operation has timed out')], 'ack', this.nsp.name, this);
    }, timeout);
    this.acks.set(id, (...args: any[]) => {
      clearTimeout(timer);
      return ack.call(this, null, ...args);
    });
  }

  /**
   * Sends a `message` event.
   * @param args the arguments
   * @returns this
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.send('hello');   // received by socket.on('message') on the client
   * });
   * ```
   */
  send(...args: EventParams<EmitEvents, 'message'>): this {
    (this.emit as (ev: string, ...args: any[]) => boolean)('message', ...args);
    return this;
  }

  /**
   * Sends a `message` event. Alias of {@link send}.
   * @param args the arguments
   * @returns this
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.write('hello');   // same as socket.send()
   * });
   * ```
   */
  write(...args: EventParams<EmitEvents, 'message'>): this {
    (this.emit as (ev: string, ...args: any[]) => boolean)('message', ...args);
    return this;
  }

  /**
   * Writes a packet of this namespace to the client.
   * @param packet the packet
   * @param opts write options
   * @example
   * ```ts
   * socket.packet({ type: 2, nsp: socket.nsp.name, data: ['hello'] });   // a raw EVENT packet, as socket.emit('hello') sends
   * ```
   */
  override packet(packet: Packet, opts: WriteOptions = WRITE_DEFAULT): void {
    packet.nsp = this.nsp.name;
    this.client.writePacket(packet, opts);
  }

  /**
   * Handles a packet of this namespace from the client (the connection calls it).
   * @param packet the decoded packet
   * @example
   * ```ts
   * socket.handlePacket({ type: 2, nsp: '/', data: ['hello', 'world'] });   // fires socket.on('hello')
   * ```
   */
  handlePacket(packet: Packet): void {
    switch (packet.type) {
      case PacketType.EVENT:
      case PacketType.BINARY_EVENT:
        this.onevent(packet);
        break;
      case PacketType.ACK:
      case PacketType.BINARY_ACK:
        this.onack(packet);
        break;
      case PacketType.DISCONNECT:
        this.leaveNamespace('client namespace disconnect');
        break;
    }
  }

  private onevent(packet: Packet): void {
    const args: any[] = packet.data || [];
    if (packet.id != null) args.push(this.ack(packet.id));
    const any = this.anyListeners;
    if (any !== undefined && any.size !== 0) {
      // each call guarded: a listener that throws is reported and the next ones still run
      const listeners = any.list();
      const errors = this.host.errors;
      for (let i = 0; i < listeners.length; i++) callReported(errors, listeners[i]!, this, args, 'listener', this.host.name, this, args[0]);
    }
    this.dispatch(args);
  }

  /** Creates the acknowledgement callback of an incoming event; it sends at most once. */
  private ack(id: number): (...args: any[]) => void {
    let sent = false;
    return (...args: any[]) => {
      if (sent) return;
      // marked sent once encoded, as the reference: an ack whose arguments cannot be encoded can be called again
      this.packet({ type: PacketType.ACK, nsp: this.host.name, id, data: args });
      sent = true;
    };
  }

  private onack(packet: Packet): void {
    const ack = this.ackCallbacks?.get(packet.id!);
    if (typeof ack === 'function') {
      this.ackCallbacks!.delete(packet.id!);
      callReported(this.host.errors, ack, this, packet.data || [], 'ack', this.host.name, this);
    } else if (debug.enabled) {
      debug('bad ack %s', packet.id);
    }
  }

  /**
   * Fires an `error` event: a packet middleware's `next(err)`, a decode or a transport error (the connection calls
   * it). Without a listener it is only logged (socket.io would throw it): a refusal such as a rate limit's is not a
   * failure.
   * @param err the error
   * @example
   * ```ts
   * socket.on('error', (err) => console.log(err.message));
   * socket.handleError(new Error('invalid payload'));
   * ```
   */
  handleError(err: Error): void {
    if (this.listenerCount('error') === 0) {
      if (debug.enabled) debug('error without listener: %s', err?.message);
      return;
    }
    try {
      this.emitReserved('error', err);
    } catch (e) {
      this.reportError(e, 'listener', 'error');
    }
  }

  /**
   * Runs the packet middlewares, then fires the event to the listeners on a later tick, as socket.io does: an
   * event followed by a DISCONNECT in the same payload is not handled. A middleware that throws, or whose promise
   * rejects, is reported as `socket-middleware`; unless it called `next` first, the event is dropped.
   */
  private dispatch(event: any[]): void {
    const fns = this.fns;
    if (fns === undefined || fns.length === 0) {
      process.nextTick(Socket.dispatchChecked, this, event, undefined);
      return;
    }
    const hooks: ChainHooks = {
      onThrow: (err, how) => {
        this.reportError(err, 'socket-middleware', event[0], how);
        return false;
      },
    };
    runChain<[Event], Error>(fns, [event as Event], (err) => {
      process.nextTick(Socket.dispatchChecked, this, event, err as Error | undefined);
    }, hooks);
  }

  /** Fires an event to its listeners, unless a middleware refused it or the socket left meanwhile. */
  private static dispatchChecked(socket: Socket<EventsMap, EventsMap, EventsMap, unknown>, event: any[], err: Error | undefined): void {
    if (err) return socket.handleError(err);
    if (!socket.connected) {
      if (debug.enabled) debug('ignore packet received after disconnection');
      return;
    }
    // one guard per event: a listener that throws is reported (the next listeners of the event are skipped);
    // one that returns a rejected promise is reported through captureRejections
    try {
      eventEmitterEmit.apply(socket, event);
    } catch (err) {
      socket.reportError(err, 'listener', event[0]);
    }
  }

  /**
   * Registers a packet middleware, run for every incoming event; `next(err)` drops the event and fires `error`.
   * @param fn the middleware
   * @returns this
   * @example
   * ```ts
   * io.on('connection', (socket) => {
   *   socket.use(([event, ...args], next) => {
   *     if (isAllowed(socket, event)) return next();
   *     next(new Error('not allowed'));   // the socket emits 'error'; the event is not delivered
   *   });
   *   socket.on('error', (err) => socket.emit('refused', err.message));
   * });
   * ```
   */
  use(fn: PacketMiddleware): this {
    (this.fns ??= []).push(fn);
    return this;
  }
}
