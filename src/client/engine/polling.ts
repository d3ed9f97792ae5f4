/**
 * HTTP long-polling transport: one GET in flight at a time that the server holds until it has
 * packets, and POSTs carrying `\x1e`-joined payloads. The HTTP request itself is the runtime
 * adapter's (`env/node.ts` or `env/browser.ts`).
 *
 * Owns the polling transport; network access goes through `env/`. Must never import Node.js built-ins directly
 * (the browser bundle swaps `env/node.ts`), nor server code.
 */
import { decodePayload, encodePayload, type EnginePacket } from '../../protocol/index.js';
import { request } from '../env/node.js';
import type { PendingRequest, RequestFailure } from '../env/types.js';
import { randomString } from './query.js';
import { Transport, type OutgoingPacket } from './transport.js';

/**
 * The polling transport.
 * @example
 * ```ts
 * import { io, Fetch } from 'socketeer/client';
 *
 * const socket = io('https://example.com', { transports: [Fetch] });   // HTTP long-polling only
 * ```
 */
export class Polling extends Transport {
  /**
   * Transport name (on the prototype, so that the class can be given in `transports`).
   * @example
   * ```ts
   * socket.io.engine.transport.name;   // 'polling' until the upgrade
   * ```
   */
  get name(): string {
    return 'polling';
  }
  private polling = false;
  private pollRequest: PendingRequest | undefined;

  protected doOpen(): void {
    this.poll();
  }

  /**
   * Pauses polling once the GET and POST in flight are done (used before an upgrade).
   * @param onPause called when paused
   * @example
   * ```ts
   * transport.pause(() => console.log('no request in flight: ready to upgrade'));
   * ```
   */
  override pause(onPause: () => void): void {
    this.readyState = 'pausing';
    const pause = () => {
      this.readyState = 'paused';
      onPause();
    };
    if (this.polling || !this.writable) {
      let total = 0;
      if (this.polling) {
        total++;
        this.once('pollComplete', () => {
          --total || pause();
        });
      }
      if (!this.writable) {
        total++;
        this.once('drain', () => {
          --total || pause();
        });
      }
    } else {
      pause();
    }
  }

  private poll(): void {
    this.polling = true;
    this.pollRequest = request('GET', this.uri(), undefined, this.opts, this.opts.session.cookieJar, (failure, body) => {
      this.pollRequest = undefined;
      if (failure) this.onRequestError('xhr poll error', failure);
      else this.onPayload(body!);
    });
    this.emitReserved('poll');
  }

  private onPayload(data: string): void {
    let packets: EnginePacket[];
    try {
      packets = decodePayload(data, this.opts.session.binaryType);
    } catch (err) {
      this.onError('parse error', err);
      return;
    }
    for (let i = 0; i < packets.length; i++) {
      const packet = packets[i]!;
      if (this.readyState === 'opening' && packet.type === 'open') this.onOpen();
      if (packet.type === 'close') {
        this.onClose({ description: 'transport closed by the server' });
        return;
      }
      this.onPacket(packet);
      if (this.readyState === 'closed') return;
    }
    this.polling = false;
    this.emitReserved('pollComplete');
    if (this.readyState === 'open') this.poll();
  }

  protected doClose(): void {
    if (this.readyState === 'open') {
      this.write([{ type: 'close' }]);
    } else {
      // closed during the handshake: drop the request instead of waiting for a server that may never answer
      this.pollRequest?.abort();
      this.pollRequest = undefined;
    }
  }

  protected write(packets: OutgoingPacket[]): void {
    this.writable = false;
    const closing = packets.length === 1 && packets[0]!.type === 'close';
    request('POST', this.uri(), encodePayload(packets), this.opts, this.opts.session.cookieJar, (failure) => {
      if (closing) return;
      if (failure) return this.onRequestError('xhr post error', failure);
      this.writable = true;
      this.emitReserved('drain');
    });
  }

  private onRequestError(reason: string, failure: RequestFailure): void {
    if (this.readyState === 'closed') return;
    this.onError(reason, failure.description, failure.context);
  }

  /**
   * @returns the URI of the next request (fresh cache buster unless `timestampRequests: false`)
   * @example
   * ```ts
   * transport.uri();   // 'https://example.com/socket.io/?EIO=4&transport=polling&t=P8b2xQe&sid=…'
   * ```
   */
  uri(): string {
    const query = this.query;
    if (this.opts.timestampRequests !== false) query[this.opts.timestampParam] = randomString();
    if (!this.supportsBinary && !query.sid) query.b64 = 1;
    return this.createUri(this.opts.secure ? 'https' : 'http', query);
  }
}
