import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_MAX_ATTACHMENTS,
  PacketType,
  SocketDecoder,
  decodePacketString,
  encodeSocketPacket,
  type Packet,
} from './socket-packet.js';
import { DecodeError } from './errors.js';
import { Decoder as RefDecoder, Encoder as RefEncoder } from 'socket.io-parser';

function decodeWithReference(parts: Array<string | Uint8Array>): Packet {
  const d = new RefDecoder();
  let out: Packet | null = null;
  d.on('decoded', (p: Packet) => (out = p));
  for (const p of parts) d.add(typeof p === 'string' ? p : Buffer.from(p));
  assert.ok(out, 'reference decoder did not complete the packet');
  return out;
}

const decodeAll = (parts: Array<string | Uint8Array>): Packet => {
  const d = new SocketDecoder();
  let out: Packet | null = null;
  for (const p of parts) {
    assert.equal(out, null, 'packet completed before its last part');
    out = d.add(p);
  }
  assert.ok(out, 'packet not completed');
  return out;
};

test('encodes the examples of PROTOCOL.md', () => {
  assert.deepEqual(encodeSocketPacket({ type: PacketType.CONNECT, nsp: '/' }), ['0']);
  assert.deepEqual(encodeSocketPacket({ type: PacketType.CONNECT, nsp: '/admin', data: { token: 'abc' } }), [
    '0/admin,{"token":"abc"}',
  ]);
  assert.deepEqual(encodeSocketPacket({ type: PacketType.DISCONNECT, nsp: '/chat' }), ['1/chat,']);
  assert.deepEqual(encodeSocketPacket({ type: PacketType.EVENT, nsp: '/admin', data: ['update', { x: 1 }] }), [
    '2/admin,["update",{"x":1}]',
  ]);
  assert.deepEqual(encodeSocketPacket({ type: PacketType.EVENT, nsp: '/', id: 12, data: ['foo'] }), ['212["foo"]']);
  assert.deepEqual(encodeSocketPacket({ type: PacketType.ACK, nsp: '/', id: 0, data: ['ok'] }), ['30["ok"]']);
  assert.deepEqual(encodeSocketPacket({ type: PacketType.ACK, nsp: '/admin', id: 7, data: [] }), ['3/admin,7[]']);
  assert.deepEqual(
    encodeSocketPacket({ type: PacketType.CONNECT_ERROR, nsp: '/admin', data: { message: 'not authorized', data: { code: 401 } } }),
    ['4/admin,{"message":"not authorized","data":{"code":401}}'],
  );
  assert.deepEqual(encodeSocketPacket({ type: PacketType.CONNECT_ERROR, nsp: '/nope', data: { message: 'Invalid namespace', data: undefined } }), [
    '4/nope,{"message":"Invalid namespace"}',
  ]);
  // undefined -> null in arrays
  assert.deepEqual(encodeSocketPacket({ type: PacketType.EVENT, nsp: '/', data: ['a', undefined] }), ['2["a",null]']);
});

test('binary attachments: nested example of PROTOCOL.md §2.2', () => {
  const img = Buffer.from([0xff, 0x00]);
  const hi = Buffer.from('hi');
  const parts = encodeSocketPacket({ type: PacketType.EVENT, nsp: '/chat', id: 0, data: ['pic', { img, n: [hi] }] });
  assert.equal(parts.length, 3);
  assert.equal(parts[0], '52-/chat,0["pic",{"img":{"_placeholder":true,"num":0},"n":[{"_placeholder":true,"num":1}]}]');
  assert.deepEqual([...(parts[1] as Uint8Array)], [0xff, 0x00]);
  assert.deepEqual([...(parts[2] as Uint8Array)], [0x68, 0x69]);
  const packet = decodeAll(parts);
  assert.equal(packet.type, PacketType.EVENT);
  assert.equal(packet.nsp, '/chat');
  assert.equal(packet.id, 0);
  assert.deepEqual(packet.data, ['pic', { img, n: [hi] }]);
});

test('binary ack and typed arrays / ArrayBuffer', () => {
  const parts = encodeSocketPacket({ type: PacketType.ACK, nsp: '/admin', id: 7, data: ['world', new Uint8Array([1, 2, 3]).buffer] });
  assert.equal(parts[0], '61-/admin,7["world",{"_placeholder":true,"num":0}]');
  const packet = decodeAll(parts);
  assert.equal(packet.type, PacketType.ACK);
  assert.deepEqual([...(packet.data[1] as Uint8Array)], [1, 2, 3]);
  const i16 = new Int16Array([1, -1]);
  const p2 = encodeSocketPacket({ type: PacketType.EVENT, nsp: '/', data: ['x', i16] });
  assert.equal(p2.length, 2);
  assert.deepEqual([...(p2[1] as Uint8Array)], [1, 0, 255, 255]);
});

test('encoding does not mutate the payload', () => {
  const data = ['x', { b: Buffer.from([1]) }];
  encodeSocketPacket({ type: PacketType.EVENT, nsp: '/', data });
  assert.ok(Buffer.isBuffer((data[1] as { b: Buffer }).b));
});

