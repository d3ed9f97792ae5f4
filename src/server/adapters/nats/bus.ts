/**
 * The NATS bus of one namespace: how the messages of the cluster protocol travel between servers.
 *
 * Subjects (`<nsp>` is the namespace name with `.`, `*`, `>`, `%` and whitespace percent-encoded, `/` kept):
 * - `<prefix>.m.<nsp>`: the messages to every server that outlive the moment (broadcasts without acks, room changes,
 *   disconnections). With JetStream, a stream
 *   (`<prefix>` with `[^A-Za-z0-9_-]` turned into `_`, subjects `<prefix>.m.>`) captures them: publishing is a
 *   JetStream publish whose acknowledgement carries the stream sequence, which is the offset handed to clients, and
 *   every server reads them through an ordered consumer (the offset comes with each message; after a NATS restart
 *   the consumer resumes after the last sequence it saw, so the stream is the buffer and nothing published while
 *   it was stored is lost). Without JetStream it is a core subject: at most once.
 * - `<prefix>.e.<nsp>`: the ephemeral ones (heartbeats, requests, broadcasts waiting for acks: only the servers up
 *   right now care), core NATS always, never stored (the adapter says which are which).
 * - `<prefix>.r.<nsp>.<uid>`: the answers to the requests of server `<uid>`, core NATS.
 *
 * Encoding: MessagePack (`notepack.io`, already a dependency, the Redis adapter's encoding). It carries the Buffers
 * and typed arrays of binary events as they are (no base64 inflation, no separate attachment pass) and decodes in
 * one step; JSON would need a second codec for binary payloads.
 *
 * Outages: the `nats` client buffers what is published while it is disconnected and resubscribes on reconnection;
 * a core message published by a server that reconnects before a receiver has resubscribed is lost for that
 * receiver. With JetStream, the messages not acknowledged when the connection drops, and those published while it
 * is down, are held and sent again in order once it is back (`publisher.ts`: ids make JetStream store each once),
 * for up to `maxOutage` ms; every consumer then reads what the stream stored. Without JetStream available on the
 * server, the bus falls back to core NATS (logged).
 *
 * ```ts
 * const bus = new NatsBus(nc, { prefix: 'socket.io', nsp: '/', uid, jetstream: { maxLen: 10_000 } });
 * await bus.start({ message: (m, offset) => …, response: (r) => … });
 * const offset = await bus.publish({ uid, nsp: '/', type: 3, data });
 * ```
 *
 * Owns the subjects, the stream and its consumer. Imports only types of the `nats` package (the user passes the
 * connection); must never import the server classes nor the cluster core.
 */
import { encode as msgpackEncode, decode as msgpackDecode } from 'notepack.io';
import type {
  ConsumerMessages, JetStreamClient, JetStreamManager, NatsConnection, StreamConfig, Subscription,
} from 'nats';
import { createLogger } from '../../../util/logger.js';
import { HeldPublisher } from './publisher.js';

/** Logger of the NATS adapter (`DEBUG=socketeer:nats`). */
export const log = createLogger('socketeer:nats');

/** A message of the cluster protocol, as far as the bus needs to know it. */
export interface BusMessage {
  uid: string;
  nsp: string;
  type: number;
  data?: unknown;
}

/** JetStream settings of the bus. */
export interface NatsJetStreamOptions {
  /** Stream name (default: the prefix with `[^A-Za-z0-9_-]` turned into `_`). */
  stream?: string;
  /**
   * How many messages the stream keeps (all namespaces). Default 100000. It bounds the recovery window, and a
   * server reading more than this many messages behind (a burst) loses the oldest of them: size it above the
   * largest burst.
   */
  maxLen?: number;
  /** How long the stream keeps a message, in ms (0: no limit). Default 0. */
  maxAge?: number;
  /** `file` (survives a NATS restart, default) or `memory`. */
  storage?: 'file' | 'memory';
}

