import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeEnginePacket,
  decodePayload,
  encodeEnginePacket,
  encodePayload,
  type EnginePacket,
} from './engine-packet.js';
import { DecodeError } from './errors.js';

test('text packets encode as digit + data', () => {
  assert.equal(encodeEnginePacket({ type: 'open', data: '{"sid":"x"}' }, true), '0{"sid":"x"}');
  assert.equal(encodeEnginePacket({ type: 'close' }, true), '1');
  assert.equal(encodeEnginePacket({ type: 'ping', data: 'probe' }, true), '2probe');
  assert.equal(encodeEnginePacket({ type: 'pong', data: 'probe' }, false), '3probe');
  assert.equal(encodeEnginePacket({ type: 'message', data: 'hello' }, true), '4hello');
  assert.equal(encodeEnginePacket({ type: 'message', data: '' }, true), '4');
  assert.equal(encodeEnginePacket({ type: 'upgrade' }, true), '5');
  assert.equal(encodeEnginePacket({ type: 'noop' }, true), '6');
});

test('binary message: raw bytes over websocket, b<base64> over polling', () => {
  const bytes = Buffer.from([1, 2, 3, 4]);
  assert.equal(encodeEnginePacket({ type: 'message', data: bytes }, false), 'bAQIDBA==');
  const raw = encodeEnginePacket({ type: 'message', data: bytes }, true);
  assert.ok(raw instanceof Uint8Array);
  assert.deepEqual([...(raw as Uint8Array)], [1, 2, 3, 4]);
  const ab = new Uint8Array([1, 2, 3]).buffer;
  assert.equal(encodeEnginePacket({ type: 'message', data: ab }, false), 'bAQID');
});

test('decodes every packet type', () => {
  assert.deepEqual(decodeEnginePacket('0{"sid":"a"}'), { type: 'open', data: '{"sid":"a"}' });
  assert.deepEqual(decodeEnginePacket('1'), { type: 'close' });
  assert.deepEqual(decodeEnginePacket('2probe'), { type: 'ping', data: 'probe' });
  assert.deepEqual(decodeEnginePacket('3'), { type: 'pong' });
  assert.deepEqual(decodeEnginePacket('4'), { type: 'message' });
  assert.deepEqual(decodeEnginePacket('4hello'), { type: 'message', data: 'hello' });
  assert.deepEqual(decodeEnginePacket('5'), { type: 'upgrade' });
  assert.deepEqual(decodeEnginePacket('6'), { type: 'noop' });
});

test('decodes binary as Buffer or ArrayBuffer', () => {
  const p = decodeEnginePacket('bAQIDBA==');
  assert.equal(p.type, 'message');
  assert.ok(Buffer.isBuffer(p.data));
  assert.deepEqual([...(p.data as Buffer)], [1, 2, 3, 4]);
  const q = decodeEnginePacket('bAQIDBA==', 'arraybuffer');
  assert.ok(q.data instanceof ArrayBuffer);
  assert.deepEqual([...new Uint8Array(q.data as ArrayBuffer)], [1, 2, 3, 4]);
  const r = decodeEnginePacket(Buffer.from([9, 8]), 'arraybuffer');
  assert.ok(r.data instanceof ArrayBuffer);
  assert.deepEqual([...new Uint8Array(r.data as ArrayBuffer)], [9, 8]);
  const s = decodeEnginePacket(new Uint8Array([7]).buffer, 'nodebuffer');
  assert.ok(Buffer.isBuffer(s.data));
});

test('payload from PROTOCOL.md: 4hello\\x1e2\\x1ebAQIDBA==', () => {
  const packets: EnginePacket[] = [
    { type: 'message', data: 'hello' },
    { type: 'ping' },
    { type: 'message', data: Buffer.from([1, 2, 3, 4]) },
  ];
  assert.equal(encodePayload(packets), '4hello\x1e2\x1ebAQIDBA==');
  const decoded = decodePayload('4hello\x1e2\x1ebAQIDBA==');
  assert.equal(decoded.length, 3);
  assert.deepEqual(decoded[0], { type: 'message', data: 'hello' });
  assert.deepEqual(decoded[1], { type: 'ping' });
  assert.deepEqual([...(decoded[2]!.data as Buffer)], [1, 2, 3, 4]);
  assert.equal(encodePayload([{ type: 'noop' }, { type: 'close' }]), '6\x1e1');
});

test('malformed input throws DecodeError', () => {
  for (const bad of ['', 'x', '7', '9abc', 'a', '\x1e']) {
    assert.throws(() => decodeEnginePacket(bad), DecodeError, `packet ${JSON.stringify(bad)}`);
  }
  assert.throws(() => decodeEnginePacket('b!!!'), DecodeError);
  assert.throws(() => decodePayload(''), DecodeError);
  assert.throws(() => decodePayload('4a\x1e'), DecodeError);
  assert.throws(() => decodePayload('4a\x1e\x1e4b'), DecodeError);
  assert.throws(() => decodePayload('abc'), DecodeError);
});
