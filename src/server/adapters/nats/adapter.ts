/**
 * The NATS adapter: the cluster core (`../cluster/cluster-adapter.ts`, every cross-node operation) on the NATS bus
 * of `bus.ts`, with JetStream (a stream of the cluster messages, a KV bucket of sessions) for connection state
 * recovery across servers and outages.
 *
 * ```ts
 * import { connect } from 'nats';
 * import { createAdapter } from 'socketeer/nats';
 * const nc = await connect({ servers: 'nats://nats:4222' });
 * const io = new Server(httpServer, { adapter: createAdapter(nc) });
 * ```
 *
 * Owns the glue between the core and the bus. Imports only types of the `nats` package (the user passes the
 * connection); must never import the server classes.
 */
import type { NatsConnection } from 'nats';
import type { AdapterNamespace } from '../../adapter-types.js';
import { ClusterAdapter, type ClusterAdapterOptions } from '../cluster/cluster-adapter.js';
import { isEphemeral, type ClusterMessage, type ClusterResponse } from '../cluster/messages.js';
import { NatsBus, streamName, type NatsJetStreamOptions } from './bus.js';
import { NatsSessionStore } from './session-store.js';

/** Options of {@link createAdapter}. */
export interface NatsAdapterOptions extends ClusterAdapterOptions {
  /** Prefix of every subject (and, `.` and other signs turned into `_`, of the stream). Default `socket.io`. */
  prefix?: string;
  /**
   * JetStream: `true` or its settings to keep the cluster messages in a stream (offsets for connection state
   * recovery across servers; nothing lost by a server that reconnects to NATS), `false` for core NATS only (at
   * most once). Default: on when the server enables connection state recovery.
   */
  jetstream?: boolean | NatsJetStreamOptions;
  /** KV bucket of the sessions (JetStream with recovery). Default `<stream>_sessions`. */
  bucket?: string;
  /** Longest wait for a JetStream acknowledgement, in ms. Default 5000. */
  publishTimeout?: number;
  /**
   * How long a message for JetStream is held while NATS is unreachable, in ms (sent once it is back; the local
   * delivery of a recoverable broadcast waits for it too). Default 10000.
   */
  maxOutage?: number;
}

/**
 * Creates the adapter factory to pass as the `adapter` server option.
 * @param nc a connected `nats` connection (give it `maxReconnectAttempts: -1` to keep reconnecting)
 * @param opts prefix, JetStream, timeouts
 * @returns a function creating the adapter of a namespace
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { connect } from 'nats';
 * import { Server } from 'socketeer';
 * import { createAdapter } from 'socketeer/nats';
 *
 * const nc = await connect({ servers: 'nats://nats:4222', maxReconnectAttempts: -1 });
 * const io = new Server(createServer(), {
 *   adapter: createAdapter(nc),
 *   connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000 },   // JetStream on
 * });
 * io.emit('hello');   // reaches the clients of every server on this NATS
 * ```
 */
export function createAdapter(nc: NatsConnection, opts: NatsAdapterOptions = {}): (nsp: AdapterNamespace) => NatsAdapter {
  return function natsAdapter(nsp: AdapterNamespace): NatsAdapter {
    return new NatsAdapter(nsp, nc, opts);
  };
}

/** The JetStream settings an adapter runs with, or null. */
function jetstreamOf(opts: NatsAdapterOptions, recovery: boolean): NatsJetStreamOptions | null {
  if (opts.jetstream === false || (opts.jetstream === undefined && !recovery)) return null;
  return typeof opts.jetstream === 'object' ? opts.jetstream : {};
}

/**
 * The adapter of one namespace over NATS.
 * @example
 * ```ts
 * const io = new Server(httpServer, { adapter: createAdapter(nc, { prefix: 'my-app' }) });
 * io.of('/').adapter instanceof NatsAdapter;   // true
 * ```
 */
export class NatsAdapter extends ClusterAdapter {
  private readonly bus: NatsBus;

  /**
   * @param nsp the namespace
   * @param nc the connection
   * @param opts prefix, JetStream, timeouts
   * @example
   * ```ts
   * const io = new Server(httpServer, { adapter: (nsp) => new NatsAdapter(nsp, nc, { jetstream: false }) });
   * ```
   */
  constructor(nsp: AdapterNamespace, nc: NatsConnection, opts: NatsAdapterOptions = {}) {
    const prefix = opts.prefix ?? 'socket.io';
    const csr = nsp.server.opts.connectionStateRecovery;
    const jetstream = jetstreamOf(opts, Boolean(csr));
    const subject = NatsBus.subjectOf(prefix, nsp.name);
    const sessionStore = opts.sessionStore ?? (jetstream && csr
      ? new NatsSessionStore(nc, {
        stream: jetstream.stream ?? streamName(prefix), subject, ttl: csr.maxDisconnectionDuration ?? 120_000,
        bucket: opts.bucket, timeout: opts.publishTimeout,
      })
      : undefined);
    super(nsp, { ...opts, sessionStore });
    this.bus = new NatsBus(nc, { prefix, nsp: nsp.name, uid: this.uid, jetstream, publishTimeout: opts.publishTimeout,
      maxOutage: opts.maxOutage });
  }

  /**
   * Subscribes, then announces this server.
   * @example
   * ```ts
   * await io.of('/chat').adapter.init();   // the server calls it when the namespace is created
   * ```
   */
  override async init(): Promise<void> {
    await this.bus.start({
      message: (message, offset) => this.onMessage(message as ClusterMessage, offset),
      response: (response) => this.onResponse(response as ClusterResponse),
    });
    await super.init();
  }

  /**
   * Says goodbye, then unsubscribes (the connection stays open: it is the caller's).
   * @example
   * ```ts
   * await io.close();   // closes every adapter; then `await nc.drain()`
   * ```
   */
  override async close(): Promise<void> {
    await super.close();
    await this.bus.close();
  }

  /**
   * @returns whether NATS is reachable now (requests do not count servers while it is not)
   * @example
   * ```ts
   * if (!this.isUp()) return;
   * ```
   */
  protected override isUp(): boolean {
    return this.bus.up;
  }

  /**
   * @param message a message of the cluster protocol
   * @returns its offset when JetStream stored it
   * @example
   * ```ts
   * const offset = await this.doPublish({ uid: this.uid, nsp: '/', type: 3, data });
   * ```
   */
  protected doPublish(message: ClusterMessage): Promise<string | void> {
    return this.bus.publish(message, isEphemeral(message));
  }

  /**
   * @param requesterUid the server that asked
   * @param response the answer
   * @example
   * ```ts
   * await this.doPublishResponse(request.uid, { uid: this.uid, nsp: '/', type: 8, data });
   * ```
   */
  protected doPublishResponse(requesterUid: string, response: ClusterResponse): Promise<void> {
    return this.bus.publishResponse(requesterUid, response);
  }
}