/** Options of {@link NatsBus}. */
export interface NatsBusOptions {
  /** Subject prefix. */
  prefix: string;
  /** Namespace name. */
  nsp: string;
  /** This server's id. */
  uid: string;
  /** JetStream settings, or null for core NATS only. */
  jetstream: NatsJetStreamOptions | null;
  /** Longest wait for a JetStream acknowledgement, in ms. Default 5000. */
  publishTimeout?: number;
  /** How long a message for JetStream is held while NATS is unreachable, in ms. Default 10000. */
  maxOutage?: number;
}

/** What the bus hands to its adapter. */
export interface BusHandlers {
  /** A message of another server (or this one: the adapter filters), with its offset when stored. */
  message(message: BusMessage, offset?: string): void;
  /** An answer to one of this server's requests. */
  response(response: BusMessage): void;
}

/**
 * Encodes a namespace name or a server id as one subject token.
 * @param name the name
 * @returns the token
 * @example
 * ```ts
 * subjectToken('/chat.v2');   // '/chat%2Ev2'
 * ```
 */
export function subjectToken(name: string): string {
  const out = encodeURIComponent(name).replace(/%2F/g, '/').replace(/[.*]/g, (c) => (c === '.' ? '%2E' : '%2A'));
  return out === '' ? '%00' : out;
}

/**
 * The name of the stream of a prefix.
 * @param prefix the subject prefix
 * @returns a valid stream name
 * @example
 * ```ts
 * streamName('socket.io');   // 'socket_io'
 * ```
 */
