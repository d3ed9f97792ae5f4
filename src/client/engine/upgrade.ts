/**
 * Upgrade of a polling session: open the new transport with the same sid, send `2probe`,
 * wait for `3probe`, pause polling once its GET and POST are done, then switch and send `5`.
 * Any failure leaves the session on polling and reports `upgradeError`.
 *
 * Owns the upgrade probe. Must never import the Manager or server code.
 */
import type { EnginePacket } from '../../protocol/index.js';
import type { EngineSocket } from './session.js';
import type { Transport } from './transport.js';

/** Remembers, for `rememberUpgrade`, whether the last WebSocket connection succeeded. */
export const upgradeMemory = { priorWebsocketSuccess: false };

/**
 * Probes a transport and upgrades the session to it on success.
 * @param session the open session
 * @param name transport name (`websocket`)
 * @example
 * ```ts
 * session.on('open', () => probe(session, 'websocket'));
 * ```
 */
export function probe(session: EngineSocket, name: string): void {
  let transport: Transport | null = session.createTransport(name);
  let failed = false;
  upgradeMemory.priorWebsocketSuccess = false;

  const onTransportOpen = () => {
    if (failed) return;
    transport!.send([{ type: 'ping', data: 'probe' }]);
    transport!.once('packet', (msg: EnginePacket) => {
      if (failed) return;
      if (msg.type === 'pong' && msg.data === 'probe') {
        session.upgrading = true;
        session.emitInternal('upgrading', transport!);
        if (!transport) return;
        upgradeMemory.priorWebsocketSuccess = transport.name === 'websocket';
        session.transport!.pause(() => {
          if (failed) return;
          if (session.readyState === 'closed') return;
          cleanup();
          session.setTransport(transport!);
          transport!.send([{ type: 'upgrade' }]);
          session.emitInternal('upgrade', transport!);
          transport = null;
          session.upgrading = false;
          session.flush();
        });
      } else {
        const err = new Error('probe error') as Error & { transport?: string };
        err.transport = transport!.name;
        session.emitInternal('upgradeError', err);
      }
    });
  };

  const freezeTransport = () => {
    if (failed) return;
    failed = true;
    cleanup();
    transport!.close();
    transport = null;
  };

  const onerror = (err: unknown) => {
    const error = new Error('probe error: ' + err) as Error & { transport?: string };
    error.transport = transport ? transport.name : name;
    freezeTransport();
    session.emitInternal('upgradeError', error);
  };
  const onTransportClose = () => onerror('transport closed');
  const onclose = () => onerror('socket closed');
  const onupgrade = (to: Transport) => {
    if (transport && to.name !== transport.name) freezeTransport();
  };

  const cleanup = () => {
    transport!.off('open', onTransportOpen);
    transport!.off('error', onerror);
    transport!.off('close', onTransportClose);
    session.off('close', onclose);
    session.off('upgrading', onupgrade);
  };

  transport.once('open', onTransportOpen);
  transport.once('error', onerror);
  transport.once('close', onTransportClose);
  session.once('close', onclose);
  session.once('upgrading', onupgrade);
  transport.open();
}
