import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from 'notepack.io';
import {
  broadcastChannel, classicChannels, CLOSE_REQUEST, containsBinary, decodeBroadcast, decodeClassicBroadcast,
  decodeClassicRequest, decodeClassicResponse, decodeMessage, encodeBroadcast, encodeClassic, encodeClassicResponse,
  encodeClusterMessage, MessageType, RequestType, roomOfChannel,
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

const c = classicChannels('socket.io', '/', 'me');

test('core messages map to the classic requests of the reference, and back', () => {
  const opts = { rooms: ['r'], except: ['x'], flags: { volatile: true } };
  const join = encodeClassic({ uid: 'me', nsp: '/', type: MessageType.SOCKETS_JOIN, data: { opts, rooms: ['g'] } }, c)!;
  assert.equal(join.channel, 'socket.io-request#/#');
  assert.deepEqual(JSON.parse(String(join.payload)), { uid: 'me', type: RequestType.REMOTE_JOIN, opts: { rooms: ['r'], except: ['x'] }, rooms: ['g'] });
  assert.deepEqual(decodeClassicRequest(decodeMessage(Buffer.from(join.payload))!, '/'),
    { uid: 'me', nsp: '/', type: MessageType.SOCKETS_JOIN, data: { opts: { rooms: ['r'], except: ['x'] }, rooms: ['g'], close: undefined } });
  const fetch = encodeClassic({ uid: 'me', nsp: '/', type: MessageType.FETCH_SOCKETS, data: { opts, requestId: 'q1' } }, c)!;
  assert.deepEqual(JSON.parse(String(fetch.payload)), { uid: 'me', requestId: 'q1', type: RequestType.REMOTE_FETCH, opts: { rooms: ['r'], except: ['x'] } });
  const emit = encodeClassic({ uid: 'me', nsp: '/', type: MessageType.SERVER_SIDE_EMIT, data: { packet: ['hi', 1], requestId: 'q2' } }, c)!;
  assert.deepEqual(decodeClassicRequest(decodeMessage(Buffer.from(emit.payload))!, '/')!.data, { packet: ['hi', 1], requestId: 'q2' });
  // heartbeats and goodbyes are types the reference ignores
  const hb = encodeClassic({ uid: 'me', nsp: '/', type: MessageType.INITIAL_HEARTBEAT }, c)!;
  assert.equal(decodeClassicRequest(decodeMessage(Buffer.from(hb.payload))!, '/')!.type, MessageType.INITIAL_HEARTBEAT);
  assert.equal(JSON.parse(String(encodeClassic({ uid: 'me', nsp: '/', type: MessageType.ADAPTER_CLOSE }, c)!.payload)).type, CLOSE_REQUEST);
  // what only the classic protocol asks is left to the adapter
  assert.equal(decodeClassicRequest({ uid: 'o', type: RequestType.ALL_ROOMS, requestId: 'q' }, '/'), null);
  assert.equal(decodeClassicRequest({ uid: 'o', type: RequestType.REMOTE_JOIN, sid: 's', room: 'r' }, '/'), null);
});

test('a broadcast goes to its room channel; with an ack it is a MessagePack request', () => {
  const packet = { type: 2, nsp: '/', data: ['e', new Uint8Array([1])] };
  const plain = encodeClassic({ uid: 'me', nsp: '/', type: MessageType.BROADCAST, data: { packet, opts: { rooms: ['r'], except: [] } } }, c)!;
  assert.equal(plain.channel, 'socket.io#/#r#');
  const back = decodeClassicBroadcast(plain.payload as Buffer)!;
  assert.equal(back.uid, 'me');
  assert.equal(back.type, MessageType.BROADCAST);
  assert.deepEqual((back.data as { opts: unknown }).opts, { rooms: ['r'], except: [] });
  const withAck = encodeClassic({ uid: 'me', nsp: '/', type: MessageType.BROADCAST, data: { packet, requestId: 'a1', opts: { rooms: [], except: [] } } }, c)!;
  assert.equal(withAck.channel, 'socket.io-request#/#');
  assert.ok(Buffer.isBuffer(withAck.payload));
  assert.equal(decodeClassicRequest(decodeMessage(withAck.payload as Buffer)!, '/')!.type, MessageType.BROADCAST);
});

test('answers: shared or specific channel as the reference; untyped answers are collected by request id', () => {
  const count = encodeClassicResponse({ uid: 'me', nsp: '/', type: MessageType.BROADCAST_CLIENT_COUNT, data: { requestId: 'a', clientCount: 2 } }, 'other', c, true)!;
  assert.equal(count.channel, 'socket.io-response#/#other#');
  assert.deepEqual(decodeClassicResponse(decodeMessage(Buffer.from(count.payload))!, '/').data, { requestId: 'a', clientCount: 2 });
  const sse = encodeClassicResponse({ uid: 'me', nsp: '/', type: MessageType.SERVER_SIDE_EMIT_RESPONSE, data: { requestId: 'b', packet: 'pong' } }, 'other', c, true)!;
  assert.equal(sse.channel, 'socket.io-response#/#');
  assert.deepEqual(JSON.parse(String(sse.payload)), { type: RequestType.SERVER_SIDE_EMIT, requestId: 'b', data: 'pong', uid: 'me' });
  const rooms = decodeClassicResponse({ requestId: 'q', rooms: ['a'] }, '/');
  assert.equal(rooms.type, MessageType.FETCH_SOCKETS_RESPONSE);
  assert.equal(rooms.uid, undefined);
  assert.deepEqual(rooms.data, { requestId: 'q', rooms: ['a'] });
});

test("Socketeer's own message types (polling forwarding, presence) cross as requests, answers on the requester's channel", () => {
  for (const type of [1001, 1002]) {
    const out = encodeClassic({ uid: 'me', nsp: '/', type, data: { k: 'req', n: [1] } }, c)!;
    assert.equal(out.channel, 'socket.io-request#/#');
    assert.deepEqual(decodeClassicRequest(decodeMessage(Buffer.from(out.payload))!, '/'), { uid: 'me', nsp: '/', type, data: { k: 'req', n: [1] } });
    const answer = encodeClassicResponse({ uid: 'me', nsp: '/', type, data: { bin: Buffer.from([9]) } }, 'other', c, false)!;
    assert.equal(answer.channel, 'socket.io-response#/#other#');
    const back = decodeClassicResponse(decodeMessage(answer.payload as Buffer)!, '/');
    assert.equal(back.type, type);
    assert.deepEqual([...(back.data as { bin: Uint8Array }).bin], [9]);
  }
  assert.equal(encodeClassic({ uid: 'me', nsp: '/', type: 999 }, c), null);
});
