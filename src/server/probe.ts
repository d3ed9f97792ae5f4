/**
 * The instrumentation slot of a server: where an observer (the `socketeer/metrics` plugin, or an adapter
 * reporting its own timings) is attached. The hot paths read `server.probes.current` and do nothing more while it
 * is undefined: no closure, no allocation, no call.
 *
 * Owns: the {@link ServerProbe} contract and the {@link ProbeSlot}. Must never import anything (types only).
 *
 * @example
 * ```ts
 * const detach = io.probes.attach(myProbe);   // one probe per server
 * detach();
 * ```
 */

/** Why a Socket.IO CONNECT was refused. */
export type NamespaceRefusal = 'middleware' | 'invalid_namespace';

/**
 * What the instrumentation points of a server report. Every method is called synchronously on the path it
 * observes, so an implementation must be cheap and must never throw.
 * @example
 * ```ts
 * const probe: ServerProbe = {
 *   received: (link, data) => {}, sent: (link, encoded) => {}, refused: (nsp, reason) => {},
 *   broadcast: (nsp, started) => {}, publishLag: (nsp, s) => {}, requestTimeout: (nsp, type) => {},
 * };
 * ```
 */
export interface ServerProbe {
  /**
   * One Engine.IO message read by a connection (a Socket.IO packet, or a binary attachment of one).
   * @param link the connection (an identity: the probe may keep per-connection state in a WeakMap)
   * @param data the message
   */
  received(link: object, data: string | Uint8Array | ArrayBuffer): void;
  /**
   * Encoded parts of one packet written to a connection.
   * @param link the connection
   * @param encoded the header text and its attachments (or one part)
   */
  sent(link: object, encoded: Array<string | Uint8Array> | string | Uint8Array): void;
  /**
   * A CONNECT refused.
   * @param nsp the namespace asked for
   * @param reason why
   */
  refused(nsp: string, reason: NamespaceRefusal): void;
  /**
   * A broadcast handed to the adapter has returned.
   * @param nsp the namespace
   * @param started `performance.now()` when it started
   */
  broadcast(nsp: string, started: number): void;
  /**
   * For cluster adapters: the time between a message's publication by another node and its reception here.
   * @param nsp the namespace
   * @param seconds the lag
   */
  publishLag(nsp: string, seconds: number): void;
  /**
   * For cluster adapters: a request to the other nodes timed out.
   * @param nsp the namespace
   * @param type the request type (e.g. `fetchSockets`, `serverSideEmit`)
   */
  requestTimeout(nsp: string, type: string): void;
}

/**
 * Holds the probe of a server (at most one). Read by the server's hot paths as `probes.current`.
 * @example
 * ```ts
 * const detach = io.probes.attach(probe);
 * io.probes.current === probe;   // true
 * detach();
 * ```
 */
export class ProbeSlot {
  /** The attached probe; undefined when none is (the usual case). */
  current: ServerProbe | undefined = undefined;

  /**
   * Attaches a probe.
   * @param probe the probe
   * @returns a function detaching it
   * @throws Error if a probe is already attached
   * @example
   * ```ts
   * const detach = io.probes.attach(probe);
   * ```
   */
  attach(probe: ServerProbe): () => void {
    if (this.current !== undefined) throw new Error('a probe is already attached to this server');
    this.current = probe;
    return () => {
      if (this.current === probe) this.current = undefined;
    };
  }
}
