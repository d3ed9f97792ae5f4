/**
 * WebSocket transport on `ws`: one packet per frame. All frames written in one tick leave in
 * one TCP write (the connection is corked until the end of the tick), and a broadcast frame is
 * built once and written to every recipient ({@link SharedFrame}).
 */
import type { Socket as NetSocket } from 'node:net';
import * as wsModule from 'ws';
import { WebSocket as WsSocket } from 'ws';
import createDebug from 'debug';
import { encodeEnginePacket } from '../protocol/engine-packet.js';
import { encodePacketV3 } from '../protocol/engine-v3.js';
import { uncorkAtEndOfTick, type Corkable } from './cork.js';
import { Transport, type EngineRequest, type OutgoingPacket } from './transport.js';

const log = createDebug('socketeer:engine:ws');

/** `ws`'s frame builder (`Sender.frame`), looked up at call time so it stays patchable. */
const Sender = (wsModule as unknown as { Sender: { frame(data: string | Buffer, opts: object): Buffer[] } }).Sender;

const TEXT_FRAME = { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false };
const BINARY_FRAME = { fin: true, rsv1: false, opcode: 2, mask: false, readOnly: false };
const COMPRESS = { compress: true };
const NO_COMPRESS = { compress: false };

interface WsInternals {
  _socket?: NetSocket;
  _sender?: { sendFrame(list: Buffer[], cb?: (err?: Error) => void): void };
  _extensions?: Record<string, unknown>;
}

/** The WebSocket transport. */
export class WebSocketTransport extends Transport implements Corkable {
  readonly name = 'websocket' as const;
  override readonly handlesUpgrades = true;
  /** true while the connection is corked for the current tick */
  corked = false;

  private readonly socket: WsSocket;
  private readonly raw: NetSocket | undefined;
  /** shared frames are only valid without permessage-deflate (its sender queues frames) */
  private readonly canShareFrames: boolean;

  private readonly onMessage = (data: Buffer, isBinary: boolean): void => {
    this.onData(isBinary ? data : data.toString());
  };
  private readonly onRawDrain = (): void => {
    if (this.readyState !== 'open') return;
    this.writable = true;
    this.emit('ready');
  };

  /**
   * @param req the upgrade request; `req.websocket` is the accepted `ws` socket
   */
  constructor(req: EngineRequest) {
    super(req);
    const socket = req.websocket!;
    this.socket = socket;
    const internals = socket as unknown as WsInternals;
    this.raw = internals._socket;
    this.canShareFrames =
      !(internals._extensions && internals._extensions['permessage-deflate']) &&
      typeof internals._sender?.sendFrame === 'function';
    socket.on('message', this.onMessage);
    socket.once('close', () => this.onClose());
    socket.on('error', (err: Error) => this.onError(err.message, err));
    this.writable = true;
  }

  /** Releases the tick's cork (called by the tick batcher). */
  uncork(): void {
    this.raw?.uncork();
  }

  /**
   * Writes a batch of packets, one frame each.
   * @param packets the packets
   * @param onSent called once the last frame is handed to the OS
   */
  send(packets: OutgoingPacket[], onSent?: () => void): void {
    const socket = this.socket;
    if (socket.readyState !== WsSocket.OPEN) return;
    const raw = this.raw;
    if (raw && !this.corked) {
      raw.cork();
      uncorkAtEndOfTick(this);
    }
    const last = packets.length - 1;
    for (let i = 0; i <= last; i++) {
      const packet = packets[i]!;
      const cb = i === last ? onSent : undefined;
      const options = packet.options;
      const shared = options && options.shared;
      if (shared && this.canShareFrames && packet.type === 'message') {
        let frame = shared.ws;
        if (frame === undefined) {
          frame = this.frameShared(packet);
          if (frame !== undefined) shared.ws = frame;
        } else if (typeof packet.data !== 'string' && !(this.protocol === 4 && this.supportsBinary)) {
          frame = undefined; // the shared binary frame is the raw v4 form, not this client's
        }
        if (frame !== undefined) {
          (socket as unknown as WsInternals)._sender!.sendFrame(frame, cb);
          continue;
        }
      }
      const data = this.protocol === 4 ? encodeEnginePacket(packet, this.supportsBinary) : encodePacketV3(packet, this.supportsBinary);
      socket.send(data, options && options.compress === false ? NO_COMPRESS : COMPRESS, cb);
    }
    if (raw && raw.writableNeedDrain) {
      this.writable = false;
      raw.once('drain', this.onRawDrain);
    }
  }

  private frameShared(packet: OutgoingPacket): Buffer[] | undefined {
    const data = packet.data;
    if (typeof data === 'string') return Sender.frame('4' + data, TEXT_FRAME);
    if (data === undefined) return Sender.frame('4', TEXT_FRAME);
    if (this.protocol !== 4 || !this.supportsBinary) return undefined;
    const buf = Buffer.isBuffer(data)
      ? data
      : data instanceof ArrayBuffer
        ? Buffer.from(data)
        : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return Sender.frame(buf, BINARY_FRAME);
  }

  protected doClose(fn: () => void): void {
    if (log.enabled) log('closing');
    this.socket.close();
    fn();
  }
}
