/**
 * The data of the open packet (`0{"sid":…,"upgrades":…,"pingInterval":…,"pingTimeout":…,"maxPayload":…}`), built
 * from a template: everything after the session id depends only on the options and the transport, so it is
 * serialized once per transport and reused by every handshake while the options stay the same.
 *
 * Must never import the server, the session or the transports.
 *
 * @example
 * ```ts
 * openPacketData('Nh3kQ1…', engine.opts, ['websocket']);
 * // '{"sid":"Nh3kQ1…","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}'
 * ```
 */

/** What the open packet tells besides the session id. */
export interface OpenPacketOptions {
  readonly pingInterval: number;
  readonly pingTimeout: number;
  readonly maxHttpBufferSize: number;
}

/** One serialized tail of the open packet, and what it was built from. */
interface Template {
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
  upgrades: readonly string[];
  tail: string;
}

/** The templates of each options object, by the upgrades they list (one per transport in practice). */
const templates = new WeakMap<OpenPacketOptions, Template[]>();

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The JSON data of an open packet, equal to `JSON.stringify({ sid, upgrades, pingInterval, pingTimeout, maxPayload })`.
 * @param sid the session id
 * @param opts the engine options (`pingInterval`, `pingTimeout`, `maxHttpBufferSize` as `maxPayload`)
 * @param upgrades the transports the session may upgrade to
 * @returns the JSON text
 * @example
 * ```ts
 * session.sendPacket('open', openPacketData(id, opts, upgrades));
 * ```
 */
export function openPacketData(sid: string, opts: OpenPacketOptions, upgrades: readonly string[]): string {
  let list = templates.get(opts);
  if (list === undefined) {
    list = [];
    templates.set(opts, list);
  }
  let template: Template | undefined;
  for (const t of list) {
    if (
      t.pingInterval === opts.pingInterval &&
      t.pingTimeout === opts.pingTimeout &&
      t.maxPayload === opts.maxHttpBufferSize &&
      sameList(t.upgrades, upgrades)
    ) {
      template = t;
      break;
    }
  }
  if (template === undefined) {
    const { pingInterval, pingTimeout, maxHttpBufferSize: maxPayload } = opts;
    const whole = JSON.stringify({ sid: '', upgrades, pingInterval, pingTimeout, maxPayload });
    template = { pingInterval, pingTimeout, maxPayload, upgrades: [...upgrades], tail: whole.slice('{"sid":""'.length) };
    // a few at most (one per transport); options changed at run time replace the oldest
    if (list.length >= 8) list.shift();
    list.push(template);
  }
  return '{"sid":' + JSON.stringify(sid) + template.tail;
}
