/**
 * WebSocket transport: one Engine.IO packet per frame, binary messages as binary frames. The
 * socket comes from the runtime adapter (`ws` with headers and cookies in Node.js, the global
 * `WebSocket` in browsers).
 *
 * Owns the WebSocket transport; the socket itself comes from `env/`. Must never import `ws` or Node.js
 * built-ins directly, nor server code.
 */
import { encodeEnginePacket } from '../../protocol/index.js';
import { createWebSocket, nextTick, sendFrame, unrefWebSocket } from '../env/node.js';
import type { WebSocketLike } from '../env/types.js';
import { randomString } from './query.js';
import { Transport, type OutgoingPacket } from './transport.js';

/**
 * The WebSocket transport.
 * @example
 * ```ts
 * import { io, WebSocket } from 'socketeer/client';
 *
 * const socket = io('https://example.com', { transports: [WebSocket] });   // WebSocket only
 * ```
 */
export class WebSocketTransport extends Transport {
  /**
   * Transport name (on the prototype, so that the class can be given in `transports`).
   * @example
   * ```ts
   * socket.io.engine.transport.name;   // 'websocket'
   * ```
   */
  get name(): string {
    return 'websocket';
  }
  /** The underlying socket while open. */
  ws: WebSocketLike | null = null;

  protected doOpen(): void {
    let ws: WebSocketLike;
    try {
      ws = createWebSocket(this.uri(), this.opts, this.opts.session.cookieJar);
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
    const ws = this.ws!;
    for (let i = 0; i < packets.length; i++) {
      const packet = packets[i]!;
      try {
        // the socket may already be closed without the close event having arrived yet
        sendFrame(ws, encodeEnginePacket(packet, this.supportsBinary), packet.options?.compress, this.opts);
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

  /**
   * @returns the ws:// URI (cache buster only with `timestampRequests: true`)
   * @example
   * ```ts
   * transport.uri();   // 'wss://example.com/socket.io/?EIO=4&transport=websocket&sid=…'
   * ```
   */
  uri(): string {
    const query = this.query;
    if (this.opts.timestampRequests) query[this.opts.timestampParam] = randomString();
    if (!this.supportsBinary) query.b64 = 1;
    return this.createUri(this.opts.secure ? 'wss' : 'ws', query);
  }
}
