/**
 * Socket.IO packets in and out of an Engine.IO session, for the Manager: encoding (the built-in codec or a custom
 * `parser`), decoding, and the ordering of packets that carry Blobs (read asynchronously: such a packet and every
 * later one wait for them, in order).
 *
 * Owns: `PacketCodec`. Must never import the Manager, the Socket or server code.
 *
 * @example
 * ```ts
 * const codec = new PacketCodec({ maxNestingDepth: 32 });
 * codec.send({ type: PacketType.EVENT, nsp: '/', data: ['hello'] }, manager);   // writes to manager.engine
 * const packet = codec.decode(frame);   // a Packet, or null while a binary packet waits for its attachments
 * ```
 */
import { encodeSocketPacket, SocketDecoder, type Packet } from '../protocol/index.js';
import { hasBlob, readBlobs } from './blob.js';
import { on } from './emitter.js';
import type { CustomParser } from './manager-options.js';
import type { OutgoingPacket } from './socket-host.js';

/** Where encoded packets go: the Engine.IO session. */
export interface PacketSink {
  write(msg: string | Uint8Array | ArrayBuffer, options?: { compress?: boolean }): unknown;
}

/**
 * The packet codec of one Manager.
 * @example
 * ```ts
 * const codec = new PacketCodec({ parser: msgpackParser });
 * const unsubscribe = codec.onCustomDecoded((packet) => deliver(packet));
 * ```
 */
export class PacketCodec {
  private readonly decoder: SocketDecoder;
  private readonly customEncoder: InstanceType<CustomParser['Encoder']> | undefined;
  private readonly customDecoder: InstanceType<CustomParser['Decoder']> | undefined;
  /** Conversion of the Blobs of queued packets, while any is in progress. */
  private blobs: Promise<void> | undefined;

  /**
   * @param opts the Manager's `parser` and `maxNestingDepth` options
   * @example
   * ```ts
   * new PacketCodec({ maxNestingDepth: manager.opts.maxNestingDepth });
   * ```
   */
  constructor(opts: { parser?: CustomParser; maxNestingDepth?: number }) {
    this.decoder = new SocketDecoder({ maxNestingDepth: opts.maxNestingDepth });
    if (opts.parser) {
      this.customEncoder = new opts.parser.Encoder();
      this.customDecoder = new opts.parser.Decoder();
    }
  }

  /**
   * Follows the packets of a custom parser's decoder (which emits them instead of returning them).
   * @param fn called with each decoded packet
   * @returns the unsubscribe function, or undefined without a custom parser
   * @example
   * ```ts
   * const off = codec.onCustomDecoded((packet) => manager.emit('packet', packet));
   * ```
   */
  onCustomDecoded(fn: (packet: Packet) => void): (() => void) | undefined {
    return this.customDecoder ? on(this.customDecoder as never, 'decoded', fn) : undefined;
  }

  /**
   * Decodes a frame of the session.
   * @param data an Engine.IO message
   * @returns the packet, or null (a binary packet waiting for its attachments, or a custom parser's frame)
   * @throws on malformed input (the Manager closes with `parse error`)
   * @example
   * ```ts
   * const packet = codec.decode('2["hello"]');   // { type: 2, nsp: '/', data: ['hello'] }
   * ```
   */
  decode(data: string | Uint8Array | ArrayBuffer): Packet | null {
    if (this.customDecoder) {
      this.customDecoder.add(data);
      return null;
    }
    return this.decoder.add(data);
  }

  /**
   * Forgets a partly decoded packet (the session is gone).
   * @example
   * ```ts
   * codec.reset();
   * ```
   */
  reset(): void {
    this.decoder.reset();
    this.customDecoder?.destroy();
  }

  /**
   * Encodes a packet and writes it to the host's current session; a packet with Blobs (and every later one)
   * waits for them to be read, and is dropped if the session changed meanwhile.
   * @param packet the packet, with its write options
   * @param host holds the current session (`engine`)
   * @example
   * ```ts
   * codec.send({ type: PacketType.EVENT, nsp: '/', data: ['file', blob] }, manager);
   * ```
   */
  send(packet: OutgoingPacket, host: { readonly engine: PacketSink }): void {
    if (this.blobs || hasBlob(packet.data)) {
      // Blobs are read asynchronously: this packet and every later one wait for them, in order
      const engine = host.engine;
      const done: Promise<void> = (this.blobs || Promise.resolve())
        .then(() => readBlobs(packet.data))
        .then(
          (data) => {
            if (host.engine === engine) this.write({ ...packet, data }, engine);
          },
          () => {}, // an unreadable Blob: the packet is dropped
        )
        .then(() => {
          if (this.blobs === done) this.blobs = undefined;
        });
      this.blobs = done;
      return;
    }
    this.write(packet, host.engine);
  }

  private write(packet: OutgoingPacket, engine: PacketSink): void {
    const encoded = this.customEncoder ? this.customEncoder.encode(packet) : encodeSocketPacket(packet);
    for (let i = 0; i < encoded.length; i++) engine.write(encoded[i]!, packet.options);
  }
}
