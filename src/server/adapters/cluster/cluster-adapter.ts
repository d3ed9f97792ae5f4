/**
 * The cluster core: an adapter that shares a namespace between servers over any bus, speaking the message set of
 * `socket.io-adapter`'s cluster adapter (same type numbers, same payloads), so that nodes running
 * `@socket.io/redis-streams-adapter` or `@socket.io/postgres-adapter` and ours serve one cluster. Every cross-node
 * operation is here once: broadcasts (rooms, except, flags, offsets for recovery), broadcasts with acks and client
 * counting, socketsJoin/Leave, disconnectSockets, fetchSockets, serverSideEmit with acks, membership with
 * heartbeats, requests with timeouts, connection state recovery through a {@link ClusterSessionStore}.
 *
 * ## The contract of a bus
 * A bus subclass implements two methods and calls two:
 * - `doPublish(message)`: sends a message to every node of the namespace (itself included or not: its own
 *   messages are ignored); resolves with the message's offset when the bus keeps a log (used for recovery), or
 *   with nothing;
 * - `doPublishResponse(requesterUid, response)`: sends an answer to one node (or to all: others ignore it);
 * - calls `this.onMessage(message, offset?)` for each message it receives, `this.onResponse(response)` for each
 *   answer (or `onMessage` for both: answers are recognised by their type);
 * - connects in `init()` then calls `super.init()` (which announces the node); calls `super.close()` first in
 *   `close()` (which says goodbye), then closes what it opened. It may override `serverCount()` when the bus counts
 *   its subscribers itself, and `isUp()`.
 *
 * ```ts
 * // a tiny bus: every node of this process on one EventEmitter
 * const bus = new EventEmitter();
 * class LocalBusAdapter extends ClusterAdapter {
 *   private readonly onBus = (m: ClusterMessage) => this.onMessage(structuredClone(m));
 *   override init() { bus.on('message', this.onBus); return super.init(); }
 *   protected doPublish(message: ClusterMessage) { bus.emit('message', message); return Promise.resolve(); }
 *   protected doPublishResponse(_to: string, response: ClusterResponse) { return this.doPublish(response); }
 *   override async close() { await super.close(); bus.off('message', this.onBus); }
 * }
 * const io = new Server({ adapter: (nsp) => new LocalBusAdapter(nsp, {}) });
 * ```
 *
 * Owns the operations a server asks of its adapter, each written once (receiving, membership and recovery are
 * in `cluster-base.ts`). Must never import a bus client (Redis, pg, nats…) nor the server
 * classes (only `adapter.ts` and the boundary types).
 */
import type { Packet } from '../../../protocol/index.js';
import type { DisconnectDetails } from '../../../protocol/disconnect.js';
import type { BroadcastOptions, FetchedSocket, Room, SocketDetails } from '../../adapter.js';
import type { PendingRequest } from './requests.js';
import { encodeOptions, MessageType, randomId } from './messages.js';
import { isRecoverable } from './recovery.js';
import type { PresenceChannel, PresenceReceiver } from '../../presence/types.js';
import { ClusterAdapterBase, log, type OutgoingMessage } from './cluster-base.js';

export { ClusterAdapterBase, type ClusterAdapterOptions, type OutgoingMessage, type AckRequest } from './cluster-base.js';

/**
 * The base of every bus engine; see the module head for the contract.
 * @example
 * ```ts
 * class MyBusAdapter extends ClusterAdapter {
 *   protected doPublish(message) { return bus.publish(encode(message)); }
 *   protected doPublishResponse(uid, response) { return bus.publishTo(uid, encode(response)); }
 * }
 * ```
 */
export abstract class ClusterAdapter extends ClusterAdapterBase {
  /** The append to the history in progress (the next one waits for it), if any. */
  private appending: Promise<void> | null = null;

  // ---- operations across nodes --------------------------------------------------------------------------------

