/**
 * What the engine admits: the checks of every request (transport, origin, session, protocol, handshake
 * method) in the reference server's order, the admission checks of handshakes (the `allowRequest` option, then
 * the checks registered with `addAdmissionCheck`), and the handlers of polling requests for unknown sessions
 * (the `unknownSid` option, then those registered with `addUnknownSidHandler`).
 *
 * Must never import the server or the session classes (it sees them through {@link AdmissionContext}).
 *
 * @example
 * ```ts
 * const admission = new Admission(engine);
 * admission.addAdmissionCheck((req, fn) => fn(null, req.headers['x-key'] === key));
 * admission.verify(req, false, (code, context) => (code === undefined ? serve() : refuse(code, context)));
 * ```
 */
import type { ServerResponse } from 'node:http';
import type { EngineCodec } from '../protocol/engine-codec.js';
import { engineCodecFor } from '../protocol/engine-codec.js';
import { EngineErrors, type EngineErrorCode, type EngineErrorContext } from './errors.js';
import { hasInvalidHeaderChar } from './http.js';
import type { AllowRequest } from './limits.js';
import type { ResolvedEngineOptions, TransportName, UnknownSidHandler } from './options.js';
import { checkOrigin, type OriginCheckOptions } from './origin.js';
import { transportEntry, type EngineRequest } from './transports/index.js';

/** The verdict of a check: nothing when accepted, an error code (and detail) otherwise. */
export type VerifyCallback = (code?: EngineErrorCode, context?: EngineErrorContext) => void;

/** What admission reads of the engine. */
export interface AdmissionContext {
  readonly opts: ResolvedEngineOptions;
  readonly clients: ReadonlyMap<string, { readonly transport: { readonly name: string }; readonly codec: EngineCodec; readonly protocol: number }>;
}

/**
 * Appends an item to a list.
 * @returns a function removing that item (once)
 */
function addRemovable<T>(list: T[], item: T): () => void {
  list.push(item);
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    const i = list.indexOf(item);
    if (i !== -1) list.splice(i, 1);
  };
}

/**
 * The request checks and admission hooks of one engine.
 * @example
 * ```ts
 * const admission = new Admission(engine);
 * admission.verify(req, false, (code) => (code === undefined ? serve() : refuse(code)));
 * ```
 */
export class Admission {
  /** handlers of polling requests for unknown sessions, after the `unknownSid` option */
  private readonly unknownSidHandlers: UnknownSidHandler[] = [];
  /** handshake checks, after the `allowRequest` option */
  private readonly checks: AllowRequest[] = [];
  /** origin check settings; null when every origin is accepted (`allowedOrigins: '*'`) */
  private readonly originOptions: OriginCheckOptions | null;

  /**
   * @param engine the engine's options and sessions
   */
  constructor(private readonly engine: AdmissionContext) {
    const opts = engine.opts;
    const allowedOrigins = opts.allowedOrigins;
    this.originOptions =
      allowedOrigins === '*' || allowedOrigins === true ? null : { allowedOrigins, cors: opts.cors, trustProxy: opts.trustProxy };
  }

  /**
   * See `EngineServer.addUnknownSidHandler`.
   * @param handler the handler
   * @returns a function removing it
   * @example
   * ```ts
   * const remove = admission.addUnknownSidHandler((req, res, sid) => forward(req, res, sid));
   * ```
   */
  addUnknownSidHandler(handler: UnknownSidHandler): () => void {
    return addRemovable(this.unknownSidHandlers, handler);
  }

  /**
   * See `EngineServer.addAdmissionCheck`.
   * @param check the check
   * @returns a function removing it
   * @example
   * ```ts
   * const remove = admission.addAdmissionCheck((req, fn) => fn('closed', false));
   * ```
   */
  addAdmissionCheck(check: AllowRequest): () => void {
    return addRemovable(this.checks, check);
  }

