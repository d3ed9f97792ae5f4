/**
 * The half of the cluster core that does not depend on which operation is asked: identity, membership with
 * heartbeats, publishing, receiving and answering the messages of other nodes, local delivery in order, and
 * connection state recovery through the session store. `cluster-adapter.ts` adds the operations a server asks
 * for (broadcast, fetchSockets, serverSideEmit…) and documents the contract of a bus.
 *
 * ```ts
 * class MyBusAdapter extends ClusterAdapter { … }   // ClusterAdapter extends ClusterAdapterBase
 * ```
 *
 * Owns the receiving side and the bookkeeping of one namespace. Must never import a bus client (Redis, pg,
 * nats…) nor the server classes (only `adapter.ts` and the boundary types).
 */
import { createLogger } from '../../../util/logger.js';
import type { Packet } from '../../../protocol/index.js';
import { remoteDetails } from '../../../protocol/disconnect.js';
import {
  Adapter, type AdapterNamespace, type BroadcastOptions, type PrivateSessionId, type Room,
  type Session, type SessionToPersist, type SocketId,
} from '../../adapter.js';
import { PeerTracker } from './peers.js';
import { RequestTracker, settleWithin } from './requests.js';
import {
  asRecord, decodeOptions, EMITTER_UID, isWirePacket, MessageType, randomId, toDetails,
  type ClusterMessage, type ClusterResponse,
} from './messages.js';
import { ClusterRecovery, isRecoverable } from './recovery.js';
import { MemorySessionStore, type ClusterSessionStore } from './session-store.js';
import { PollingForwarding, POLLING_FORWARD, type PollingForwardingOptions } from './polling-forwarding.js';
import { PresenceLink, PRESENCE_MESSAGE } from './presence-link.js';

/** How long `close()` waits for the goodbye message and the last session writes, in ms. */
const CLOSE_TIMEOUT = 2000;

/** Logger of the cluster core (`DEBUG=socketeer:cluster`). */
export const log = createLogger('socketeer:cluster');

/** Options of every cluster adapter (each engine adds its own). */
export interface ClusterAdapterOptions {
  /** A node announces itself this long after its last message, in ms. Default 5000. */
  heartbeatInterval?: number;
  /** A node silent for this long is taken for gone, in ms. Default 10000. */
  heartbeatTimeout?: number;
  /** How long a request to the other nodes (fetchSockets, serverSideEmit with ack) may wait, in ms. Default 5000. */
  requestsTimeout?: number;
  /** While requests wait, how often the live nodes are counted (gone ones no longer awaited), in ms. Default 1000. */
  membershipCheckInterval?: number;
  /**
   * Where connection state recovery keeps sessions and history (when the server enables it). Default: the
   * engine's own store, else a `MemorySessionStore` of this adapter (recovery on this node only).
   */
  sessionStore?: ClusterSessionStore;
  /**
   * Long-polling without sticky sessions: polling requests of sessions owned by another node are forwarded to it
   * over the bus (see `polling-forwarding.ts`). Default false.
   */
  pollingForwarding?: boolean | PollingForwardingOptions;
}

/** A message before the core stamps it with its uid and namespace. */
export type OutgoingMessage = Omit<ClusterMessage, 'uid' | 'nsp'>;

/** A broadcast with acks waiting for the answers of other nodes. */
export interface AckRequest {
  /** Called once per node with its number of clients. */
  clientCountCallback(clientCount: number): void;
  /** Called with each client response. */
  ack(...args: unknown[]): void;
}

/**
 * The receiving side and bookkeeping of the cluster core; engines extend `ClusterAdapter` (which extends this).
 * @example
 * ```ts
 * class MyBusAdapter extends ClusterAdapter {
 *   protected doPublish(message) { return bus.publish(encode(message)); }
 *   protected doPublishResponse(uid, response) { return bus.publishTo(uid, encode(response)); }
 * }
 * ```
 */
