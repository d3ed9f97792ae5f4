/**
 * JSONP polling (`j` query parameter): GET replies are `___eio[<j>]("<payload>");`, POST bodies
 * are form-encoded with the payload in the `d` field.
 */
import type { ServerResponse } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import { Polling } from './polling.js';
import type { EngineRequest } from './transport.js';

const rDoubleSlashes = /\\\\n/g;
const rSlashes = /(\\)?\\n/g;

/** The JSONP variant of the polling transport. */
export class JsonpPolling extends Polling {
  private readonly head: string;

  /**
   * @param req the handshake request (its `j` parameter names the callback slot)
   */
  constructor(req: EngineRequest) {
    super(req);
    this.head = '___eio[' + (req._query.j || '').replace(/[^0-9]/g, '') + '](';
  }

  protected override onPayload(data: string | Buffer): void {
    const d = parseQueryString(typeof data === 'string' ? data : data.toString('utf8')).d;
    if (typeof d !== 'string') return;
    // the client sends escaped newlines as \\\\n and newlines as \\n
    const unescaped = d.replace(rSlashes, (match: string, slashes: string | undefined) => (slashes ? match : '\n'));
    super.onPayload(unescaped.replace(rDoubleSlashes, '\\n'));
  }

  protected override doWrite(
    req: EngineRequest,
    res: ServerResponse,
    data: string | Uint8Array,
    compress: boolean,
    done: () => void,
  ): void {
    // a binary v3 payload is serialised as the reference server does (JSONP clients ask for b64)
    const value = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    // valid JavaScript, not only valid JSON
    const js = JSON.stringify(value).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
    super.doWrite(req, res, this.head + js + ');', compress, done);
  }
}