  /**
   * Broadcasts to the matching sockets of every node; with recovery on, a recoverable event gets its offset last
   * in its arguments before it is delivered here.
   * @param packet the packet
   * @param opts rooms, except and flags (`local`: this node only)
   * @example
   * ```ts
   * io.to('news').except('muted').emit('headline', text);   // every node
   * ```
   * @returns false when a recipient on this node is over its high-water mark (`io.emit` returns it); the other
   * nodes' recipients are not known here
   */
  override broadcast(packet: Packet, opts: BroadcastOptions): boolean {
    packet.nsp = this.nsp.name;
    if (opts.flags?.local) {
      return this.deliver(packet, opts);
    }
    const recovery = this.recovery;
    if (recovery === null || !isRecoverable(packet, opts)) {
      this.publish({ type: MessageType.BROADCAST, data: { packet, opts: encodeOptions(opts) } });
      return this.deliver(packet, opts);
    }
    const data = packet.data as unknown[];
    const store = recovery.store;
    const append = store.append;
    const entry = (): Promise<string> =>
      append!.call(store, { data: [...data], rooms: [...opts.rooms], except: opts.except ? [...opts.except] : [] });
    const published = append
      ? (store.ordered === true ? entry() : this.appendInOrder(entry))
        .then((offset) => {
          data.push(offset);
          this.publish({ type: MessageType.BROADCAST, data: { packet, opts: encodeOptions(opts) } });
        })
      : this.publishAndReturnOffset({ type: MessageType.BROADCAST, data: { packet, opts: encodeOptions(opts) } })
        .then((offset) => {
          if (typeof offset === 'string' && offset !== '') data.push(offset);
        });
    this.enqueue(published.catch((err: Error) =>
      log('[%s] could not publish a broadcast: %s', this.uid, err?.message ?? String(err))),
    () => super.broadcast(packet, recovery.deliveryOptions(packet, opts)));
    return true; // delivered here once it has its offset: the recipients' buffers are not known yet
  }

  /**
   * Runs an append to the history once the previous one settled, for a store that may give offsets in the order
   * appends run rather than the order they were sent (a command retried by a Redis Cluster client, a pool): the
   * history must keep the order in which this node broadcast.
   * @param append issues the append
   * @returns its offset
   */
  private appendInOrder(append: () => Promise<string>): Promise<string> {
    const previous = this.appending;
    let next: Promise<string>;
    if (previous === null) {
      try {
        next = append();
      } catch (err) {
        next = Promise.reject(err);
      }
    } else {
      next = previous.then(append);
    }
    const tail = next.then(() => undefined, () => undefined);
    this.appending = tail;
    void tail.then(() => {
      if (this.appending === tail) this.appending = null;
    });
    return next;
  }

  /**
   * Broadcasts expecting acknowledgements from the clients of every node: each node answers with its client
   * count, then with each client's response.
   * @param packet the packet
   * @param opts rooms, except and flags (`timeout` bounds the wait)
   * @param clientCountCallback called once per node with its number of clients
   * @param ack called with each client response
   * @example
   * ```ts
   * const responses = await io.timeout(5000).emitWithAck('are-you-there');   // one per client, every node
   * ```
   */
  override broadcastWithAck(packet: Packet, opts: BroadcastOptions, clientCountCallback: (clientCount: number) => void,
    ack: (...args: unknown[]) => void): void {
    packet.nsp = this.nsp.name;
    if (!opts.flags?.local) {
      const requestId = randomId();
      this.ackRequests.set(requestId, { clientCountCallback, ack });
      this.publish({ type: MessageType.BROADCAST, data: { packet, requestId, opts: encodeOptions(opts) } });
      setTimeout(() => this.ackRequests.delete(requestId), opts.flags?.timeout ?? this.requestsTimeout).unref();
    }
    super.broadcastWithAck(packet, opts, clientCountCallback, ack);
  }