export abstract class ClusterAdapterBase extends Adapter {
  /** This node's id on the bus. */
  readonly uid: string = randomId();
  /** The other nodes heard of. */
  protected readonly peers: PeerTracker;
  /** The requests waiting on other nodes. */
  protected readonly requests: RequestTracker;
  /** Recovery state (null when the server does not enable connection state recovery). */
  protected readonly recovery: ClusterRecovery | null;
  /** Broadcasts with acks waiting for answers, by request id. */
  protected readonly ackRequests = new Map<string, AckRequest>();
  private readonly heartbeatInterval: number;
  /** How long a request to the other nodes may wait, in ms. */
  protected readonly requestsTimeout: number;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private cleanupTimer: NodeJS.Timeout | undefined;
  /** Local deliveries waiting for the offset of an earlier broadcast (kept in order). */
  private localTail: Promise<void> | null = null;
  private localPending = 0;
  private closed = false;
  /** Polling forwarding (the main namespace's adapter, when the option is on). */
  private readonly forwarding: PollingForwarding | null;
  /** Presence replication of this namespace (`presence-link.ts`). @internal */
  protected readonly presenceLink = new PresenceLink({
    uid: this.uid,
    // a closed adapter publishes no more presence (its goodbye told the others)
    publish: (data) => this.closed || this.publish({ type: PRESENCE_MESSAGE, data }),
    publishResponse: (uid, data) => this.closed || this.publishResponse(uid, { type: PRESENCE_MESSAGE, data }),
  });

  /**
   * @param nsp the namespace
   * @param opts heartbeats, timeouts and the session store
   * @example
   * ```ts
   * class MyBusAdapter extends ClusterAdapter {
   *   constructor(nsp, private readonly bus, opts) { super(nsp, { heartbeatInterval: 2000, ...opts }); }
   * }
   * ```
   */
  constructor(nsp: AdapterNamespace, opts: ClusterAdapterOptions = {}) {
    super(nsp);
    this.heartbeatInterval = opts.heartbeatInterval ?? 5000;
    this.requestsTimeout = opts.requestsTimeout ?? 5000;
    this.peers = new PeerTracker(this.uid, opts.heartbeatTimeout ?? 10_000);
    this.requests = new RequestTracker({
      uid: this.uid, log, membershipCheckInterval: opts.membershipCheckInterval ?? 1000,
      isUp: () => this.isUp(),
      liveServers: async () => ({ count: await this.serverCount(), stuck: new Set<string>() }),
      alivePeers: () => this.peers.fresh(),
    });
    const csr = nsp.server.opts.connectionStateRecovery;
    this.recovery = csr
      ? new ClusterRecovery(this, opts.sessionStore ?? new MemorySessionStore(), csr.maxDisconnectionDuration ?? 120_000)
      : null;
    const fwd = opts.pollingForwarding;
    this.forwarding = fwd && nsp.name === '/' ? new PollingForwarding({
      uid: this.uid, server: nsp.server,
      publish: (data) => this.publish({ type: POLLING_FORWARD, data }),
      publishResponse: (uid, data) => this.publishResponse(uid, { type: POLLING_FORWARD, data }),
      isUp: () => this.isUp(),
    }, fwd === true ? {} : fwd) : null;
  }

  /**
   * Sends a message to every node of the namespace.
   * @param message the message (stamped with uid and nsp)
   * @returns its offset when the bus keeps a log
   * @example
   * ```ts
   * protected doPublish(message: ClusterMessage) { return this.stream.append(encode(message)); }   // resolves with the entry id
   * ```
   */
  protected abstract doPublish(message: ClusterMessage): Promise<string | void>;

  /**
   * Sends an answer to the node that asked.
   * @param requesterUid the requester's uid
   * @param response the answer (stamped with uid and nsp)
   * @example
   * ```ts
   * protected doPublishResponse(uid: string, response: ClusterResponse) { return this.bus.publish(`answers.${uid}`, encode(response)); }
   * ```
   */
  protected abstract doPublishResponse(requesterUid: string, response: ClusterResponse): Promise<void>;

  /**
   * Announces this node (subclasses connect first, then call it).
   * @example
   * ```ts
   * override async init() { await this.subscribe(); await super.init(); }
   * ```
   */
  override init(): Promise<void> | void {
    this.cleanupTimer = setInterval(() => {
      for (const uid of this.peers.stale()) this.removePeer(uid);
    }, 1000);
    this.cleanupTimer.unref();
    this.forwarding?.start();
    this.publish({ type: MessageType.INITIAL_HEARTBEAT });
  }

