/**
 * The polling → WebSocket upgrade of one session, on the server's side: the new transport answers the client's
 * `ping probe` with `pong probe`, a polling cycle is forced every 100 ms so the client can finish quickly, and the
 * client's `upgrade` packet hands the session over to the new transport. A probe not completed within
 * `upgradeTimeout`, an unexpected packet, or the end of either side closes the new transport.
 *
 * ```ts
 * probeUpgrade(session, transportEntry('websocket')!.create(req, engine.opts), engine.opts.upgradeTimeout);
 * ```
 *
 * Owns the probe's timers and listeners; the session's state changes in `EngineSocket.completeUpgrade` alone.
 * Must never import the session class at run time nor a transport class.
 */
import { createLogger } from '../util/logger.js';
import { transportEntry, type IncomingPacket, type Transport } from './transports/index.js';
import type { EngineSocketState } from './events.js';

const log = createLogger('socketeer:engine:socket');

/** What the probe uses of its session. */
export interface UpgradingSession {
  /** the session's current transport (polling) */
  readonly transport: Transport;
  readonly readyState: EngineSocketState;
  /** true while a probe runs */
  upgrading: boolean;
  emit(event: 'upgrading', transport: Transport): boolean;
  once(event: 'close', listener: () => void): unknown;
  removeListener(event: 'close', listener: () => void): unknown;
  /** The client sent `upgrade`: the session moves to `transport`. */
  completeUpgrade(transport: Transport): void;
}

/**
 * Probes a WebSocket for the upgrade of a session.
 * @param session the session (on its polling transport)
 * @param transport the new WebSocket transport
 * @param upgradeTimeout how long the client has to complete the upgrade, in ms
 * @example
 * ```ts
 * probeUpgrade(session, ws, 10_000);
 * ```
 */
export function probeUpgrade(session: UpgradingSession, transport: Transport, upgradeTimeout: number): void {
  session.upgrading = true;
  let next: Transport | null = transport;
  let checkTimer: NodeJS.Timeout | undefined;
  const upgradeTimer = setTimeout(() => {
    if (log.enabled) log('client did not complete upgrade - closing transport');
    cleanup();
    if (transport.readyState === 'open') transport.close();
  }, upgradeTimeout);
  // force a polling cycle (a request transport writes only on a pending request) so the client can complete
  // the upgrade quickly
  const check = (): void => {
    const current = session.transport;
    if (current.writable && transportEntry(current.name)?.via === 'request') current.send([{ type: 'noop' }]);
  };
  const onPacket = (packet: IncomingPacket): void => {
    if (packet.type === 'ping' && packet.data === 'probe') {
      transport.send([{ type: 'pong', data: 'probe' }]);
      session.emit('upgrading', transport);
      clearInterval(checkTimer);
      checkTimer = setInterval(check, 100);
    } else if (packet.type === 'upgrade' && session.readyState !== 'closed') {
      cleanup();
      session.completeUpgrade(transport);
    } else {
      cleanup();
      transport.close();
    }
  };
  const onError = (): void => {
    cleanup();
    if (next) next.close();
    next = null;
  };
  const cleanup = (): void => {
    session.upgrading = false;
    clearInterval(checkTimer);
    clearTimeout(upgradeTimer);
    transport.removeListener('packet', onPacket);
    transport.removeListener('close', onError);
    transport.removeListener('error', onError);
    session.removeListener('close', onError);
  };
  transport.on('packet', onPacket);
  transport.once('close', onError);
  transport.once('error', onError);
  session.once('close', onError);
}
