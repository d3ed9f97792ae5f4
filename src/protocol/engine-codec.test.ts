import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineCodecs, engineCodecFor, type EngineCodec } from './engine-codec.js';
import type { EnginePacket } from './engine-packet.js';
import { DecodeError } from './errors.js';

test('engineCodecFor: v4 for EIO=4 only, v3 otherwise', () => {
  assert.equal(engineCodecFor('4'), EngineCodecs.v4);
  assert.equal(engineCodecFor('3'), EngineCodecs.v3);
  assert.equal(engineCodecFor(undefined), EngineCodecs.v3);
  assert.equal(EngineCodecs.v4.protocol, 4);
  assert.equal(EngineCodecs.v3.protocol, 3);
});

test('the differences between the revisions', () => {
  const { v3, v4 } = EngineCodecs;
  assert.equal(v4.pingFrom, 'server');
  assert.equal(v3.pingFrom, 'client');
  assert.equal(v4.binaryPayloads, false);
  assert.equal(v3.binaryPayloads, true);
  assert.equal(v4.rawBinaryFrames, true);
  assert.equal(v3.rawBinaryFrames, false);
  const bin: EnginePacket = { type: 'message', data: Buffer.from([1, 2]) };
  assert.deepEqual([...(v4.encodePacket(bin, true) as Uint8Array)], [1, 2]);
  assert.deepEqual([...(v3.encodePacket(bin, true) as Uint8Array)], [4, 1, 2]);
  assert.equal(v4.encodePacket(bin, false), 'bAQI=');
  assert.equal(v3.encodePacket(bin, false), 'b4AQI=');
  const batch: EnginePacket[] = [{ type: 'ping' }, { type: 'message', data: 'hé' }];
  assert.equal(v4.encodePayload(batch, true), '2\x1e4hé');
  assert.equal(v3.encodePayload(batch, true), '1:23:4hé');
  assert.deepEqual(v4.decodePacket('4hi'), { type: 'message', data: 'hi' });
  assert.deepEqual(v3.decodePacket('4hi'), { type: 'message', data: 'hi' });
});

test('decodePayloadEach: packets in order, stops when asked, throws at a malformed packet', () => {
  const cases: Array<[EngineCodec, string]> = [
    [EngineCodecs.v4, '4a\x1e4b\x1e4c'],
    [EngineCodecs.v3, '2:4a2:4b2:4c'],
  ];
  for (const [codec, payload] of cases) {
    const seen: unknown[] = [];
    codec.decodePayloadEach(payload, (p) => (seen.push(p.data), true));
    assert.deepEqual(seen, ['a', 'b', 'c']);
    const stopped: unknown[] = [];
    codec.decodePayloadEach(payload, (p) => (stopped.push(p.data), p.data !== 'b'));
    assert.deepEqual(stopped, ['a', 'b']);
  }
  const seen: unknown[] = [];
  assert.throws(() => EngineCodecs.v4.decodePayloadEach('4a\x1eX', (p) => (seen.push(p.data), true)), DecodeError);
  assert.deepEqual(seen, ['a'], 'v4: the packets before the malformed one are handed out');
  assert.throws(() => EngineCodecs.v3.decodePayloadEach('2:4a9:4b', () => true), DecodeError);
  assert.throws(() => EngineCodecs.v4.decodePayloadEach('', () => true), DecodeError);
});
