/**
 * Compile-time checks that the server classes satisfy the contracts between the server modules,
 * including the adapter boundary declared in `adapter-types.ts`, plus a run-time check of the
 * protocol revision objects.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AdapterNamespace, AdapterSocket } from './adapter.js';
import type { Connection, ConnectionHost } from './connection.js';
import type { Namespace } from './namespace.js';
import { PROTOCOL_V4, PROTOCOL_V5, protocolVersionOf } from './protocol-version.js';
import type { Server } from './server.js';
import type { ShutdownTarget } from './shutdown.js';
import type { Socket, SocketHost, SocketLink } from './socket.js';

// each line fails to compile if a class stops satisfying its contract
const checks: unknown[] = [
  null as unknown as Namespace satisfies AdapterNamespace,
  null as unknown as Socket satisfies AdapterSocket,
  null as unknown as Namespace satisfies SocketHost,
  null as unknown as Connection satisfies SocketLink,
  null as unknown as Server satisfies ConnectionHost,
  null as unknown as Server satisfies ShutdownTarget,
];

describe('server contracts', () => {
  it('are satisfied (checked by the compiler)', () => {
    assert.equal(checks.length, 6);
  });

  it('one protocol revision object per Engine.IO protocol', () => {
    assert.equal(protocolVersionOf(3), PROTOCOL_V4);
    assert.equal(protocolVersionOf(4), PROTOCOL_V5);
    assert.deepEqual(PROTOCOL_V4.connectTarget('/admin?token=1', undefined), { name: '/admin', auth: { token: '1' } });
    assert.deepEqual(PROTOCOL_V5.connectTarget('/admin', { token: '1' }), { name: '/admin', auth: { token: '1' } });
    assert.equal(PROTOCOL_V4.connectErrorData({ message: 'm', data: 'd' }), 'd');
    assert.deepEqual(PROTOCOL_V5.connectErrorData({ message: 'm', data: 'd' }), { message: 'm', data: 'd' });
    assert.equal(PROTOCOL_V4.connectReplyData('s', 'p'), undefined);
    assert.deepEqual(PROTOCOL_V5.connectReplyData('s', undefined), { sid: 's' });
  });
});
