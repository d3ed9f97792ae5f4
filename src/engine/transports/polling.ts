/**
 * HTTP long-polling transport: a held GET carries server packets, POSTs carry client packets.
 *
 * Must never import the session, the server or the WebSocket transport.
 */
import type { ServerResponse } from 'node:http';
import { createDeflate, createGzip } from 'node:zlib';
import { createLogger } from '../../util/logger.js';
import type { EnginePacket } from '../../protocol/engine-packet.js';
import { negotiateEncoding } from '../accept-encoding.js';
import type { HttpCompressionOptions } from '../options.js';
import { PARSE_ERROR_PACKET, Transport, type EngineRequest, type OutgoingPacket } from './transport.js';

const log = createLogger('socketeer:engine:polling');

const ENCODINGS = ['gzip', 'deflate'] as const;

/** Response headers of a polling reply (mutable by `headers` listeners). */
export type ResponseHeaders = Record<string, string | number | string[]>;

/**
 * The HTTP long-polling transport.
 * @example
 * ```ts
 * const polling = new Polling(req);
 * polling.onRequest(req, res); // the pending GET waits for packets
 * ```
 */
export class Polling extends Transport {
  readonly name = 'polling' as const;
  /** largest accepted POST body in bytes */
  maxHttpBufferSize = 1e6;
  /** compression of GET bodies */
  httpCompression: false | HttpCompressionOptions = false;
  /** ms a buffered close waits for the next GET */
  closeTimeout = 30000;

  private pollReq: EngineRequest | null = null;
  private pollRes: ServerResponse | null = null;
  private dataReq: EngineRequest | null = null;
  private dataRes: ServerResponse | null = null;
  private dataChunks: Buffer[] = [];
  private dataLength = 0;
  private dataIsBinary = false;
  private shouldClose: (() => void) | null = null;

  private readonly onPollClose = (): void => this.onError('poll connection closed prematurely');
  private readonly onDataClose = (): void => {
    this.cleanupData();
    this.onError('data request connection closed prematurely');
  };
  private readonly onDataChunk = (chunk: Buffer): void => this.receiveChunk(chunk);
  private readonly onDataEnd = (): void => this.receiveEnd();
  /** each packet of a POST body: a close packet closes the transport, the others go to the session */
  private readonly onPayloadPacket = (packet: EnginePacket): boolean => {
    if (packet.type === 'close') {
      if (log.enabled) log('got close packet');
      this.onClose();
      return false;
    }
    this.dispatch(packet);
    return this.readyState !== 'closed';
  };

  /**
   * Routes a request of the session: GET polls, POST sends, anything else is a 500.
   * @param req the request
   * @param res its response
   * @example
   * ```ts
   * transport.onRequest(req, res);   // GET: answered when packets are ready; POST: packets from the client
   * ```
   */
  override onRequest(req: EngineRequest, res: ServerResponse): void {
    if (req.method === 'GET') this.onPollRequest(req, res);
    else if (req.method === 'POST') this.onDataRequest(req, res);
    else {
      res.writeHead(500);
      res.end();
    }
  }

  private onPollRequest(req: EngineRequest, res: ServerResponse): void {
    if (this.pollReq) {
      if (log.enabled) log('request overlap');
      this.onError('overlap from client');
      res.writeHead(400);
      res.end();
      return;
    }
    this.pollReq = req;
    this.pollRes = res;
    req.on('close', this.onPollClose);
    this.writable = true;
    this.emit('ready');
    // a close was requested while no GET was pending: answer with noop + close
    if (this.writable && this.shouldClose) this.send([{ type: 'noop' }]);
  }

  private onDataRequest(req: EngineRequest, res: ServerResponse): void {
    if (this.dataReq) {
      this.onError('data request overlap from client');
      res.writeHead(400);
      res.end();
      return;
    }
    const isBinary = req.headers['content-type'] === 'application/octet-stream';
    if (isBinary && !this.codec.binaryPayloads) {
      this.onError('invalid content');
      res.writeHead(400).end();
      return;
    }
    this.dataReq = req;
    this.dataRes = res;
    this.dataIsBinary = isBinary;
    this.dataLength = 0;
    req.on('close', this.onDataClose);
    req.on('data', this.onDataChunk);
    req.on('end', this.onDataEnd);
  }

  private receiveChunk(chunk: Buffer): void {
    this.dataLength += chunk.length;
    if (this.dataLength > this.maxHttpBufferSize) {
      const res = this.dataRes!;
      this.cleanupData();
      res.writeHead(413).end();
      return;
    }
    this.dataChunks.push(chunk);
  }

