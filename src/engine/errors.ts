/**
 * Engine.IO error codes and the two ways a refused request is answered: a JSON body for
 * plain HTTP, a raw `HTTP/1.1 400` for an upgrade request.
 *
 * Imports node types only; must never import the server, the session or the transports.
 *
 * @example
 * ```ts
 * abortRequest(res, EngineErrors.UNKNOWN_SID, { sid }); // 400 {"code":1,"message":"Session ID unknown"}
 * ```
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** Engine.IO handshake error codes (those of the reference server). */
export const EngineErrors = {
  UNKNOWN_TRANSPORT: 0,
  UNKNOWN_SID: 1,
  BAD_HANDSHAKE_METHOD: 2,
  BAD_REQUEST: 3,
  FORBIDDEN: 4,
  UNSUPPORTED_PROTOCOL_VERSION: 5,
} as const;

export type EngineErrorCode = (typeof EngineErrors)[keyof typeof EngineErrors];

/** Default message of each error code. */
export const EngineErrorMessages: Readonly<Record<EngineErrorCode, string>> = {
  0: 'Transport unknown',
  1: 'Session ID unknown',
  2: 'Bad handshake method',
  3: 'Bad request',
  4: 'Forbidden',
  5: 'Unsupported protocol version',
};

/** Extra information attached to a refused request (the `context` of `connection_error`). */
export type EngineErrorContext = Record<string, unknown> & { message?: string | null };

/**
 * Answers a refused HTTP request: `403` for code 4, `400` otherwise, JSON body `{"code","message"}`.
 * @param res the response
 * @param code the error code
 * @param context optional context; a string `message` replaces the default message
 * @example
 * ```ts
 * abortRequest(res, EngineErrors.FORBIDDEN, { message: 'Too many connections' }); // 403
 * ```
 */
export function abortRequest(res: ServerResponse, code: EngineErrorCode, context?: EngineErrorContext): void {
  const message = context && context.message ? String(context.message) : EngineErrorMessages[code];
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  res.writeHead(code === EngineErrors.FORBIDDEN ? 403 : 400, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ code, message }));
}

function ignoreError(): void {}

/**
 * Answers a refused upgrade request with a raw `HTTP/1.1 400` and destroys the socket.
 * @param socket the raw connection
 * @param code the error code
 * @param context optional context; a string `message` replaces the default message
 * @example
 * ```ts
 * abortUpgrade(socket, EngineErrors.BAD_REQUEST); // 'HTTP/1.1 400 Bad Request', then destroyed
 * ```
 */
export function abortUpgrade(socket: Duplex, code: EngineErrorCode, context?: EngineErrorContext): void {
  socket.on('error', ignoreError);
  if (socket.writable) {
    const message = context && context.message ? String(context.message) : EngineErrorMessages[code];
    socket.write(
      (context?.name === 'ORIGIN_NOT_ALLOWED' ? 'HTTP/1.1 403 Forbidden\r\n' : 'HTTP/1.1 400 Bad Request\r\n') +
        'Connection: close\r\n' +
        'Content-type: text/html\r\n' +
        'Content-Length: ' +
        Buffer.byteLength(message) +
        '\r\n' +
        '\r\n' +
        message,
    );
  }
  // an upgraded connection is corked until the end of its tick: what was written goes out before the destroy
  while (socket.writableCorked > 0) socket.uncork();
  socket.destroy();
}

/** Body of the answer to a handshake refused because the server is shutting down. */
export const DRAINING_MESSAGE = 'Server is shutting down';

/**
 * Answers a handshake refused while the server drains (graceful shutdown): `503` with a JSON body
 * `{"message":"Server is shutting down"}` and `Connection: close`, so a load balancer's health check and the
 * client both see that this server takes no new sessions (the client retries, reaching another server).
 * @param res the response
 * @example
 * ```ts
 * if (engine.draining) return refuseDraining(res); // 503
 * ```
 */
export function refuseDraining(res: ServerResponse): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const body = JSON.stringify({ message: DRAINING_MESSAGE });
  res.writeHead(503, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  res.end(body);
}

/**
 * Answers an upgrade handshake refused while the server drains: a raw `HTTP/1.1 503` and the socket destroyed.
 * @param socket the raw connection
 * @example
 * ```ts
 * if (engine.draining) return refuseDrainingUpgrade(socket); // 503, then destroyed
 * ```
 */
export function refuseDrainingUpgrade(socket: Duplex): void {
  socket.on('error', ignoreError);
  if (socket.writable) {
    const body = JSON.stringify({ message: DRAINING_MESSAGE });
    socket.write(
      'HTTP/1.1 503 Service Unavailable\r\n' +
        'Connection: close\r\n' +
        'Content-Type: application/json\r\n' +
        'Content-Length: ' +
        Buffer.byteLength(body) +
        '\r\n' +
        '\r\n' +
        body,
    );
  }
  socket.destroy();
}
