/**
 * A MessagePack parser with the `socket.io-parser` shape, speaking the format of `socket.io-msgpack-parser`:
 * every Socket.IO packet is one binary message, the MessagePack encoding of `{ type, nsp, data?, id? }`
 * (binary arguments travel inside it, so there are no attachment packets). It is the default parser of the
 * `socket.io.msgpack.min.js` browser script, for servers started with a MessagePack parser.
 *
 * ```ts
 * import { io } from 'socketeer/client';
 * import * as msgpackParser from './msgpack-parser.js';
 * const socket = io('https://example.com', { parser: msgpackParser });
 * ```
 *
 * Owns the MessagePack `Encoder`/`Decoder`. Must never import server or server-engine code (`src/server/`,
 * `src/engine/`): the client pulls only `src/client/`, `src/protocol/` and `src/util/`.
 */
import { decode, encode } from 'notepack.io';
import { Emitter } from './emitter.js';
import type { Packet } from '../protocol/socket-packet.js';

/** Socket.IO protocol revision. */
export const protocol = 5;

const CONNECT = 0;
const DISCONNECT = 1;
const CONNECT_ERROR = 4;

/**
 * Encodes a packet into one MessagePack message.
 * @example
 * ```ts
 * const [message] = new Encoder().encode({ type: PacketType.EVENT, nsp: '/', data: ['hello'] });
 * ```
 */
export class Encoder {
  /**
   * @param packet the packet
   * @returns one binary message
   * @example
   * ```ts
   * ws.send(new Encoder().encode(packet)[0]);
   * ```
   */
  encode(packet: Packet): Array<ArrayBuffer | Uint8Array> {
    return [encode(packet) as ArrayBuffer | Uint8Array];
  }
}

function isObject(value: unknown): boolean {
  return Object.prototype.toString.call(value) === '[object Object]';
}

/** Whether the payload suits the packet type. */
function validData(type: number, data: unknown): boolean {
  if (type === CONNECT) return data === undefined || isObject(data);
  if (type === DISCONNECT) return data === undefined;
  if (type === CONNECT_ERROR) return typeof data === 'string' || isObject(data);
  return Array.isArray(data);
}

/**
 * Decodes MessagePack messages; emits `decoded` with each packet, throws on an invalid one.
 * @example
 * ```ts
 * const decoder = new Decoder();
 * decoder.on('decoded', (packet) => console.log(packet.data));
 * decoder.add(message);
 * ```
 */
export class Decoder extends Emitter<{}, { decoded: (packet: Packet) => void }> {
  /**
   * @param data one binary message
   * @example
   * ```ts
   * decoder.add(new Uint8Array(frame));
   * ```
   */
  add(data: unknown): void {
    if (typeof data === 'string') throw new Error('invalid packet: text in a MessagePack connection');
    const packet = decode(data as ArrayBuffer) as Packet;
    if (packet === null || typeof packet !== 'object') throw new Error('invalid packet');
    const type = packet.type;
    if (!Number.isInteger(type) || type < CONNECT || type > CONNECT_ERROR) throw new Error('invalid packet type');
    if (typeof packet.nsp !== 'string') throw new Error('invalid namespace');
    if (!validData(type, packet.data)) throw new Error('invalid payload');
    if (packet.id !== undefined && !Number.isInteger(packet.id)) throw new Error('invalid packet id');
    this.emit('decoded', packet);
  }

  /**
   * Nothing to release.
   * @example
   * ```ts
   * decoder.destroy();
   * ```
   */
  destroy(): void {}
}
