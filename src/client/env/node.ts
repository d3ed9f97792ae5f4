/**
 * Node.js runtime adapter: polling over `http`/`https` (with `extraHeaders`, TLS options, the
 * cookie jar and `autoUnref`), WebSocket through `ws` (headers and cookies on the upgrade
 * request). The browser bundle swaps this module for `env/browser.ts`.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { WebSocket } from 'ws';
import type { BinaryType } from '../../protocol/index.js';
import { CookieJar } from './cookie-jar.js';
import { unrefWebSocket as unrefRawWebSocket } from '../../util/ws-internals.js';
import type { CookieStore, PendingRequest, PollRequestOptions, RequestCallback, WebSocketLike, WebSocketOptions } from './types.js';

/** Binary data is handed out as Buffers. */
export const defaultBinaryType: BinaryType = 'nodebuffer';

/** Runs a function after the current operation. */
export const nextTick: (fn: () => void) => void = process.nextTick;

/** True where the platform lets a WebSocket carry custom headers. */
export const webSocketHeaders = true;

/** @returns a cookie jar (Node.js clients replay cookies themselves) */
export function createCookieJar(): CookieStore | undefined {
  return new CookieJar();
}

const TLS_KEYS = ['agent', 'pfx', 'key', 'passphrase', 'cert', 'ca', 'ciphers', 'rejectUnauthorized'] as const;

/**
 * Sends one polling request.
 * @param method GET (poll) or POST (send)
 * @param uri the request URI
 * @param data POST body (an encoded payload)
 * @param opts headers and options
 * @param cookieJar cookies to send and to update
 * @param cb called once with the body of a 200 reply, or a failure
 * @returns a handle to abort the request
 */
export function request(
  method: 'GET' | 'POST',
  uri: string,
  data: string | undefined,
  opts: PollRequestOptions,
  cookieJar: CookieStore | undefined,
  cb: RequestCallback,
): PendingRequest {
  let done = false;
  const finish = (failure: Parameters<RequestCallback>[0], body?: string) => {
    if (done) return;
    done = true;
    cb(failure, body);
  };
  const headers: Record<string, string | string[]> = {};
  if (opts.extraHeaders) {
    for (const name in opts.extraHeaders) {
      if (Object.prototype.hasOwnProperty.call(opts.extraHeaders, name)) headers[name] = opts.extraHeaders[name]!;
    }
  }
  headers['Accept'] = '*/*';
  const body = method === 'POST' ? Buffer.from(data ?? '', 'utf8') : undefined;
  if (body) {
    headers['Content-Type'] = 'text/plain;charset=UTF-8';
    headers['Content-Length'] = String(body.length);
  }
  if (cookieJar) {
    const pairs = cookieJar.cookiePairs();
    if (pairs.length) headers['Cookie'] = pairs.join('; ');
  }
  const url = new URL(uri);
  const reqOpts: https.RequestOptions = { method, headers };
  for (const key of TLS_KEYS) {
    if (opts[key] !== undefined) (reqOpts as Record<string, unknown>)[key] = opts[key];
  }
  const req = (url.protocol === 'https:' ? https : http).request(url, reqOpts);
  req.on('response', (res) => {
    cookieJar?.parseCookies(res.headers['set-cookie']);
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      text += chunk;
    });
    res.on('end', () => {
      if (res.statusCode === 200) finish(null, text);
      else finish({ description: res.statusCode ?? 0, context: res });
    });
    res.on('error', (err) => finish({ description: err, context: req }));
  });
  req.on('error', (err) => finish({ description: err, context: req }));
  if (opts.autoUnref) req.on('socket', (socket) => socket.unref());
  if (opts.requestTimeout) {
    req.setTimeout(opts.requestTimeout, () => {
      req.destroy();
      finish({ description: new Error('request timeout'), context: req });
    });
  }
  req.end(body);
  return {
    abort() {
      done = true;
      req.destroy();
    },
  };
}

const WS_OPTION_KEYS = [
  'agent', 'perMessageDeflate', 'pfx', 'key', 'passphrase', 'cert', 'ca', 'ciphers',
  'rejectUnauthorized', 'localAddress', 'protocolVersion', 'origin', 'maxPayload', 'family', 'checkServerIdentity',
] as const;

/**
 * Opens a WebSocket with `ws`, sending the extra headers and the jar's cookies on the upgrade.
 * @param uri ws:// or wss:// URI
 * @param opts protocols, extraHeaders and `ws` client options (agent, TLS, perMessageDeflate…)
 * @param cookieJar cookies to send
 */
export function createWebSocket(uri: string, opts: WebSocketOptions, cookieJar: CookieStore | undefined): WebSocketLike {
  const wsOpts: Record<string, unknown> = {};
  for (const key of WS_OPTION_KEYS) {
    const value = (opts as Record<string, unknown>)[key];
    if (value !== undefined) wsOpts[key] = value;
  }
  const allHeaders: Record<string, string | string[]> = { ...opts.extraHeaders };
  if (cookieJar) {
    const pairs = cookieJar.cookiePairs();
    if (pairs.length) {
      const existing = allHeaders['cookie'] ?? allHeaders['Cookie'];
      delete allHeaders['Cookie'];
      const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
      allHeaders['cookie'] = [...list, ...pairs].join('; ');
    }
  }
  return new WebSocket(uri, opts.protocols, { ...wsOpts, headers: allHeaders }) as unknown as WebSocketLike;
}

/**
 * Sends one frame; with `perMessageDeflate`, frames under the threshold are not compressed.
 * @param ws the socket
 * @param data frame data
 * @param compress the packet's compress flag
 * @param opts the transport options
 */
export function sendFrame(ws: WebSocketLike, data: string | Uint8Array, compress: boolean | undefined, opts: WebSocketOptions): void {
  const deflate = opts.perMessageDeflate;
  if (!deflate) return ws.send(data);
  const threshold = typeof deflate === 'object' ? deflate.threshold ?? 1024 : 0;
  const len = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  ws.send(data, { compress: len >= threshold && compress !== false });
}

/**
 * Lets the process exit while the socket is open.
 * @param ws a socket made by {@link createWebSocket}
 */
export function unrefWebSocket(ws: WebSocketLike): void {
  unrefRawWebSocket(ws);
}
