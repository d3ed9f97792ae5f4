/**
 * Long-polling without sticky sessions for servers on the Redis adapter: the cluster core's polling forwarding
 * (`../cluster/polling-forwarding.ts`) over two Redis channels of its own. An HTTP long-polling request that reaches
 * a server which does not own its Engine.IO session is published to every server; the owner replays it on its own
 * HTTP endpoint and sends the response back. Sticky sessions remain the faster setup (no extra hops); see
 * `docs/scaling.md` for the design and its cost.
 *
 * ```ts
 * import { createAdapter, forwardPolling } from 'socketeer/redis';
 * const io = new Server(httpServer, { adapter: createAdapter(pubClient, subClient) });
 * forwardPolling(io, pubClient, subClient);
 * ```
 *
 * Channels: requests on `<key>-engine#` (every server receives them; the owner answers), answers on
 * `<key>-engine#<uid>#`. Messages are the core's forwarding data as JSON.
 *
 * Owns the Redis channels of polling forwarding only. Must never import the adapters nor the server classes.
 */
import { PollingForwarding, FORWARDED_HEADER, type ForwardData } from '../cluster/polling-forwarding.js';
import { randomId } from '../cluster/messages.js';
import { wrapClient, type RedisConnection } from './client.js';
import { log } from './bus.js';
import { decodeMessage } from './wire.js';

export { FORWARDED_HEADER };

/** Options of {@link forwardPolling}. */
export interface PollingForwardOptions {
  /** Channel prefix. Default `socket.io`. */
  key?: string;
  /** How long to wait for the owner of a session to claim a forwarded request, in ms. Default 1000. */
  ownerTimeout?: number;
  /** Longest wait for the owner's response (a long-polling GET is held up to `pingInterval`), in ms. Default 60000. */
  responseTimeout?: number;
}

/**
 * Makes the server forward the long-polling requests of sessions it does not own to their owner through Redis.
 * @param io - the Socketeer server (attached to an HTTP server)
 * @param pubClient - Redis client used to publish
 * @param subClient - Redis client used to subscribe (may be the adapter's)
 * @param opts - key and timeouts
 * @returns the forwarder (call `close()` to stop)
 * @example
 * ```ts
 * import { createAdapter, forwardPolling } from 'socketeer/redis';
 *
 * const io = new Server(httpServer, { adapter: createAdapter(pubClient, subClient) });
 * // behind a load balancer without sticky sessions: polling requests reaching this server for another's session
 * const forwarder = forwardPolling(io, pubClient, subClient);
 * ```
 */
export function forwardPolling(io: { engine: unknown; httpServer: unknown }, pubClient: unknown, subClient: unknown,
  opts: PollingForwardOptions = {}): PollingForwarder {
  return new PollingForwarder(io, wrapClient(pubClient), wrapClient(subClient), opts);
}

/**
 * Forwards unknown-sid polling requests to their owner over Redis, and serves those forwarded to this server.
 * @example
 * ```ts
 * const forwarder = forwardPolling(io, pubClient, subClient, { ownerTimeout: 500 });
 * // ... on shutdown
 * forwarder.close();
 * ```
 */
export class PollingForwarder {
  /** This server's id on the forwarding channels. */
  readonly uid = randomId();
  private readonly forwarding: PollingForwarding;
  private readonly requestChannel: string;
  private readonly channels: string[];
  private readonly onRedis = (_channel: string, raw: Buffer): void => {
    this.forwarding.receive(decodeMessage(raw));
  };

  /**
   * @param io - the server (its engine must offer `addUnknownSidHandler`)
   * @param pub - publishing connection
   * @param sub - subscribing connection
   * @param opts - key and timeouts
   * @throws TypeError when the server's engine has no hook for unknown sessions
   * @example
   * ```ts
   * const forwarder = new PollingForwarder(io, wrapClient(pub), wrapClient(sub), { key: 'my-app' });
   * ```
   */
  constructor(io: { engine: unknown; httpServer: unknown }, private readonly pub: RedisConnection,
    private readonly sub: RedisConnection, opts: PollingForwardOptions = {}) {
    const engine = io.engine as { addUnknownSidHandler?: unknown; clients?: unknown } | null;
    if (!engine || typeof engine.addUnknownSidHandler !== 'function' || !(engine.clients instanceof Map)) {
      throw new TypeError('forwardPolling: the server has no engine accepting unknown-session handlers');
    }
    const key = opts.key || 'socket.io';
    this.requestChannel = `${key}-engine#`;
    this.channels = [this.requestChannel, `${key}-engine#${this.uid}#`];
    this.forwarding = new PollingForwarding({
      uid: this.uid, server: io,
      publish: (data) => this.send(this.requestChannel, data),
      publishResponse: (uid, data) => this.send(`${key}-engine#${uid}#`, data),
      isUp: () => this.pub.up,
    }, opts);
    this.forwarding.start();
    this.sub.subscribe(this.channels, this.onRedis)
      .catch((err: Error) => log('[%s] polling forwarding could not subscribe: %s', this.uid, err.message));
  }

  private send(channel: string, data: ForwardData): void {
    if (!this.pub.up) return;
    this.pub.publish(channel, JSON.stringify(data))
      .catch((err: Error) => log('[%s] polling forwarding could not publish: %s', this.uid, err.message));
  }

  /**
   * Stops forwarding: removes the engine hook, answers the waiting requests "unknown sid", unsubscribes.
   * @example
   * ```ts
   * forwarder.close();
   * ```
   */
  close(): void {
    this.forwarding.close();
    this.sub.unsubscribe(this.channels, this.onRedis).catch(() => {});
  }
}