  /**
   * Whether a request is a polling request of a session this engine does not have, which the `unknownSid`
   * option or a handler took over (they are asked in turn until one returns true).
   * @param req the request
   * @param res its response
   * @returns true when taken over
   * @example
   * ```ts
   * if (admission.takeUnknownSid(req, res)) return; // forwarded elsewhere
   * ```
   */
  takeUnknownSid(req: EngineRequest, res: ServerResponse): boolean {
    const first = this.engine.opts.unknownSid;
    const handlers = this.unknownSidHandlers;
    if (first === undefined && handlers.length === 0) return false;
    const sid = req._query.sid;
    if (!sid || transportEntry(req._query.transport)?.via !== 'request' || this.engine.clients.has(sid)) return false;
    if (first !== undefined && first(req, res, sid)) return true;
    if (handlers.length === 0) return false;
    for (const handler of handlers.slice(0)) if (handler(req, res, sid)) return true;
    return false;
  }

  /**
   * Checks a request (in the reference server's order) and calls back with an error code or nothing.
   * @param req the request
   * @param upgrade whether it is an upgrade request
   * @param fn the verdict
   * @example
   * ```ts
   * admission.verify(req, false, (code) => (code === undefined ? serve(req, res) : refuse(res, code)));
   * ```
   */
  verify(req: EngineRequest, upgrade: boolean, fn: VerifyCallback): void {
    const opts = this.engine.opts;
    const transport = req._query.transport;
    const entry = transportEntry(transport);
    if (entry === undefined || !opts.transports.includes(transport as TransportName)) {
      return fn(EngineErrors.UNKNOWN_TRANSPORT, { transport });
    }
    const origin = req.headers.origin;
    if (hasInvalidHeaderChar(origin)) {
      delete req.headers.origin;
      return fn(EngineErrors.BAD_REQUEST, { name: 'INVALID_ORIGIN', origin });
    }
    if (origin !== undefined && this.originOptions !== null) {
      const refusal = checkOrigin(req, this.originOptions);
      if (refusal !== true) return fn(EngineErrors.FORBIDDEN, { name: 'ORIGIN_NOT_ALLOWED', message: refusal, origin });
    }
    const sid = req._query.sid;
    if (sid) {
      const client = this.engine.clients.get(sid);
      if (!client) return fn(EngineErrors.UNKNOWN_SID, { sid });
      const previousTransport = client.transport.name;
      if (!upgrade && previousTransport !== transport) {
        return fn(EngineErrors.BAD_REQUEST, { name: 'TRANSPORT_MISMATCH', transport, previousTransport });
      }
      const codec = engineCodecFor(req._query.EIO);
      if (client.codec !== codec) {
        return fn(EngineErrors.BAD_REQUEST, { name: 'PROTOCOL_MISMATCH', protocol: codec.protocol, previousProtocol: client.protocol });
      }
      return fn();
    }
    if (req.method !== 'GET') return fn(EngineErrors.BAD_HANDSHAKE_METHOD, { method: req.method });
    if (entry.via === 'upgrade' && !upgrade) return fn(EngineErrors.BAD_REQUEST, { name: 'TRANSPORT_HANDSHAKE_ERROR' });
    this.admit(req, fn);
  }

  /**
   * Runs the `allowRequest` option then the added checks in turn; calls back once, with a 403 on the first
   * refusal (or throw).
   */
  private admit(req: EngineRequest, fn: VerifyCallback): void {
    const first = this.engine.opts.allowRequest;
    const checks = first === undefined ? this.checks.slice(0) : [first, ...this.checks];
    const n = checks.length;
    if (n === 0) return fn();
    const step = (i: number): void => {
      let called = false;
      try {
        checks[i]!(req, (message, success) => {
          if (called) return;
          called = true;
          if (!success) fn(EngineErrors.FORBIDDEN, { message });
          else if (i + 1 === n) fn();
          else step(i + 1);
        });
      } catch (err) {
        if (!called) {
          called = true;
          fn(EngineErrors.FORBIDDEN, { message: null, error: err });
        }
      }
    };
    step(0);
  }
}
