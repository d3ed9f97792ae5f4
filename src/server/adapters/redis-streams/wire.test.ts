import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MessageType } from '../cluster/messages.js';
import { channelsFor, decodeEntry, decodePayload, decodeSession, encodeEntry, encodePayload, encodeSession, streamFor } from './wire.js';

describe('redis-streams wire', () => {
  it('stream entries: uid, nsp, type as text, data as JSON, or base64 MessagePack when binary', () => {
    const json = encodeEntry({ uid: 'u1', nsp: '/', type: MessageType.BROADCAST, data: { packet: { type: 2, nsp: '/', data: ['a'] }, opts: { rooms: ['r'], except: [] } } }, false);
    assert.deepEqual(json.slice(0, 7), ['uid', 'u1', 'nsp', '/', 'type', '3', 'data']);
    assert.ok(json[7]!.startsWith('{'));
    const bin = encodeEntry({ uid: 'u1', nsp: '/', type: MessageType.BROADCAST, data: { packet: { type: 5, nsp: '/', data: ['a', Buffer.from([1, 2])] } } }, false);
    assert.ok(!bin[7]!.startsWith('{'));
    const back = decodeEntry(bin.map((f) => Buffer.from(f)))!;
    assert.equal(back.type, MessageType.BROADCAST);
    assert.deepEqual([...((back.data as { packet: { data: [string, Uint8Array] } }).packet.data[1])], [1, 2]);
    // room operations never go binary; heartbeats carry no data
    assert.deepEqual(encodeEntry({ uid: 'u', nsp: '/', type: MessageType.HEARTBEAT }, false), ['uid', 'u', 'nsp', '/', 'type', '2']);
    assert.equal(decodeEntry(['uid', 'u']), null);
  });

  it('Pub/Sub payloads and sessions', () => {
    const m = { uid: 'u', nsp: '/x', type: MessageType.FETCH_SOCKETS, data: { requestId: 'r', opts: { rooms: [], except: [] } } };
    assert.deepEqual(decodePayload(encodePayload(m)), m);
    assert.equal(decodePayload(Buffer.from('nope')), null);
    const session = { sid: 's', pid: 'p', rooms: ['s', 'a'], data: { n: 1 } };
    assert.deepEqual(decodeSession(encodeSession(session)), session);
  });

  it('names: channels, and the stream of a namespace as the reference hashes it', () => {
    assert.deepEqual(channelsFor('socket.io', '/chat', 'abc'), { all: 'socket.io#/chat#', own: 'socket.io#/chat#abc#' });
    assert.equal(streamFor('/', 'socket.io', 1), 'socket.io');
    // "/": 47 % 4 = 3
    assert.equal(streamFor('/', 'socket.io', 4), 'socket.io-3');
  });
});
