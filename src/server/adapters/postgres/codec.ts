/**
 * The wire format shared with `@socket.io/postgres-adapter` 0.5 and `@socket.io/postgres-emitter` 0.1: one
 * notification channel per namespace (`<channelPrefix>#<nsp>`), cluster messages as JSON `NOTIFY` payloads, and
 * the attachments table for the ones that do not fit (over `payloadThreshold` bytes) or carry binary data: the
 * message is stored MessagePack-encoded in a `bytea` row and the notification only says
 * `{"uid","type","attachmentId"}`.
 *
 * ```ts
 * const out = encodeMessage(message, 8000);
 * if (out.kind === 'inline') await pool.query('SELECT pg_notify($1, $2)', [channelName('socket.io', '/'), out.payload]);
 * ```
 *
 * Pure functions, no state: the only place of the PostgreSQL engine where bytes are made or read. Must never
 * import a PostgreSQL driver, the bus nor the server classes.
 */
import { encode as msgpackEncode, decode as msgpackDecode } from 'notepack.io';

/**
 * A cluster message or response as it crosses PostgreSQL (the `socket.io-adapter` cluster message shape). The
 * emitters send no `nsp`: the receiver takes it from the channel.
 */
export interface BusMessage {
  /** the sending server's id (`emitter` for the emitters) */
  uid?: string;
  /** the namespace */
  nsp?: string;
  /** the message type of `socket.io-adapter`'s cluster protocol */
  type: number;
  /** the type's body */
  data?: unknown;
}

/**
 * What a message becomes on the way out: a `NOTIFY` payload, or an attachment row plus its reference, which is
 * `before + <row id> + after` (`{"uid":…,"type":…,"attachmentId":"<id>"}`, as the official adapter writes it).
 */
export type Outgoing =
  | { kind: 'inline'; payload: string }
  | { kind: 'attachment'; body: Buffer; before: string; after: string };

/** What a notification says: the message itself, or where to read it. */
export type Incoming =
  | { kind: 'inline'; message: BusMessage }
  | { kind: 'attachment'; id: string; uid: string | undefined; type: number };

/** The defaults of the official adapter's options. */
export const DEFAULTS = {
  channelPrefix: 'socket.io',
  tableName: 'socket_io_attachments',
  payloadThreshold: 8000,
  cleanupInterval: 30_000,
} as const;

/** The response types of the cluster protocol (answers to a request, published on the namespace channel too). */
const RESPONSE_TYPES = new Set([8 /* FETCH_SOCKETS_RESPONSE */, 10 /* SERVER_SIDE_EMIT_RESPONSE */, 11 /* BROADCAST_CLIENT_COUNT */, 12 /* BROADCAST_ACK */]);

/**
 * Whether a message type is a response (to hand to `onResponse` rather than `onMessage`).
 * @param type the message type
 * @returns true for the four response types
 * @example
 * ```ts
 * isResponseType(8); // true (FETCH_SOCKETS_RESPONSE)
 * ```
 */
export function isResponseType(type: number): boolean {
  return RESPONSE_TYPES.has(type);
}

/**
 * The notification channel of a namespace.
 * @param prefix the `channelPrefix` option
 * @param nsp the namespace name
 * @returns `<prefix>#<nsp>`
 * @example
 * ```ts
 * channelName('socket.io', '/chat'); // 'socket.io#/chat'
 * ```
 */
export function channelName(prefix: string, nsp: string): string {
  return `${prefix}#${nsp}`;
}

/**
 * The `LISTEN`/`UNLISTEN` argument for a channel: a quoted identifier (case kept, quotes doubled).
 * @param channel the channel name
 * @returns the quoted identifier
 * @example
 * ```ts
 * await client.query(`LISTEN ${quoteChannel('socket.io#/')}`);
 * ```
 */
export function quoteChannel(channel: string): string {
  return `"${channel.replace(/"/g, '""')}"`;
}

/**
 * Checks the `tableName` option, which is written into SQL as it is (like the official adapter, so that
 * `schema.table` works): an identifier, optionally schema-qualified.
 * @param name the table name
 * @returns the name
 * @throws TypeError when it is not a plain identifier
 * @example
 * ```ts
 * checkTableName('realtime.socket_io_attachments');
 * ```
 */