export function streamName(prefix: string): string {
  return prefix.replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * Encodes a message (MessagePack).
 * @param message the message
 * @returns its bytes
 * @example
 * ```ts
 * nc.publish(subject, encodeMessage({ uid, nsp: '/', type: 3, data: { packet, opts } }));
 * ```
 */
export function encodeMessage(message: BusMessage): Uint8Array {
  return msgpackEncode(message);
}

/**
 * Decodes a message.
 * @param bytes what was received
 * @returns the message, or null when it is not one
 * @example
 * ```ts
 * for await (const msg of sub) { const m = decodeMessage(msg.data); if (m) handle(m); }
 * ```
 */
export function decodeMessage(bytes: Uint8Array): BusMessage | null {
  try {
    const m = msgpackDecode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as BusMessage;
    return m !== null && typeof m === 'object' && typeof m.uid === 'string' && typeof m.type === 'number' ? m : null;
  } catch {
    return null;
  }
}

/**
 * Rejects after `ms` unless `p` settles first.
 * @param p the promise
 * @param ms the bound, in ms
 * @param what named in the error
 * @returns what `p` resolves with
 * @example
 * ```ts
 * await withTimeout(kv.put(key, value), 5000, 'KV put');
 * ```
 */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout reached while waiting for NATS (${what})`)), ms);
    p.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e); });
  });
}

/**
 * Creates the stream of a prefix if it does not exist (idempotent, several servers may race).
 * @param jsm the JetStream manager
 * @param prefix the subject prefix
 * @param opts stream settings
 * @returns the stream name
 * @example
 * ```ts
 * const name = await ensureStream(await nc.jetstreamManager(), 'socket.io', { maxLen: 10_000 });
 * ```
 */
export async function ensureStream(jsm: JetStreamManager, prefix: string, opts: NatsJetStreamOptions): Promise<string> {
  const name = opts.stream ?? streamName(prefix);
  try {
    await jsm.streams.info(name);
    return name;
  } catch (err) {
    if (!/not found/i.test((err as Error).message)) throw err;
  }
  const config = {
    name, subjects: [`${prefix}.m.>`], max_msgs: opts.maxLen ?? 100_000, max_age: (opts.maxAge ?? 0) * 1e6,
    storage: opts.storage ?? 'file', discard: 'old', retention: 'limits', num_replicas: 1,
  } as unknown as StreamConfig;
  try {
    await jsm.streams.add(config);
  } catch (err) {
    // another server created it meanwhile
    await jsm.streams.info(name).catch(() => { throw err; });
  }
  return name;
}

/**
 * One namespace's subjects on a NATS connection.
 * @example
 * ```ts
 * const bus = new NatsBus(nc, { prefix: 'socket.io', nsp: '/', uid: 'a1', jetstream: null });
 * await bus.start({ message: (m) => console.log(m.type), response: () => {} });
 * await bus.publish({ uid: 'a1', nsp: '/', type: 9, data: { packet: ['hello'] } });
 * ```
 */
export class NatsBus {
  /** Subject of the messages to every server. */
  readonly subject: string;
  /** Subject of the ephemeral messages (core NATS). */
  readonly ephemeralSubject: string;
  /** The stream name (JetStream on, once started), else null. */
  stream: string | null = null;
  private readonly prefixNsp: string;
  private readonly subs: Subscription[] = [];
  private consumer: ConsumerMessages | null = null;
  private publisher: HeldPublisher | null = null;
  private ready: Promise<void> | null = null;
  private closed = false;
  private started = false;
  private connected = true;
  private readonly timeout: number;

  /**
   * @param nc a connected `nats` connection (the user's)
   * @param opts prefix, namespace, id, JetStream settings
   * @example
   * ```ts
   * const bus = new NatsBus(await connect({ servers: 'nats://127.0.0.1:4222' }),
   *   { prefix: 'socket.io', nsp: '/', uid: 'a1', jetstream: { maxLen: 10_000 } });
   * ```
   */
  constructor(private readonly nc: NatsConnection, private readonly opts: NatsBusOptions) {
    this.prefixNsp = subjectToken(opts.nsp);
    this.subject = NatsBus.subjectOf(opts.prefix, opts.nsp);
    this.ephemeralSubject = `${opts.prefix}.e.${this.prefixNsp}`;
    this.timeout = opts.publishTimeout ?? 5000;
  }

  /**
   * The subject of the messages to every server of a namespace (the one its history is stored under).
   * @param prefix the subject prefix
   * @param nsp the namespace name
   * @returns the subject
   * @example
   * ```ts
   * NatsBus.subjectOf('socket.io', '/chat');   // 'socket.io.m./chat'
   * ```
   */
  static subjectOf(prefix: string, nsp: string): string {
    return `${prefix}.m.${subjectToken(nsp)}`;
  }

  /**
   * @param uid a server's id
   * @returns the subject of the answers to that server's requests
   * @example
   * ```ts
   * bus.responseSubject('a1');   // 'socket.io.r./.a1'
   * ```
   */
  responseSubject(uid: string): string {
    return `${this.opts.prefix}.r.${this.prefixNsp}.${subjectToken(uid)}`;
  }

  /**
   * Whether the connection is up now.
   * @example
   * ```ts
   * if (!bus.up) log('NATS is unreachable: JetStream messages are held');
   * ```
   */
  get up(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  /**
   * Subscribes (and, with JetStream, creates the stream and the consumer reading it from now on).
   * @param handlers where messages and answers go
   * @returns settles once the bus receives (never rejects: without JetStream on the server, core NATS is used)
   * @example
   * ```ts
   * await bus.start({ message: (m, offset) => adapter.receive(m, offset), response: (r) => adapter.answer(r) });
   * ```
   */
  start(handlers: BusHandlers): Promise<void> {
    this.watchStatus();
    const onCore = (sub: Subscription, deliver: (m: BusMessage) => void): void => {
      this.subs.push(sub);
      (async () => {
        for await (const msg of sub) {
          const m = decodeMessage(msg.data);
          if (m) deliver(m);
        }
      })().catch((err: Error) => log('[%s] subscription %s ended: %s', this.opts.uid, sub.getSubject(), err.message));
    };
    const coreOnly = (): Promise<void> => {
      onCore(this.nc.subscribe(this.subject), (m) => handlers.message(m));
      return this.nc.flush();
    };
    onCore(this.nc.subscribe(this.ephemeralSubject), (m) => handlers.message(m));
    onCore(this.nc.subscribe(this.responseSubject(this.opts.uid)), (m) => handlers.response(m));
    const jetstream = this.opts.jetstream;
    const started = jetstream === null ? coreOnly() : this.startJetStream(jetstream, handlers).catch((err: Error) => {
      log('[%s] JetStream unavailable (%s): core NATS only, no history', this.opts.uid, err.message);
      return coreOnly();
    });
    this.ready = started.then(() => { this.started = true; }, (err: Error) => {
      this.started = true;
      log('[%s] could not subscribe: %s', this.opts.uid, err.message);
    });
    return this.ready;
  }

  /** Follows the connection's state (messages for JetStream are held while it is down). */
  private watchStatus(): void {
    (async () => {
      for await (const status of this.nc.status()) {
        if (this.closed) break;
        if (status.type === 'disconnect') {
          this.connected = false;
          this.publisher?.down();
          log('[%s] connection to NATS lost', this.opts.uid);
        } else if (status.type === 'reconnect') {
          this.connected = true;
          this.publisher?.up();
          log('[%s] NATS is back: cross-server delivery resumes', this.opts.uid);
        }
      }
    })().catch(() => {});
  }

  private async startJetStream(opts: NatsJetStreamOptions, handlers: BusHandlers): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    const js = this.nc.jetstream();
    const stream = await ensureStream(jsm, this.opts.prefix, opts);
    const info = await jsm.streams.info(stream);
    // from the next message on: an ordered consumer resumes after the last sequence it delivered when it is
    // recreated (NATS restarted, consumer lost), so what was stored meanwhile is read, in order, once
    const consumer = await js.consumers.get(stream, {
      filterSubjects: this.subject, opt_start_seq: info.state.last_seq + 1, deliver_policy: 'by_start_sequence',
    } as unknown as Parameters<JetStreamClient['consumers']['get']>[1] & object);
    if (this.closed) return;
    const messages = await consumer.consume({ max_messages: 1024, expires: 5000 });
    this.consumer = messages;
    this.stream = stream;
    this.publisher = new HeldPublisher(js, this.subject, this.opts.uid, { timeout: this.timeout, holdFor: this.opts.maxOutage ?? 10000 });
    if (!this.connected) this.publisher.down();
    (async () => {
      for await (const msg of messages) {
        const m = decodeMessage(msg.data);
        if (m) handlers.message(m, String(msg.info.streamSequence));
      }
    })().catch((err: Error) => log('[%s] stream consumer ended: %s', this.opts.uid, err.message));
  }

  /**
   * Publishes a message to every server.
   * @param message the message
   * @param ephemeral only of interest to the servers up now (heartbeats, requests): core NATS, never stored
   * @returns the offset (stream sequence) when stored by JetStream, else undefined
   * @example
   * ```ts
   * const offset = await bus.publish({ uid, nsp: '/', type: 3, data: { packet, opts } });
   * await bus.publish({ uid, nsp: '/', type: 2 }, true);   // a heartbeat
   * ```
   */
  async publish(message: BusMessage, ephemeral = false): Promise<string | undefined> {
    const bytes = encodeMessage(message);
    if (ephemeral) {
      if (!this.nc.isClosed()) this.nc.publish(this.ephemeralSubject, bytes);
      return undefined;
    }
    if (!this.started && this.ready) await this.ready;
    if (this.publisher === null) {
      if (!this.nc.isClosed()) this.nc.publish(this.subject, bytes);
      return undefined;
    }
    return String(await this.publisher.publish(bytes));
  }

  /**
   * Sends an answer to the server that asked.
   * @param uid the requesting server
   * @param response the answer
   * @example
   * ```ts
   * await bus.publishResponse(request.uid, { uid, nsp: '/', type: 8, data: { requestId, sockets } });
   * ```
   */
  async publishResponse(uid: string, response: BusMessage): Promise<void> {
    if (!this.nc.isClosed()) this.nc.publish(this.responseSubject(uid), encodeMessage(response));
  }

  /**
   * Unsubscribes and stops the consumer (the connection stays the user's).
   * @example
   * ```ts
   * await bus.close();
   * ```
   */
  async close(): Promise<void> {
    this.closed = true;
    this.publisher?.failAll();
    for (const sub of this.subs.splice(0)) sub.unsubscribe();
    const consumer = this.consumer;
    this.consumer = null;
    // bounded: while NATS is unreachable neither would settle
    if (consumer) await withTimeout(consumer.close(), this.timeout, 'consumer close').catch(() => {});
    if (!this.nc.isClosed()) await withTimeout(this.nc.flush(), this.timeout, 'flush').catch(() => {});
  }
}
