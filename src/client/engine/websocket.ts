/**
 * WebSocket transport: one Engine.IO packet per frame, binary messages as binary frames. The
 * socket comes from the runtime adapter (`ws` with headers and cookies in Node.js, the global
 * `WebSocket` in browsers).
 */
import { encodeEnginePacket } from '../../protocol/index.js';
import { createWebSocket, nextTick, unrefWebSocket } from '../env/node.js';
import type { WebSocketLike } from '../env/types.js';
import { randomString } from './query.js';
import { Transport, type OutgoingPacket } from './transport.js';

const WS_OPTION_KEYS = [
  'agent', 'perMessageDeflate', 'pfx', 'key', 'passphrase', 'cert', 'ca', 'ciphers',
  'rejectUnauthorized', 'localAddress', 'protocolVersion', 'origin', 'maxPayload', 'family', 'checkServerIdentity',
] as const;

/** The WebSocket transport. */
export class WebSocketTransport extends Transport {
  readonly name = 'websocket';
  /** The underlying socket while open. */
  ws: WebSocketLike | null = null;

  protected doOpen(): void {
    const opts: Record<string, unknown> = {};
    for (const key of WS_OPTION_KEYS) {
      if ((this.opts as unknown as Record<string, unknown>)[key] !== undefined) opts[key] = (this.opts as unknown as Record<string, unknown>)[key];
    }
    let ws: WebSocketLike;
    try {
      ws = createWebSocket(this.uri(), {
        ...opts,
        protocols: this.opts.protocols,
        headers: this.opts.extraHeaders,
        cookieJar: this.opts.session.cookieJar,
      });
    } catch (err) {
      this.emitReserved('error', err as Error);
      return;
    }
    this.ws = ws;
    ws.binaryType = this.opts.session.binaryType;
    ws.onopen = () => {
      if (this.opts.autoUnref) unrefWebSocket(ws);
      this.onOpen();
    };
    ws.onclose = (ev) => this.onClose({ description: 'websocket connection closed', context: ev });
    ws.onmessage = (ev) => this.onData(ev.data as string | Uint8Array | ArrayBuffer);
    ws.onerror = (ev) => this.onError('websocket error', ev);
  }

  protected write(packets: OutgoingPacket[]): void {
    this.writable = false;
    const ws = this.ws;
    const deflate = this.opts.perMessageDeflate;
    const threshold = typeof deflate === 'object' ? deflate.threshold ?? 1024 : 0;
    for (let i = 0; i < packets.length; i++) {
      const packet = packets[i]!;
      const data = encodeEnginePacket(packet, this.supportsBinary);
      try {
        // the socket may already be closed without the close event having arrived yet
        if (deflate) {
          const len = typeof data === 'string' ? byteLengthUtf8(data) : data.byteLength;
          const compress = len >= threshold && packet.options?.compress !== false;
          ws!.send(data, { compress });
        } else {
          ws!.send(data);
        }
      } catch {
        /* reported through onclose */
      }
    }
    // fake drain, deferred so the session can clear its write buffer first
    nextTick(() => {
      this.writable = true;
      this.emitReserved('drain');
    });
  }

  protected doClose(): void {
    if (this.ws) {
      this.ws.onerror = () => {};
      this.ws.close();
      this.ws = null;
    }
  }

  /** @returns the ws:// URI (cache buster only with `timestampRequests: true`) */
  uri(): string {
    const query = this.query;
    if (this.opts.timestampRequests) query[this.opts.timestampParam] = randomString();
    if (!this.supportsBinary) query.b64 = 1;
    return this.createUri(this.opts.secure ? 'wss' : 'ws', query);
  }
}

function byteLengthUtf8(str: string): number {
  return typeof Buffer === 'function' ? Buffer.byteLength(str) : new TextEncoder().encode(str).length;
}