export function checkTableName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/.test(name)) {
    throw new TypeError(`invalid tableName: ${JSON.stringify(name)}`);
  }
  return name;
}

/**
 * Whether a value holds binary data (a Buffer, an ArrayBuffer or a typed array, at any depth, or in what its
 * `toJSON()` returns).
 * @param value the value
 * @returns true when some binary data is found
 * @example
 * ```ts
 * hasBinary({ data: [1, Buffer.from('a')] }); // true
 * ```
 */
export function hasBinary(value: unknown): boolean {
  return findBinary(value, new Set(), false);
}

function findBinary(value: unknown, seen: Set<object>, viaToJSON: boolean): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return true;
  if (seen.has(value)) return false;
  seen.add(value);
  if (Array.isArray(value)) return value.some((item) => findBinary(item, seen, false));
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (findBinary(record[key], seen, false)) return true;
  }
  const toJSON = record.toJSON;
  return !viaToJSON && typeof toJSON === 'function' && findBinary(toJSON.call(value), seen, true);
}

/**
 * Encodes a message for the bus: JSON in the notification when it has no binary data and its JSON fits in
 * `threshold` bytes, otherwise MessagePack for the attachments table.
 * @param message the message (with `uid` and `nsp`)
 * @param threshold the `payloadThreshold` option, in bytes
 * @returns what to send
 * @example
 * ```ts
 * encodeMessage({ uid: 'a1', nsp: '/', type: 3, data: { packet, opts } }, 8000).kind; // 'inline'
 * ```
 */
export function encodeMessage(message: BusMessage, threshold: number): Outgoing {
  if (!hasBinary(message)) {
    const payload = JSON.stringify(message);
    if (Buffer.byteLength(payload) <= threshold) return { kind: 'inline', payload };
  }
  const header = JSON.stringify({ uid: message.uid, type: message.type });
  return { kind: 'attachment', body: msgpackEncode(message), before: `${header.slice(0, -1)},"attachmentId":"`, after: '"}' };
}

/**
 * Decodes a notification payload.
 * @param payload the `NOTIFY` payload
 * @param nsp the namespace of the channel it came on (given to messages that carry none: the emitters')
 * @returns the message or the attachment it refers to; null when the payload is not a cluster message
 * @example
 * ```ts
 * const incoming = decodeNotification(notification.payload, '/');
 * if (incoming?.kind === 'inline') adapter.onMessage(incoming.message);
 * ```
 */
export function decodeNotification(payload: string | undefined, nsp: string): Incoming | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload ?? '');
  } catch {
    return null;
  }
  if (!isMessageLike(parsed)) return null;
  const attachmentId = (parsed as { attachmentId?: unknown }).attachmentId;
  if (typeof attachmentId === 'string' || typeof attachmentId === 'number') {
    return { kind: 'attachment', id: String(attachmentId), uid: parsed.uid, type: parsed.type };
  }
  if (parsed.nsp === undefined) parsed.nsp = nsp;
  return { kind: 'inline', message: parsed };
}

/**
 * Decodes an attachment row.
 * @param body the `payload` column
 * @param nsp the namespace of the channel the reference came on (for messages that carry none)
 * @returns the message, or null when the row is not a cluster message
 * @example
 * ```ts
 * const { rows } = await pool.query('SELECT payload FROM socket_io_attachments WHERE id = $1', [id]);
 * const message = decodeAttachment(rows[0].payload, '/');
 * ```
 */
export function decodeAttachment(body: Uint8Array, nsp: string): BusMessage | null {
  let decoded: unknown;
  try {
    decoded = msgpackDecode(Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  } catch {
    return null;
  }
  if (!isMessageLike(decoded)) return null;
  if (decoded.nsp === undefined) decoded.nsp = nsp;
  return decoded;
}

function isMessageLike(value: unknown): value is BusMessage {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const { type, uid, nsp } = value as Record<string, unknown>;
  return typeof type === 'number' && (uid === undefined || typeof uid === 'string') &&
    (nsp === undefined || typeof nsp === 'string');
}
