/**
 * Compile-time checks that the server classes satisfy the contracts between the server modules (and, until the
 * adapter boundary interfaces are declared in `adapter.ts`, the names agreed for it), plus a run-time check of the
 * protocol revision objects.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Packet } from '../protocol/index.js';
import type { Adapter, PacketEncoder, Room, SocketId, WriteOptions } from './adapter.js';
import type { Connection, ConnectionHost } from './connection.js';
import type { Namespace } from './namespace.js';
import { PROTOCOL_V4, PROTOCOL_V5, protocolVersionOf } from './protocol-version.js';
import type { Server } from './server.js';
import type { ShutdownTarget } from './shutdown.js';
import type { Socket, SocketHost, SocketLink } from './socket.js';
import type { Handshake } from './socket-types.js';

/** What an adapter may use of a local socket (the agreed `AdapterSocket`). */
interface AgreedAdapterSocket {
  readonly id: SocketId;
  readonly handshake: Handshake;
  readonly rooms: Set<Room>;
  data: unknown;
  readonly connected: boolean;
  readonly recovered: boolean;
  readonly client: { writeToEngine(encoded: Array<string | Uint8Array> | string | Uint8Array, opts: WriteOptions): void };
  readonly acks: Map<number, (...args: unknown[]) => void>;
  notifyOutgoingListeners(packet: Packet): void;
  join(rooms: Room | Room[]): void | Promise<void>;
  leave(room: Room): void | Promise<void>;
  disconnect(close?: boolean): unknown;
}

/** What an adapter may use of its namespace (the agreed `AdapterNamespace`). */
interface AgreedAdapterNamespace {
  readonly name: string;
  readonly sockets: ReadonlyMap<SocketId, AgreedAdapterSocket>;
  readonly adapter: Adapter;
  readonly server: { readonly encoder: PacketEncoder; readonly opts: { readonly connectionStateRecovery?: object | false | undefined } };
  nextAckId(): number;
  receiveServerSideEmit(args: unknown[]): void;
}

// each line fails to compile if a class stops satisfying its contract
const checks: unknown[] = [
  null as unknown as Namespace satisfies AgreedAdapterNamespace,
  null as unknown as Socket satisfies AgreedAdapterSocket,
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