  private receiveEnd(): void {
    const req = this.dataReq!;
    const res = this.dataRes!;
    const chunks = this.dataChunks;
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.dataLength);
    this.dataChunks = [];
    this.onPayload(this.dataIsBinary ? body : body.toString('utf8'));
    res.writeHead(200, this.headers(req, { 'Content-Type': 'text/html', 'Content-Length': '2' }));
    res.end('ok');
    this.cleanupData();
  }

  private cleanupData(): void {
    const req = this.dataReq;
    if (req) {
      req.removeListener('data', this.onDataChunk);
      req.removeListener('end', this.onDataEnd);
      req.removeListener('close', this.onDataClose);
    }
    this.dataChunks = [];
    this.dataReq = this.dataRes = null;
  }

  /**
   * Decodes a POST body and hands its packets to the session; a close packet closes the
   * transport, undecodable input becomes an `error` packet.
   * @param data the body (text, or bytes for a v3 binary payload)
   */
  protected onPayload(data: string | Buffer): void {
    if (log.enabled) log('received %s', typeof data === 'string' ? data : `${data.length} bytes`);
    try {
      this.codec.decodePayloadEach(data, this.onPayloadPacket);
    } catch (err) {
      if (log.enabled) log('decode error: %s', (err as Error).message);
      this.dispatch(PARSE_ERROR_PACKET);
    }
  }

  protected override onClose(): void {
    // release a pending GET
    if (this.writable) this.send([{ type: 'noop' }]);
    super.onClose();
  }

  /**
   * Answers the pending GET with a batch of packets.
   * @param packets the packets (a close packet is appended when a close is buffered)
   * @param onSent called once the reply is written
   * @example
   * ```ts
   * polling.send([{ type: 'message', data: 'hi' }], () => console.log('replied'));
   * ```
   */
  send(packets: OutgoingPacket[], onSent?: () => void): void {
    this.writable = false;
    if (this.shouldClose) {
      if (log.enabled) log('appending close packet to payload');
      packets.push({ type: 'close' });
      const fn = this.shouldClose;
      this.shouldClose = null;
      fn();
    }
    let compress = false;
    for (let i = 0; i < packets.length; i++) {
      const o = packets[i]!.options;
      if (o && o.compress !== false) {
        compress = true;
        break;
      }
    }
    this.write(this.encode(packets), compress, onSent);
  }

  /**
   * Encodes a batch as one payload.
   * @param packets the packets
   */
  protected encode(packets: OutgoingPacket[]): string | Uint8Array {
    return this.codec.encodePayload(packets, this.supportsBinary);
  }

  private write(data: string | Uint8Array, compress: boolean, onSent?: () => void): void {
    const req = this.pollReq;
    const res = this.pollRes;
    if (!req || !res) return;
    this.doWrite(req, res, data, compress, () => {
      req.removeListener('close', this.onPollClose);
      if (this.pollReq === req) this.pollReq = this.pollRes = null;
      if (onSent) onSent();
    });
  }

  /**
   * Writes the GET reply, compressed when allowed.
   * @param req the pending GET
   * @param res its response
   * @param data the payload
   * @param compress whether compression is allowed for this batch
   * @param done called once written
   */
  protected doWrite(
    req: EngineRequest,
    res: ServerResponse,
    data: string | Uint8Array,
    compress: boolean,
    done: () => void,
  ): void {
    const isString = typeof data === 'string';
    const headers: ResponseHeaders = {
      'Content-Type': isString ? 'text/plain; charset=UTF-8' : 'application/octet-stream',
    };
    const hc = this.httpCompression;
    const len = isString ? Buffer.byteLength(data) : data.length;
    const encoding =
      hc && compress && len >= (hc.threshold ?? 1024)
        ? negotiateEncoding(req.headers['accept-encoding'], ENCODINGS)
        : null;
    if (encoding === null) {
      headers['Content-Length'] = len;
      res.writeHead(200, this.headers(req, headers));
      res.end(data);
      done();
      return;
    }
    headers['Content-Encoding'] = encoding;
    res.writeHead(200, this.headers(req, headers));
    const stream = encoding === 'gzip' ? createGzip(hc as object) : createDeflate(hc as object);
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      done();
    };
    stream.on('error', () => {
      res.end();
      finish();
    });
    res.once('finish', finish);
    res.once('close', finish);
    stream.pipe(res);
    stream.end(data);
  }

  /**
   * Closes the transport: a pending GET gets the close packet now, otherwise the next GET
   * gets `6\x1e1` (or the close completes after `closeTimeout`).
   * @param fn called once closed
   */
  protected doClose(fn: () => void): void {
    if (this.dataReq) {
      if (log.enabled) log('aborting ongoing data request');
      this.dataReq.destroy();
    }
    let timer: NodeJS.Timeout | undefined;
    const onClose = (): void => {
      if (timer) clearTimeout(timer);
      fn();
      this.onClose();
    };
    if (this.writable) {
      this.send([{ type: 'close' }]);
      onClose();
    } else if (this.discarded) {
      onClose();
    } else {
      this.shouldClose = onClose;
      timer = setTimeout(onClose, this.closeTimeout);
      timer.unref();
    }
  }

  /**
   * Completes the headers of a reply and lets `headers` listeners change them.
   * @param req the request
   * @param headers headers so far
   * @returns the same object
   */
  protected headers(req: EngineRequest, headers: ResponseHeaders): ResponseHeaders {
    const ua = req.headers['user-agent'];
    if (ua && (ua.includes(';MSIE') || ua.includes('Trident/'))) headers['X-XSS-Protection'] = '0';
    headers['cache-control'] = 'no-store';
    this.emit('headers', headers, req);
    return headers;
  }
}