  /**
   * Makes the matching sockets of every node join rooms.
   * @param opts rooms, except and flags
   * @param rooms the rooms to join
   * @example
   * ```ts
   * io.in('room-101').socketsJoin('room-102');   // every node
   * ```
   */
  override addSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (!opts.flags?.local) this.publish({ type: MessageType.SOCKETS_JOIN, data: { opts: encodeOptions(opts), rooms: [...rooms] } });
    super.addSockets(opts, rooms);
  }

  /**
   * Makes the matching sockets of every node leave rooms.
   * @param opts rooms, except and flags
   * @param rooms the rooms to leave
   * @example
   * ```ts
   * io.in('room-101').socketsLeave('room-102');   // every node
   * ```
   */
  override delSockets(opts: BroadcastOptions, rooms: Room[]): void {
    if (!opts.flags?.local) this.publish({ type: MessageType.SOCKETS_LEAVE, data: { opts: encodeOptions(opts), rooms: [...rooms] } });
    super.delSockets(opts, rooms);
  }

  /**
   * Disconnects the matching sockets of every node.
   * @param opts rooms, except and flags
   * @param close whether to close the underlying connections
   * @param details why, for the clients: an extra `details` field of the message (the official adapters ignore it
   * and disconnect their sockets without it)
   * @example
   * ```ts
   * io.in('room-101').disconnectSockets(true);   // every node
   * ```
   */
  override disconnectSockets(opts: BroadcastOptions, close: boolean, details?: DisconnectDetails): void {
    if (!opts.flags?.local) {
      const data: Record<string, unknown> = { opts: encodeOptions(opts), close };
      if (details !== undefined) data.details = details;
      this.publish({ type: MessageType.DISCONNECT_SOCKETS, data });
    }
    super.disconnectSockets(opts, close, details);
  }

  /**
   * @param opts rooms, except and flags (`local`: this node only; `timeout` overrides `requestsTimeout`)
   * @returns the local sockets and the {@link SocketDetails} of the matching sockets of the other nodes
   * @throws Error (rejection) when the other nodes do not all answer in time
   * @example
   * ```ts
   * const sockets = await io.in('room-101').fetchSockets();   // local Sockets and RemoteSockets
   * ```
   */
  override async fetchSockets(opts: BroadcastOptions): Promise<FetchedSocket[]> {
    const local = await super.fetchSockets(opts);
    if (opts.flags?.local) return local;
    const expected = (await this.serverCount()) - 1;
    if (expected <= 0) return local;
    const sockets: FetchedSocket[] = local;
    const requestId = randomId();
    return new Promise((resolve, reject) => {
      this.sendRequest(requestId, { type: MessageType.FETCH_SOCKETS, data: { opts: encodeOptions(opts), requestId } }, {
        expected,
        collect: (data) => {
          if (Array.isArray(data.sockets)) for (const s of data.sockets) sockets.push(s as SocketDetails);
        },
        finish: (timedOut) => {
          if (timedOut) reject(new Error('timeout reached while waiting for fetchSockets response'));
          else resolve(sockets);
        },
      }, opts.flags?.timeout ?? this.requestsTimeout);
    });
  }

  /**
   * Emits an event to the other nodes; with an ack (last element), it is called with one answer per node.
   * @param packet `[event, ...args]`, optionally ending with `(err, responses) => void`
   * @example
   * ```ts
   * io.serverSideEmit('hello', 'world');
   * const answers = await io.serverSideEmitWithAck('ping');   // one answer per other node
   * ```
   */
  override serverSideEmit(packet: unknown[]): void {
    const last = packet[packet.length - 1];
    if (typeof last !== 'function') {
      this.publish({ type: MessageType.SERVER_SIDE_EMIT, data: { packet } });
      return;
    }
    const ack = last as (err: Error | null, responses: unknown[]) => void;
    const args = packet.slice(0, -1);
    void this.serverCount().then((count) => {
      const expected = count - 1;
      if (expected <= 0) {
        ack(null, []);
        return;
      }
      const requestId = randomId();
      const responses: unknown[] = [];
      this.sendRequest(requestId, { type: MessageType.SERVER_SIDE_EMIT, data: { requestId, packet: args } }, {
        expected,
        collect: (data) => responses.push(data.packet),
        finish: (timedOut) => {
          if (timedOut) ack(new Error(`timeout reached: only ${responses.length} responses received out of ${expected}`), responses);
          else ack(null, responses);
        },
      }, this.requestsTimeout);
    }, (err: Error) => ack(err, []));
  }

  /**
   * Registers a request and publishes it.
   * @param requestId the request id
   * @param message the request
   * @param request expected count, collect and finish callbacks
   * @param timeout in ms
   * @example
   * ```ts
   * this.sendRequest(requestId, { type: MessageType.FETCH_SOCKETS, data }, { expected, collect, finish }, 5000);
   * ```
   */
  protected sendRequest(requestId: string, message: OutgoingMessage, request: PendingRequest, timeout: number): void {
    this.requests.send(requestId, () => this.publish(message), request, timeout);
  }

  /**
   * Connects the namespace's presence to the bus (its replication is in `presence/replica.ts`).
   * @param receiver where presence messages of other nodes and node departures go
   * @returns the channel presence publishes on
   * @example
   * ```ts
   * io.presence.track(socket, 'lobby', userId);   // io.presence attaches itself on first use
   * ```
   */
  attachPresence(receiver: PresenceReceiver): PresenceChannel {
    return this.presenceLink.attach(receiver);
  }
}
