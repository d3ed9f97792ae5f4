import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode as officialEncode, decode as officialDecode } from '@msgpack/msgpack';
import {
  channelName, checkTableName, decodeAttachment, decodeNotification, encodeMessage, hasBinary, isResponseType, quoteChannel,
} from './codec.js';

test('hasBinary finds buffers, typed arrays and array buffers at any depth, and survives cycles', () => {
  assert.equal(hasBinary({ a: [1, { b: 'x' }] }), false);
  assert.equal(hasBinary({ a: [1, { b: Buffer.from('x') }] }), true);
  assert.equal(hasBinary([new Uint8Array(1)]), true);
  assert.equal(hasBinary({ x: new ArrayBuffer(2) }), true);
  assert.equal(hasBinary({ toJSON: () => ({ b: Buffer.from('y') }) }), true);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(hasBinary(cyclic), false);
});

test('small messages go inline as JSON; large or binary ones as MessagePack attachments', () => {
  const small = { uid: 'a', nsp: '/', type: 3, data: { packet: { type: 2, nsp: '/', data: ['e', 1] } } };
  const out = encodeMessage(small, 8000);
  assert.equal(out.kind, 'inline');
  assert.deepEqual(out.kind === 'inline' && JSON.parse(out.payload), small);
  const large = { ...small, data: 'x'.repeat(8001) };
  assert.equal(encodeMessage(large, 8000).kind, 'attachment');
  const exact = JSON.stringify({ ...small, data: '' }).length;
  assert.equal(encodeMessage({ ...small, data: 'y'.repeat(8000 - exact) }, 8000).kind, 'inline');
  const bin = { uid: 'a', nsp: '/', type: 8, data: { requestId: 'r', sockets: [{ data: Buffer.from([1]) }] } };
  const att = encodeMessage(bin, 8000);
  assert.equal(att.kind, 'attachment');
  if (att.kind !== 'attachment') return;
  // what the official adapter decodes
  const decoded = officialDecode(att.body) as typeof bin;
  assert.deepEqual([...(decoded.data.sockets[0].data as Uint8Array)], [1]);
  assert.equal(`${att.before}42${att.after}`, '{"uid":"a","type":8,"attachmentId":"42"}');
});

test('notifications: messages, references to attachments, the emitters\' messages without nsp', () => {
  const inline = decodeNotification('{"uid":"b","nsp":"/x","type":2}', '/x');
  assert.deepEqual(inline, { kind: 'inline', message: { uid: 'b', nsp: '/x', type: 2 } });
  assert.deepEqual(decodeNotification('{"uid":"b","type":3,"attachmentId":"17"}', '/'), { kind: 'attachment', id: '17', uid: 'b', type: 3 });
  const emitter = decodeNotification('{"type":3,"data":{},"uid":"emitter"}', '/chat');
  assert.equal(emitter?.kind === 'inline' && emitter.message.nsp, '/chat');
  assert.equal(decodeNotification('not json', '/'), null);
  assert.equal(decodeNotification('{"no":"type"}', '/'), null);
  assert.equal(decodeNotification(undefined, '/'), null);
});

test('attachments written by the official packages decode, binary as Buffers', () => {
  const body = officialEncode({ uid: 'emitter', type: 3, data: { packet: { type: 5, nsp: '/', data: ['e', new Uint8Array([7, 8])] } } });
  const message = decodeAttachment(body, '/');
  assert.equal(message?.nsp, '/');
  const data = (message?.data as { packet: { data: unknown[] } }).packet.data;
  assert.ok(Buffer.isBuffer(data[1]));
  assert.deepEqual([...(data[1] as Buffer)], [7, 8]);
  assert.equal(decodeAttachment(new Uint8Array([0xc1]), '/'), null);
});

test('names: channels, quoting, table names, response types', () => {
  assert.equal(channelName('socket.io', '/'), 'socket.io#/');
  assert.equal(quoteChannel('a"b'), '"a""b"');
  assert.equal(checkTableName('public.t_1'), 'public.t_1');
  assert.throws(() => checkTableName('t; DROP TABLE x'), TypeError);
  assert.deepEqual([1, 2, 3, 7, 8, 10, 11, 12, 13].map(isResponseType), [false, false, false, false, true, true, true, true, false]);
});
