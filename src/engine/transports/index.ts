/**
 * The transport registry: every transport the engine can serve, by the name clients give in the `transport`
 * query parameter, with how it is created (from an HTTP request, or from an HTTP upgrade) and which
 * transports a session on it may upgrade to. The handshake, the upgrade path and the `upgrades` list of the
 * open packet read this registry; no other engine file names a transport.
 *
 * Adding a transport: write its class beside the others (extending {@link Transport}), give it a `name`,
 * and add an entry to {@link REGISTRY} (and to {@link TransportName}).
 *
 * Must never import the session (`../socket.js`) or the server (`../server.js`).
 *
 * @example
 * ```ts
 * const entry = transportEntry(req._query.transport);
 * if (entry === undefined) refuse(EngineErrors.UNKNOWN_TRANSPORT);
 * else if (entry.via === 'request') entry.create(req, opts).onRequest(req, res);
 * ```
 */
import type { HttpCompressionOptions } from '../options.js';
import { JsonpPolling } from './polling-jsonp.js';
import { Polling } from './polling.js';
import type { EngineRequest, Transport } from './transport.js';
import { WebSocketTransport } from './websocket.js';

export { Transport, PARSE_ERROR_PACKET, noop } from './transport.js';
export type { EngineRequest, SendOptions, SharedFrame, OutgoingPacket, IncomingPacket } from './transport.js';
export { Polling, type ResponseHeaders } from './polling.js';
export { JsonpPolling } from './polling-jsonp.js';
export { WebSocketTransport } from './websocket.js';

/** Transports the engine can serve. */
export type TransportName = 'polling' | 'websocket';

/** The engine options a transport is created with. */
export interface TransportCreateOptions {
  /** largest accepted message/POST body in bytes */
  readonly maxHttpBufferSize: number;
  /** compression of polling replies */
  readonly httpCompression: false | HttpCompressionOptions;
}

/** How the engine serves one transport. */
export interface TransportEntry {
  /**
   * How the transport comes to be: `'request'` — from plain HTTP requests, the session's later requests being
   * handed to `transport.onRequest` (its writes wait for a request); `'upgrade'` — from an HTTP upgrade
   * (`req.websocket` holds the accepted WebSocket).
   */
  readonly via: 'request' | 'upgrade';
  /** transports a session on this one may upgrade to (when enabled), in order of preference */
  readonly upgradesTo: readonly TransportName[];
  /**
   * Creates the transport of one request.
   * @param req the request (its query decides variants, e.g. JSONP)
   * @param opts engine options
   */
  create(req: EngineRequest, opts: TransportCreateOptions): Transport;
}

/** Every transport, in the default order of the `transports` option. */
const REGISTRY: Readonly<Record<TransportName, TransportEntry>> = {
  polling: {
    via: 'request',
    upgradesTo: ['websocket'],
    create(req, opts) {
      const transport = typeof req._query.j === 'string' ? new JsonpPolling(req) : new Polling(req);
      transport.maxHttpBufferSize = opts.maxHttpBufferSize;
      transport.httpCompression = opts.httpCompression;
      return transport;
    },
  },
  websocket: {
    via: 'upgrade',
    upgradesTo: [],
    create: (req) => new WebSocketTransport(req),
  },
};

const ENTRIES: ReadonlyMap<string, TransportEntry> = new Map(Object.entries(REGISTRY));

/** The names of every registered transport (the default of the `transports` option). */
export const TRANSPORT_NAMES: readonly TransportName[] = Object.keys(REGISTRY) as TransportName[];

/**
 * The registry entry of a transport name (as found in a query string).
 * @param name a transport name
 * @returns its entry, or undefined for an unknown name
 * @example
 * ```ts
 * transportEntry('websocket')?.via; // 'upgrade'
 * transportEntry('flash');          // undefined
 * ```
 */
export function transportEntry(name: string | undefined): TransportEntry | undefined {
  return name === undefined ? undefined : ENTRIES.get(name);
}

/**
 * Whether a name is that of a registered transport.
 * @param name a transport name
 * @example
 * ```ts
 * if (!isTransportName(req._query.transport)) refuse();
 * ```
 */
export function isTransportName(name: string | undefined): name is TransportName {
  return name !== undefined && ENTRIES.has(name);
}

/**
 * The transports a session on `current` may upgrade to, among the enabled ones.
 * @param current the session's transport
 * @param enabled the enabled transports (the `transports` option)
 * @example
 * ```ts
 * availableUpgrades('polling', ['polling', 'websocket']); // ['websocket']
 * availableUpgrades('websocket', ['polling', 'websocket']); // []
 * ```
 */
export function availableUpgrades(current: string, enabled: readonly string[]): TransportName[] {
  const entry = ENTRIES.get(current);
  if (entry === undefined || entry.upgradesTo.length === 0) return [];
  return entry.upgradesTo.filter((name) => enabled.includes(name));
}
