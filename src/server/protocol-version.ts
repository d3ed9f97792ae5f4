/**
 * The differences between the two Socket.IO protocol revisions the server speaks, in one place: one object per
 * revision, chosen once per connection from its Engine.IO protocol ({@link protocolVersionOf}).
 *
 * - v5 (Engine.IO 4: socket.io-client v3 and v4, Socketeer's client): the client sends a CONNECT for every
 *   namespace, with an `auth` payload; the server answers `{ sid, pid? }` and refuses with `{ message, data }`.
 * - v4 (Engine.IO 3: socket.io-client v2): the main namespace is joined implicitly when the connection opens; the
 *   query of a namespace travels in its name (`/admin?token=1`) and is merged into the handshake query; the socket
 *   id is derived from the Engine.IO id; the CONNECT reply has no payload; a refusal carries `err.data` or the message.
 *
 * Owns: nothing but these behaviours. Must never import the connection, namespace, socket or server modules.
 *
 * @example
 * ```ts
 * const protocol = protocolVersionOf(conn.protocol);
 * if (protocol.connectsToMainImplicitly) connection.connect('/');
 * ```
 */
import type { ParsedUrlQuery } from 'node:querystring';
import { generateId } from './ids.js';

/** The target of a CONNECT packet: the namespace name and the payload the socket gets as `handshake.auth`. */
export interface ConnectTarget {
  name: string;
  auth: Record<string, unknown> | undefined;
}

/** The payload of a CONNECT reply. */
export interface ConnectReply {
  sid: string;
  pid?: string;
}

/**
 * How one protocol revision behaves where the revisions differ.
 * @example
 * ```ts
 * const { name, auth } = protocolVersionOf(conn.protocol).connectTarget(packet.nsp, packet.data);
 * ```
 */
export interface ProtocolVersion {
  /** The Engine.IO protocol of the connections speaking it (3 or 4). */
  readonly engineProtocol: 3 | 4;
  /** Whether the connection joins the main namespace without a CONNECT packet (v4 protocol: yes). */
  readonly connectsToMainImplicitly: boolean;
  /**
   * Reads a CONNECT packet.
   * @param nsp the namespace of the packet
   * @param data the payload of the packet
   * @returns the namespace to join and the `auth` of the socket
   */
  connectTarget(nsp: string, data: unknown): ConnectTarget;
  /**
   * The id of a new (not recovered) socket.
   * @param nspName the namespace name
   * @param connectionId the Engine.IO id of the connection
   */
  socketId(nspName: string, connectionId: string): string;
  /**
   * The payload of a CONNECT_ERROR packet refusing a socket.
   * @param err the error passed to `next(err)` by a connection middleware
   */
  connectErrorData(err: { message: string; data?: unknown }): unknown;
  /**
   * The payload of the CONNECT reply accepting a socket, if the revision has one.
   * @param sid the socket id
   * @param pid the private session id (connection state recovery), if any
   */
  connectReplyData(sid: string, pid: string | undefined): ConnectReply | undefined;
  /**
   * The `handshake.query` of a socket.
   * @param query the query of the first HTTP request
   * @param auth the CONNECT payload of the socket
   */
  handshakeQuery(query: ParsedUrlQuery, auth: Record<string, unknown>): ParsedUrlQuery;
}

/** Socket.IO protocol v5, over Engine.IO 4. */
export const PROTOCOL_V5: ProtocolVersion = Object.freeze({
  engineProtocol: 4,
  connectsToMainImplicitly: false,
  connectTarget(nsp: string, data: unknown): ConnectTarget {
    return { name: nsp, auth: data as Record<string, unknown> | undefined };
  },
  socketId(): string {
    return generateId();
  },
  connectErrorData(err: { message: string; data?: unknown }): unknown {
    return { message: err.message, data: err.data };
  },
  connectReplyData(sid: string, pid: string | undefined): ConnectReply {
    const data: ConnectReply = { sid };
    if (pid !== undefined) data.pid = pid;
    return data;
  },
  handshakeQuery(query: ParsedUrlQuery): ParsedUrlQuery {
    return query;
  },
} as const);

/** Socket.IO protocol v4 (socket.io v2 clients), over Engine.IO 3. */
export const PROTOCOL_V4: ProtocolVersion = Object.freeze({
  engineProtocol: 3,
  connectsToMainImplicitly: true,
  connectTarget(nsp: string): ConnectTarget {
    // the query of the namespace is in its name: /admin?token=1
    const url = new URL(nsp, 'https://socket.io');
    return { name: url.pathname, auth: Object.fromEntries(url.searchParams) };
  },
  socketId(nspName: string, connectionId: string): string {
    return nspName !== '/' ? nspName + '#' + connectionId : connectionId;
  },
  connectErrorData(err: { message: string; data?: unknown }): unknown {
    return err.data || err.message;
  },
  connectReplyData(): undefined {
    return undefined;
  },
  handshakeQuery(query: ParsedUrlQuery, auth: Record<string, unknown>): ParsedUrlQuery {
    // the CONNECT carried the query of the namespace: it is merged into the query, as the v2 server did
    return Object.keys(auth).length > 0 ? { ...query, ...(auth as ParsedUrlQuery) } : query;
  },
} as const);

/**
 * The protocol revision of a connection.
 * @param engineProtocol the Engine.IO protocol of the connection (`conn.protocol`)
 * @returns {@link PROTOCOL_V4} for Engine.IO 3, else {@link PROTOCOL_V5}
 * @example
 * ```ts
 * protocolVersionOf(3).connectsToMainImplicitly;   // true: a socket.io v2 client
 * ```
 */
export function protocolVersionOf(engineProtocol: number): ProtocolVersion {
  return engineProtocol === 3 ? PROTOCOL_V4 : PROTOCOL_V5;
}