test('decodes header fields', () => {
  assert.deepEqual(decodePacketString('0'), { type: 0, nsp: '/' });
  assert.deepEqual(decodePacketString('0/admin,{"token":"abc"}'), { type: 0, nsp: '/admin', data: { token: 'abc' } });
  assert.deepEqual(decodePacketString('0/admin'), { type: 0, nsp: '/admin' });
  assert.deepEqual(decodePacketString('1/chat,'), { type: 1, nsp: '/chat' });
  assert.deepEqual(decodePacketString('212["foo"]'), { type: 2, nsp: '/', id: 12, data: ['foo'] });
  assert.deepEqual(decodePacketString('30["ok"]'), { type: 3, nsp: '/', id: 0, data: ['ok'] });
  assert.deepEqual(decodePacketString('3/admin,7[]'), { type: 3, nsp: '/admin', id: 7, data: [] });
  assert.deepEqual(decodePacketString('2[1,2]'), { type: 2, nsp: '/', data: [1, 2] });
  assert.deepEqual(decodePacketString('4{"message":"x"}'), { type: 4, nsp: '/', data: { message: 'x' } });
  assert.deepEqual(decodePacketString('4"legacy"'), { type: 4, nsp: '/', data: 'legacy' });
});

test('malformed packets of PROTOCOL.md §6 throw DecodeError', () => {
  const bad = ['', 'x', '7', '4abc', '2{}', '2abc["a"]', '0[]', '1{}', '2["disconnect"]', '2["connect"]',
    '2["newListener"]', '2[]', '2[{}]', '2[null]', '3{}', '5["a"]', '5-["a"]', '511-["a"]', '5a-["a"]', '2["a"', '0"str"'];
  for (const s of bad) {
    assert.throws(() => new SocketDecoder().add(s), DecodeError, JSON.stringify(s));
  }
});

test('attachment limits and order are enforced', () => {
  const d = new SocketDecoder();
  assert.throws(() => d.add(Buffer.from([1])), (e: unknown) => e instanceof DecodeError && e.code === 'unexpected-binary');
  assert.equal(d.add('52-["a",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]'), null);
  assert.throws(() => d.add('2["b"]'), (e: unknown) => e instanceof DecodeError && e.code === 'unexpected-text');
  // the decoder is usable again after the error
  assert.deepEqual(d.add('2["b"]'), { type: 2, nsp: '/', data: ['b'] });
  // bad placeholder index
  const d2 = new SocketDecoder();
  assert.equal(d2.add('51-["a",{"_placeholder":true,"num":3}]'), null);
  assert.throws(() => d2.add(Buffer.from([1])), (e: unknown) => e instanceof DecodeError && e.code === 'invalid-placeholder');
  // configurable limit
  assert.throws(() => new SocketDecoder({ maxAttachments: 2 }).add('53-["a"]'), DecodeError);
  assert.equal(new SocketDecoder().add('510-["a"]'), null);
});

test('zero attachments complete at once', () => {
  assert.deepEqual(new SocketDecoder().add('50-["a"]'), { type: 2, nsp: '/', attachments: 0, data: ['a'] });
});

test('__proto__ keys in payloads are dropped, nothing is polluted', () => {
  const p = new SocketDecoder().add('2["evt",{"__proto__":{"polluted":1},"a":{"__proto__":{"x":1}},"constructor":{"prototype":{"y":1}}}]')!;
  const arg = p.data[1];
  assert.equal(Object.getPrototypeOf(arg), Object.prototype);
  assert.equal(Object.prototype.hasOwnProperty.call(arg, '__proto__'), false);
  assert.equal(Object.getPrototypeOf(arg.a), Object.prototype);
  const merged = Object.assign({}, arg);
  assert.equal((merged as Record<string, unknown>).polluted, undefined);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(({} as Record<string, unknown>).y, undefined);
});

const jsonValue = fc.jsonValue({ maxDepth: 4 }).filter((v) => v === null || typeof v !== 'number' || !Object.is(v, -0));
const payloadWithBuffers: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    jsonValue,
    fc.uint8Array({ maxLength: 32 }).map((a) => Buffer.from(a)),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'), tie('node'), { maxKeys: 4 }),
  ),
})).node;

test('property: encode then decode is the identity for JSON with buffers', () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 10 }).filter((s) => !['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'].includes(s)),
      fc.array(payloadWithBuffers, { maxLength: 4 }),
      fc.option(fc.nat(), { nil: undefined }),
      fc.constantFrom('/', '/admin', '/a-b_c'),
      (name, args, id, nsp) => {
        const original = [name, ...args];
        const packet: Packet = { type: PacketType.EVENT, nsp, data: original };
        if (id !== undefined) packet.id = id;
        const parts = encodeSocketPacket(packet);
        if (parts.length - 1 > DEFAULT_MAX_ATTACHMENTS) {
          // over the attachment limit: refused on the way in, as the reference parser does
          assert.throws(() => new SocketDecoder().add(parts[0]!), (e: unknown) => e instanceof DecodeError && e.code === 'too-many-attachments');
          return;
        }
        const decoded = decodeAll(parts);
        assert.equal(decoded.type, PacketType.EVENT);
        assert.equal(decoded.nsp, nsp);
        assert.equal(decoded.id, id);
        assert.deepEqual(normalise(decoded.data), normalise(original));
        // the reference parser reads what we write, and we read what it writes
        const theirs = decodeWithReference(parts);
        assert.deepEqual(normalise(theirs.data), normalise(original));
        assert.equal(theirs.id, id);
        const ours = decodeAll(new RefEncoder().encode({ type: PacketType.EVENT, nsp, id, data: original }));
        assert.deepEqual(normalise(ours.data), normalise(original));
      },
    ),
    { numRuns: 300 },
  );
});

/** JSON semantics for comparison: buffers compared by content, undefined in objects dropped. */
function normalise(v: unknown): unknown {
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return { bytes: [...v] };
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : normalise(x)));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = normalise(x);
    return out;
  }
  return v;
}
