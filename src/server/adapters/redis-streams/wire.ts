/**
 * The wire format shared with `@socket.io/redis-streams-adapter` 0.3: the stream entries (fields `uid`, `nsp`,
 * `type` as text, `data` as JSON, or base64 MessagePack when it holds binary), the Pub/Sub payloads of the
 * messages that need not be kept (MessagePack), the channel and stream names, the session keys.
 *
 * ```ts
 * const fields = encodeEntry(message, false);        // XADD <stream> MAXLEN ~ 10000 * ...fields
 * const message = decodeEntry(fieldsFromXread);      // back to a ClusterMessage
 * ```
 *
 * Pure functions, no state. Must never import a Redis client library, the adapters nor the server classes.
 */
import { encode as msgpackEncode, decode as msgpackDecode } from 'notepack.io';
import { containsBinary, mayContainBinary, type ClusterMessage } from '../cluster/messages.js';

/** A stream entry id: `<ms>-<seq>`. */
export const ENTRY_ID = /^[0-9]+-[0-9]+$/;

/**
 * The stream a namespace writes to: `streamName`, or `streamName-<i>` (a hash of the namespace) when there are
 * several streams, as the reference routes them.
 * @param nsp the namespace name
 * @param streamName the stream name (or prefix)
 * @param streamCount how many streams
 * @example
 * ```ts
 * streamFor('/', 'socket.io', 1);   // 'socket.io'
 * ```
 */
export function streamFor(nsp: string, streamName: string, streamCount: number): string {
  if (streamCount <= 1) return streamName;
  let hash = 0;
  for (let i = 0; i < nsp.length; i++) hash = (hash * 31 + nsp.charCodeAt(i)) | 0;
  return `${streamName}-${hash % streamCount}`;
}

/**
 * The Pub/Sub channels of a namespace: the one every node listens to, and this node's own (answers).
 * @param prefix the channel prefix (`socket.io`)
 * @param nsp the namespace name
 * @param uid a node's uid
 * @example
 * ```ts
 * channelsFor('socket.io', '/', 'abc').own;   // 'socket.io#/#abc#'
 * ```
 */
export function channelsFor(prefix: string, nsp: string, uid: string): { all: string; own: string } {
  return { all: `${prefix}#${nsp}#`, own: `${prefix}#${nsp}#${uid}#` };
}

/**
 * A message → the fields of its stream entry, in the reference's order.
 * @param message the message
 * @param onlyPlaintext skip the binary check (the data never holds binary)
 * @returns `[field, value, …]`
 * @example
 * ```ts
 * await conn.command(['XADD', stream, 'MAXLEN', '~', '10000', '*', ...encodeEntry(message, false)], stream);
 * ```
 */
export function encodeEntry(message: ClusterMessage, onlyPlaintext: boolean): string[] {
  const fields = ['uid', message.uid, 'nsp', message.nsp, 'type', String(message.type)];
  if (message.data !== undefined && message.data !== null) {
    const binary = !onlyPlaintext && mayContainBinary(message.type) && containsBinary(message.data);
    fields.push('data', binary ? Buffer.from(msgpackEncode(message.data)).toString('base64') : JSON.stringify(message.data));
  }
  return fields;
}

/**
 * The fields of a stream entry (as read: `[field, value, …]`, Buffers or strings) → a message.
 * @param fields the flat field list
 * @returns the message, or null when malformed
 * @example
 * ```ts
 * const message = decodeEntry(entry[1]);
 * if (message) adapter.onMessage(message, String(entry[0]));
 * ```
 */
export function decodeEntry(fields: ReadonlyArray<Buffer | string>): ClusterMessage | null {
  const raw: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) raw[String(fields[i])] = String(fields[i + 1]);
  if (!raw.nsp || !raw.type) return null;
  const message: ClusterMessage = { uid: raw.uid ?? '', nsp: raw.nsp, type: parseInt(raw.type, 10) };
  if (raw.data) {
    try {
      message.data = raw.data.startsWith('{') ? JSON.parse(raw.data) : msgpackDecode(Buffer.from(raw.data, 'base64'));
    } catch {
      return null;
    }
  }
  return message;
}

/**
 * A message sent over Pub/Sub → its MessagePack payload.
 * @param message the message
 * @example
 * ```ts
 * await conn.publish(channels.all, encodePayload(message));
 * ```
 */
export function encodePayload(message: ClusterMessage): Buffer {
  return msgpackEncode(message);
}

/**
 * A Pub/Sub payload → a message.
 * @param payload the bytes
 * @returns the message, or null when malformed
 * @example
 * ```ts
 * const message = decodePayload(buffer);
 * ```
 */
export function decodePayload(payload: Buffer): ClusterMessage | null {
  try {
    const value: unknown = msgpackDecode(payload);
    if (!value || typeof value !== 'object' || typeof (value as ClusterMessage).type !== 'number') return null;
    return value as ClusterMessage;
  } catch {
    return null;
  }
}

/**
 * A session as stored under `<sessionKeyPrefix><pid>`: base64 MessagePack, as the reference writes it.
 * @param session the session
 * @example
 * ```ts
 * await conn.command(['SET', key, encodeSession(session), 'PX', String(ttl)], key);
 * ```
 */
export function encodeSession(session: object): string {
  return Buffer.from(msgpackEncode(session)).toString('base64');
}

/**
 * The stored text of a session → the session.
 * @param raw the stored value
 * @returns the decoded object, or null
 * @example
 * ```ts
 * const session = decodeSession(String(await conn.command(['GET', key], key)));
 * ```
 */
export function decodeSession(raw: string): Record<string, unknown> | null {
  try {
    const value: unknown = msgpackDecode(Buffer.from(raw, 'base64'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
