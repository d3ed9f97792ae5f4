/**
 * How one packet is written to many local sockets: the write options of a broadcast, with one shared frame per
 * encoded part, so that the websocket transport frames each part once for every recipient.
 *
 * ```ts
 * const encoded = nsp.server.encoder.encode(packet);
 * const writeOptions = broadcastWriteOptions(encoded.length, opts.flags ?? {});
 * for (const socket of recipients) socket.client.writeToEngine(encoded, writeOptions);
 * ```
 *
 * Owns no state. Must never import the server classes nor anything under `adapters/`.
 */
import type { EngineSendOptions } from './engine.js';
import type { BroadcastFlags, WriteOptions } from './adapter-types.js';

/**
 * Creates the write options of a broadcast: one shared frame per encoded part.
 * @param count number of encoded parts
 * @param flags the broadcast flags
 * @example
 * ```ts
 * const encoded = nsp.server.encoder.encode(packet);
 * const writeOptions = broadcastWriteOptions(encoded.length, opts.flags ?? {});   // once per broadcast
 * for (const socket of recipients) socket.client.writeToEngine(encoded, writeOptions);
 * ```
 */
export function broadcastWriteOptions(count: number, flags: BroadcastFlags): WriteOptions {
  const compress = flags.compress !== false;
  const parts: EngineSendOptions[] = new Array(count);
  for (let i = 0; i < count; i++) parts[i] = { compress, shared: {} };
  return { preEncoded: true, volatile: flags.volatile, compress, parts };
}
