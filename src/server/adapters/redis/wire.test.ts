import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from 'notepack.io';
import {
  broadcastChannel, classicChannels, containsBinary, decodeBroadcast, decodeMessage, encodeBroadcast,
  encodeClusterMessage, MessageType, roomOfChannel,
} from './wire.js';

test('classic channel names match the reference layout', () => {
  assert.deepEqual(classicChannels('socket.io', '/chat', 'u1'), {
    broadcast: 'socket.io#/chat#',
    request: 'socket.io-request#/chat#',
    response: 'socket.io-response#/chat#',
    specificResponse: 'socket.io-response#/chat#u1#',
  });
});

test('a single room selects the room channel; none or several the namespace channel', () => {
  assert.equal(broadcastChannel('k#/#', new Set(['a'])), 'k#/#a#');
  assert.equal(broadcastChannel('k#/#', new Set()), 'k#/#');
  assert.equal(broadcastChannel('k#/#', new Set(['a', 'b'])), 'k#/#');
  assert.equal(roomOfChannel('k#/#', 'k#/#a#'), 'a');
  assert.equal(roomOfChannel('k#/#', 'k#/#'), '');
  assert.equal(roomOfChannel('k#/#', 'k#/x#'), null);
});

test('broadcast round trip keeps binary and defaults a missing nsp to /', () => {
  const msg = encodeBroadcast('u1', { type: 2, nsp: '/', data: ['e', Buffer.from([1, 2])] }, { rooms: ['r'], except: [], flags: { volatile: true } });
  const [uid, packet, opts] = decodeBroadcast(msg)!;
  assert.equal(uid, 'u1');
  assert.deepEqual([...(packet.data as [string, Uint8Array])[1]], [1, 2]);
  assert.deepEqual(opts, { rooms: ['r'], except: [], flags: { volatile: true } });
  const bare = decodeBroadcast(encode(['emitter', { type: 2, data: ['x'] }, { rooms: [], flags: {} }]))!;
  assert.equal(bare[1].nsp, '/');
  assert.deepEqual(bare[2].except, []);
});

test('malformed payloads decode to null', () => {
  assert.equal(decodeBroadcast(Buffer.from([0xc1])), null);
  assert.equal(decodeBroadcast(encode({ a: 1 })), null);
  assert.equal(decodeMessage(Buffer.from('{nope')), null);
  assert.deepEqual(decodeMessage(Buffer.from('{"type":1}')), { type: 1 });
  assert.deepEqual(decodeMessage(encode({ type: 9, packet: [1] })), { type: 9, packet: [1] });
});

test('cluster messages are JSON unless they carry binary', () => {
  assert.equal(typeof encodeClusterMessage({ type: MessageType.BROADCAST, data: { packet: { data: ['a'] } } }), 'string');
  assert.ok(Buffer.isBuffer(encodeClusterMessage({ type: MessageType.BROADCAST, data: { packet: { data: [new Uint8Array(1)] } } })));
  assert.equal(typeof encodeClusterMessage({ type: MessageType.SOCKETS_JOIN, data: { x: new Uint8Array(1) } }), 'string');
  assert.ok(containsBinary({ toJSON: () => [Buffer.alloc(1)] }));
  assert.ok(!containsBinary({ a: [1, 'x'] }));
});
