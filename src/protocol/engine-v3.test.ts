import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { decodePacketV3, decodePayloadV3, encodePacketV3, encodePayloadV3 } from './engine-v3.js';
import type { EnginePacket } from './engine-packet.js';
import { DecodeError } from './errors.js';

// the reference v3 codec shipped inside the reference server (tests only)
const require = createRequire(import.meta.url);
const ref = require(fileURLToPath(new URL('../../node_modules/engine.io/build/parser-v3/index.js', import.meta.url))) as {
  encodePayload(p: unknown[], supportsBinary: boolean, cb: (d: string | Buffer) => void): void;
  decodePayload(d: string | Buffer, cb: (p: { type: string; data?: unknown }) => unknown): void;
};

function refEncode(packets: EnginePacket[], supportsBinary: boolean): string | Buffer {
  let out: string | Buffer = '';
  ref.encodePayload(packets, supportsBinary, (d) => (out = d));
  return out;
}

function refDecode(data: string | Buffer): Array<{ type: string; data?: unknown }> {
  const out: Array<{ type: string; data?: unknown }> = [];
  ref.decodePayload(data, (p) => {
    out.push(p);
  });
  return out;
}

test('packets: text, binary with type byte, base64 with type digit', () => {
  assert.equal(encodePacketV3({ type: 'message', data: 'hi' }, true), '4hi');
  assert.equal(encodePacketV3({ type: 'pong' }, false), '3');
  assert.deepEqual([...(encodePacketV3({ type: 'message', data: Buffer.from([1, 2]) }, true) as Uint8Array)], [4, 1, 2]);
  assert.equal(encodePacketV3({ type: 'message', data: Buffer.from([1, 2, 3, 4]) }, false), 'b4AQIDBA==');
  assert.deepEqual(decodePacketV3('b4AQIDBA=='), { type: 'message', data: Buffer.from([1, 2, 3, 4]) });
  assert.deepEqual(decodePacketV3(Buffer.from([4, 9, 8])), { type: 'message', data: Buffer.from([9, 8]) });
  assert.deepEqual(decodePacketV3('2probe'), { type: 'ping', data: 'probe' });
  assert.deepEqual(decodePacketV3('5'), { type: 'upgrade' });
  for (const bad of ['', '9', 'x', 'b9AA==', 'b4!!']) assert.throws(() => decodePacketV3(bad), DecodeError, bad);
  assert.throws(() => decodePacketV3(Buffer.from([7, 1])), DecodeError);
});

test('text payload: length-prefixed in UTF-16 units, binary as b<type><base64>', () => {
  const packets: EnginePacket[] = [
    { type: 'message', data: 'héllo €' },
    { type: 'ping' },
    { type: 'message', data: Buffer.from([1, 2, 3, 4]) },
  ];
  const encoded = encodePayloadV3(packets, false);
  assert.equal(encoded, '8:4héllo €1:210:b4AQIDBA==');
  assert.equal(encoded, refEncode(packets, false));
  assert.equal(encodePayloadV3([], false), '0:');
  // text-only packets stay text even when the client supports binary
  assert.equal(encodePayloadV3([{ type: 'message', data: 'a' }], true), '2:4a');
  assert.deepEqual(decodePayloadV3('8:4héllo €1:210:b4AQIDBA=='), packets);
});

test('binary payload: markers, one byte per length digit, 0xFF, UTF-8 text', () => {
  const packets: EnginePacket[] = [
    { type: 'message', data: 'hé' },
    { type: 'message', data: Buffer.from([1, 2, 3]) },
  ];
  const encoded = encodePayloadV3(packets, true) as Uint8Array;
  assert.deepEqual([...encoded], [0, 4, 255, 0x34, 0x68, 0xc3, 0xa9, 1, 4, 255, 4, 1, 2, 3]);
  assert.deepEqual(Buffer.from(encoded), refEncode(packets, true));
  assert.deepEqual(decodePayloadV3(Buffer.from(encoded)), packets);
  // a long packet has several length digits
  const long = { type: 'message' as const, data: Buffer.alloc(1234, 7) };
  const enc2 = encodePayloadV3([long], true) as Uint8Array;
  assert.deepEqual([...enc2.subarray(0, 6)], [1, 1, 2, 3, 5, 255]);
  assert.deepEqual(decodePayloadV3(Buffer.from(enc2)), [long]);
});

test('malformed payloads are refused', () => {
  for (const bad of ['', '3:4a', '2:4ab', 'x:4', ':4', '1:9', '2:4a1', '-1:4']) {
    assert.throws(() => decodePayloadV3(bad), DecodeError, JSON.stringify(bad));
  }
  for (const bad of [[2, 1, 255, 0x34], [0, 5, 255, 0x34], [0, 1], [0, 255, 0x34], [0, 12, 255, 0x34], [1, 1, 255, 9]]) {
    assert.throws(() => decodePayloadV3(Buffer.from(bad)), DecodeError, JSON.stringify(bad));
  }
});

test('matches the reference codec on random payloads', () => {
  const packet = fc.oneof(
    fc.record({ type: fc.constantFrom('message', 'ping', 'pong', 'noop'), data: fc.string({ minLength: 1 }) }),
    fc.record({ type: fc.constant('message'), data: fc.uint8Array({ minLength: 1, maxLength: 40 }).map((a) => Buffer.from(a)) }),
  ).map((r) => ({ type: r.type, data: r.data }) as EnginePacket);
  fc.assert(
    fc.property(fc.array(packet, { minLength: 1, maxLength: 6 }), fc.boolean(), (packets, supportsBinary) => {
      const mine = encodePayloadV3(packets, supportsBinary);
      const theirs = refEncode(packets, supportsBinary);
      if (typeof mine === 'string') assert.equal(mine, theirs);
      else assert.deepEqual(Buffer.from(mine), theirs);
      const decoded = decodePayloadV3(typeof mine === 'string' ? mine : Buffer.from(mine));
      assert.deepEqual(decoded, packets);
      const refDecoded = refDecode(typeof theirs === 'string' ? theirs : theirs);
      assert.deepEqual(
        refDecoded.map((p) => ({ type: p.type, data: p.data })),
        decoded.map((p) => ({ type: p.type, data: p.data })),
      );
    }),
    { numRuns: 300 },
  );
});