  /**
   * Says goodbye to the other nodes, settles the waiting requests, stops the timers and waits for the sessions
   * being saved (subclasses call it first, then close their connections).
   * @example
   * ```ts
   * override async close() { await super.close(); await this.sub.quit(); }
   * ```
   */
  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.heartbeatTimer);
    clearInterval(this.cleanupTimer);
    this.forwarding?.close();
    this.requests.failAll();
    const saving = this.recovery ? this.recovery.close() : [];
    // a bus that is down does not hold the shutdown: the goodbye and the last session writes get a bounded wait
    const done = Promise.allSettled([...saving, this.publishAndReturnOffset({ type: MessageType.ADAPTER_CLOSE })]);
    await settleWithin(done.then(() => undefined), CLOSE_TIMEOUT, undefined);
  }

  /**
   * Whether the bus answers now (requests do not count nodes while it does not). Default: true.
   * @example
   * ```ts
   * protected override isUp() { return this.client.status === 'ready'; }
   * ```
   */
  protected isUp(): boolean {
    return true;
  }

  /**
   * @returns the number of nodes in the cluster (this one included): the nodes heard of within the heartbeat
   * timeout, unless the bus counts them itself
   * @example
   * ```ts
   * const servers = await io.of('/').adapter.serverCount();
   * ```
   */
  override serverCount(): Promise<number> {
    return Promise.resolve(1 + this.peers.fresh().size);
  }

  // ---- publishing ---------------------------------------------------------------------------------------------

  /**
   * Publishes a message (errors are logged).
   * @param message type and data
   * @example
   * ```ts
   * this.publish({ type: MessageType.SERVER_SIDE_EMIT, data: { packet: ['hello'] } });
   * ```
   */
  protected publish(message: OutgoingMessage): void {
    this.publishAndReturnOffset(message).catch((err: Error) =>
      log('[%s] could not publish message %d: %s', this.uid, message.type, err?.message ?? String(err)));
  }

  /**
   * Publishes a message and schedules the next heartbeat.
   * @param message type and data
   * @returns the offset the bus gave it, if any
   * @example
   * ```ts
   * const offset = await this.publishAndReturnOffset({ type: MessageType.BROADCAST, data });
   * ```
   */
  protected publishAndReturnOffset(message: OutgoingMessage): Promise<string | void> {
    this.scheduleHeartbeat();
    return this.doPublish({ ...message, uid: this.uid, nsp: this.nsp.name });
  }

  /**
   * Answers a request of another node (errors are logged).
   * @param requesterUid the requester
   * @param response type and data
   * @example
   * ```ts
   * this.publishResponse(message.uid, { type: MessageType.BROADCAST_CLIENT_COUNT, data: { requestId, clientCount } });
   * ```
   */
  protected publishResponse(requesterUid: string, response: OutgoingMessage): void {
    this.doPublishResponse(requesterUid, { ...response, uid: this.uid, nsp: this.nsp.name }).catch((err: Error) =>
      log('[%s] could not answer %s: %s', this.uid, requesterUid, err?.message ?? String(err)));
  }

  private scheduleHeartbeat(): void {
    if (this.closed) return;
    if (this.heartbeatTimer) {
      this.heartbeatTimer.refresh();
      return;
    }
    this.heartbeatTimer = setTimeout(() => this.publish({ type: MessageType.HEARTBEAT }), this.heartbeatInterval);
    this.heartbeatTimer.unref();
  }

  private removePeer(uid: string): void {
    log('[%s] node %s is gone', this.uid, uid);
    this.peers.remove(uid);
    this.presenceLink.nodeGone(uid);
  }

  // ---- receiving ----------------------------------------------------------------------------------------------

  /**
   * Handles a message of another node (the bus calls it).
   * @param message the decoded message
   * @param offset its offset in the bus's log, if any
   * @example
   * ```ts
   * sub.on('message', (raw, id) => this.onMessage(decode(raw), id));
   * ```
   */
  protected onMessage(message: ClusterMessage, offset?: string): void {
    if (!message || message.uid === this.uid || message.nsp !== this.nsp.name) return;
    const from = message.uid;
    if (typeof from === 'string' && from !== EMITTER_UID) this.peers.note(from, true);
    const data = asRecord(message.data);
    switch (message.type) {
      case MessageType.INITIAL_HEARTBEAT:
        this.publish({ type: MessageType.HEARTBEAT });
        return;
      case MessageType.HEARTBEAT:
        return;
      case MessageType.ADAPTER_CLOSE:
        if (typeof from === 'string') this.removePeer(from);
        return;
      case MessageType.BROADCAST:
        this.onBroadcast(from, data, offset);
        return;
      case MessageType.SOCKETS_JOIN:
        super.addSockets(decodeOptions(data.opts), Array.isArray(data.rooms) ? (data.rooms as Room[]) : []);
        return;
      case MessageType.SOCKETS_LEAVE:
        super.delSockets(decodeOptions(data.opts), Array.isArray(data.rooms) ? (data.rooms as Room[]) : []);
        return;
      case MessageType.DISCONNECT_SOCKETS:
        super.disconnectSockets(decodeOptions(data.opts), !!data.close, remoteDetails(data.details));
        return;
      case MessageType.FETCH_SOCKETS:
        super.fetchSockets(decodeOptions(data.opts)).then((sockets) => {
          this.publishResponse(from, {
            type: MessageType.FETCH_SOCKETS_RESPONSE, data: { requestId: data.requestId, sockets: sockets.map(toDetails) },
          });
        }, (err: Error) => log('[%s] fetchSockets failed: %s', this.uid, err.message));
        return;
      case MessageType.SERVER_SIDE_EMIT:
        this.onServerSideEmit(from, data);
        return;
      case MessageType.FETCH_SOCKETS_RESPONSE:
      case MessageType.SERVER_SIDE_EMIT_RESPONSE:
      case MessageType.BROADCAST_CLIENT_COUNT:
      case MessageType.BROADCAST_ACK:
        this.onResponse(message);
        return;
      case POLLING_FORWARD:
        this.forwarding?.receive(message.data);
        return;
      case PRESENCE_MESSAGE:
        this.presenceLink.receive(from, message.data);
        return;
      default:
        log('[%s] ignoring message type %s', this.uid, message.type);
    }
  }

  private onBroadcast(from: string, data: Record<string, unknown>, offset: string | undefined): void {
    if (!isWirePacket(data.packet)) return;
    const packet = data.packet as Packet;
    const opts = decodeOptions(data.opts);
    const requestId = data.requestId;
    if (requestId === undefined) {
      if (offset !== undefined && this.recovery && isRecoverable(packet, opts)) (packet.data as unknown[]).push(offset);
      this.deliver(packet, opts);
      return;
    }
    super.broadcastWithAck(packet, opts, (clientCount) => {
      this.publishResponse(from, { type: MessageType.BROADCAST_CLIENT_COUNT, data: { requestId, clientCount } });
    }, (arg: unknown) => {
      this.publishResponse(from, { type: MessageType.BROADCAST_ACK, data: { requestId, packet: arg } });
    });
  }

  private onServerSideEmit(from: string, data: Record<string, unknown>): void {
    if (!Array.isArray(data.packet)) return;
    if (data.requestId === undefined) {
      this.nsp.receiveServerSideEmit(data.packet);
      return;
    }
    let called = false;
    const callback = (arg: unknown): void => {
      if (called) return;
      called = true;
      this.publishResponse(from, { type: MessageType.SERVER_SIDE_EMIT_RESPONSE, data: { requestId: data.requestId, packet: arg } });
    };
    this.nsp.receiveServerSideEmit([...data.packet, callback]);
  }

  /**
   * Handles an answer to one of this node's requests (the bus calls it, or `onMessage` does).
   * @param response the decoded answer
   * @example
   * ```ts
   * responses.on('message', (raw) => this.onResponse(decode(raw)));
   * ```
   */
  protected onResponse(response: ClusterResponse): void {
    if (!response || response.uid === this.uid) return;
    if (typeof response.uid === 'string' && response.uid !== EMITTER_UID) this.peers.note(response.uid, true);
    if (response.type === POLLING_FORWARD || response.type === PRESENCE_MESSAGE) {
      if (response.type === PRESENCE_MESSAGE) this.presenceLink.receive(response.uid, response.data);
      else this.forwarding?.receive(response.data);
      return;
    }
    const data = asRecord(response.data);
    const requestId = data.requestId;
    if (typeof requestId !== 'string') return;
    switch (response.type) {
      case MessageType.BROADCAST_CLIENT_COUNT:
        this.ackRequests.get(requestId)?.clientCountCallback(Number(data.clientCount));
        return;
      case MessageType.BROADCAST_ACK:
        this.ackRequests.get(requestId)?.ack(data.packet);
        return;
      case MessageType.FETCH_SOCKETS_RESPONSE:
      case MessageType.SERVER_SIDE_EMIT_RESPONSE:
        this.requests.collect(requestId, data, response.uid);
        return;
      default:
        log('[%s] ignoring response type %s', this.uid, response.type);
    }
  }

  // ---- local delivery, in order -------------------------------------------------------------------------------

  /**
   * Delivers to the local sockets, after the deliveries still waiting for an offset.
   * @param packet the packet
   * @param opts rooms, except and flags
   * @example
   * ```ts
   * this.deliver(packet, opts);   // in order with the broadcasts of this node waiting for their offset
   * ```
   * @returns false when a local recipient is over its high-water mark (known only when delivered at once)
   */
  protected deliver(packet: Packet, opts: BroadcastOptions): boolean {
    if (this.localTail === null) {
      return super.broadcast(packet, this.recovery ? this.recovery.deliveryOptions(packet, opts) : opts) !== false;
    }
    this.enqueue(Promise.resolve(), () => super.broadcast(packet, this.recovery ? this.recovery.deliveryOptions(packet, opts) : opts));
    return true;
  }

  /**
   * Runs `fn` once `ready` settles and every earlier queued delivery ran.
   * @param ready what the delivery waits for (its offset)
   * @param fn the delivery
   * @example
   * ```ts
   * this.enqueue(offsetPromise, () => super.broadcast(packet, opts));
   * ```
   */
  protected enqueue(ready: Promise<unknown>, fn: () => void): void {
    this.localPending++;
    const previous = this.localTail ?? Promise.resolve();
    this.localTail = Promise.all([previous, ready.catch(() => undefined)]).then(() => {
      try {
        fn();
      } catch (err) {
        log('[%s] local delivery failed: %s', this.uid, (err as Error).message);
      }
      if (--this.localPending === 0) this.localTail = null;
    });
  }

  // ---- recovery -----------------------------------------------------------------------------------------------

  /**
   * Removes a socket from all its rooms (its live session is forgotten unless it was saved for recovery).
   * @param id the socket id
   * @example
   * ```ts
   * socket.disconnect();   // the server calls adapter.delAll(socket.id)
   * ```
   */
  override delAll(id: SocketId): void {
    this.recovery?.socketLeft(id);
    super.delAll(id);
  }

  /**
   * Saves a disconnected session in the session store (restorable on any node sharing it).
   * @param session the session
   * @example
   * ```ts
   * const io = new Server({ adapter, connectionStateRecovery: { maxDisconnectionDuration: 120_000 } });
   * ```
   */
  override persistSession(session: SessionToPersist): Promise<void> {
    return this.recovery ? this.recovery.persist(session) : Promise.resolve();
  }

  /**
   * Restores a session saved by any node, with the broadcasts it missed.
   * @param pid the private session id
   * @param offset the offset of the last broadcast the client received
   * @returns the session, or null
   * @example
   * ```ts
   * io.on('connection', (socket) => console.log(socket.recovered));   // true after a restore, on any node
   * ```
   */
  override restoreSession(pid: PrivateSessionId, offset: string): Promise<Session | null> {
    return this.recovery ? this.recovery.restore(pid, offset) : Promise.resolve(null);
  }
}
