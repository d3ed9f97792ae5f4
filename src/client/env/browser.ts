/**
 * Browser runtime adapter: polling with `fetch` (credentials included with `withCredentials`,
 * `extraHeaders` sent, which triggers a CORS preflight cross-origin) and the global `WebSocket`
 * (which cannot carry custom headers). Swapped in for `env/node.ts` by the browser bundle.
 *
 * Owns the browser runtime adapter. Must never import Node.js built-ins or npm packages, nor server code.
 */
import type { BinaryType } from '../../protocol/index.js';
import type { CookieStore, PendingRequest, PollRequestOptions, RequestCallback, WebSocketLike, WebSocketOptions } from './types.js';

/** Binary data is handed out as ArrayBuffers. */
export const defaultBinaryType: BinaryType = 'arraybuffer';

/** Runs a function after the current operation (microtask). */
export const nextTick = (fn: () => void): void => {
  Promise.resolve().then(fn);
};

/** Browsers cannot add headers to a WebSocket handshake. */
export const webSocketHeaders = false;

/**
 * @returns undefined: the browser manages cookies itself
 * @example
 * ```ts
 * createCookieJar();   // undefined in browsers
 * ```
 */
export function createCookieJar(): CookieStore | undefined {
  return undefined;
}

/**
 * Sends one polling request with `fetch`.
 * @param method GET (poll) or POST (send)
 * @param uri the request URI
 * @param data POST body (an encoded payload)
 * @param opts headers, withCredentials, requestTimeout
 * @param _cookieJar unused: the browser manages cookies
 * @param cb called once with the body of a 200 reply, or a failure
 * @returns a handle to abort the request
 * @example
 * ```ts
 * const pending = request({ method: 'GET', uri, ...opts }, undefined, (err, body) => console.log(err ?? body));
 * pending.abort();
 * ```
 */
export function request(
  method: 'GET' | 'POST',
  uri: string,
  data: string | undefined,
  opts: PollRequestOptions,
  _cookieJar: CookieStore | undefined,
  cb: RequestCallback,
): PendingRequest {
  let done = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const controller = new AbortController();
  const finish = (failure: Parameters<RequestCallback>[0], body?: string) => {
    if (done) return;
    done = true;
    if (timer !== undefined) clearTimeout(timer);
    cb(failure, body);
  };
  const headers = new Headers(opts.extraHeaders);
  if (method === 'POST') headers.set('content-type', 'text/plain;charset=UTF-8');
  fetch(uri, {
    method,
    body: method === 'POST' ? data : null,
    headers,
    // 'same-origin' matches XMLHttpRequest without withCredentials (cookies on same-origin requests only)
    credentials: opts.withCredentials ? 'include' : 'same-origin',
    signal: controller.signal,
  }).then(
    (res) => {
      if (!res.ok) return finish({ description: res.status, context: res });
      res.text().then(
        (text) => finish(null, text),
        (err) => finish({ description: err, context: res }),
      );
    },
    (err) => finish({ description: err }),
  );
  if (opts.requestTimeout) {
    timer = setTimeout(() => {
      controller.abort();
      finish({ description: new Error('request timeout') });
    }, opts.requestTimeout);
  }
  return {
    abort() {
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      controller.abort();
    },
  };
}

/**
 * Opens a WebSocket with the global constructor (headers cannot be sent).
 * @param uri ws:// or wss:// URI
 * @param opts only `protocols` is used
 * @param _cookieJar unused: the browser manages cookies
 * @example
 * ```ts
 * const ws = createWebSocket('wss://example.com/socket.io/?EIO=4&transport=websocket', { protocols: [] });
 * ```
 */
export function createWebSocket(uri: string, opts: WebSocketOptions, _cookieJar?: CookieStore): WebSocketLike {
  return (opts.protocols ? new WebSocket(uri, opts.protocols) : new WebSocket(uri)) as unknown as WebSocketLike;
}

/**
 * Sends one frame (browsers negotiate compression themselves).
 * @param ws the socket
 * @param data frame data
 * @example
 * ```ts
 * sendFrame(ws, '2probe');
 * ```
 */
export function sendFrame(ws: WebSocketLike, data: string | Uint8Array, _compress?: boolean, _opts?: WebSocketOptions): void {
  ws.send(data);
}

/**
 * No-op: there is no process to keep alive in a browser.
 * @example
 * ```ts
 * unrefWebSocket(ws);   // no effect in browsers
 * ```
 */
export function unrefWebSocket(_ws: WebSocketLike): void {}
