import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_MAX_ATTACHMENTS,
  PacketType,
  SocketDecoder,
  decodePacketString,
  encodeSocketPacket,
  hasBinary,
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
  assert.throws(() => new SocketDecoder().add('511-["a"]'), { message: 'too many attachments' });
});

test('a binary packet announcing zero attachments is refused, as by the reference', () => {
  assert.throws(() => new SocketDecoder().add('50-["a"]'), (e: unknown) => e instanceof DecodeError && e.code === 'invalid-attachments');
  assert.throws(() => new RefDecoder().add('50-["a"]'), /Illegal attachments/);
});

/** The message the reference decoder throws for a sequence of messages, or null when it decodes them all. */
function referenceError(parts: Array<string | Uint8Array>): string | null {
  const d = new RefDecoder();
  try {
    for (const p of parts) d.add(typeof p === 'string' ? p : Buffer.from(p));
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

function ourError(parts: Array<string | Uint8Array>): string | null {
  const d = new SocketDecoder();
  try {
    for (const p of parts) d.add(p);
    return null;
  } catch (e) {
    assert.ok(e instanceof DecodeError, 'not a DecodeError: ' + String(e));
    return e.message;
  }
}

test('decode errors carry the reference parser messages', () => {
  const cases: Array<Array<string | Uint8Array>> = [
    ['7'], ['9["a"]'], ['x'],
    ['5["a"]'], ['5-["a"]'], ['5a-["a"]'], ['50-["a"]'], ['511-["a"]'], ['599-["a"]'],
    ['4abc'], ['2{}'], ['2[]'], ['2[null]'], ['2[{}]'], ['2["a"'], ['2abc["a"]'], ['3{}'], ['0[]'], ['0"str"'], ['1{}'],
    ['2["disconnect"]'], ['2["connect"]'], ['2["newListener"]'], ['2["removeListener"]'],
    ['51-["a",{"_placeholder":true,"num":0}]', '2["b"]'],
    [Buffer.from([1])],
    ['51-["a",{"_placeholder":true,"num":3}]', Buffer.from([1])],
    ['51-["a",{"_placeholder":true,"num":-1}]', Buffer.from([1])],
    ['51-["a",{"_placeholder":true,"num":"0"}]', Buffer.from([1])],
  ];
  for (const parts of cases) {
    const theirs = referenceError(parts);
    assert.ok(theirs !== null, 'the reference accepts ' + JSON.stringify(parts));
    assert.equal(ourError(parts), theirs, JSON.stringify(parts));
  }
  // an unsupported chunk type
  assert.throws(() => new SocketDecoder().add(42 as unknown as string), { message: 'Unknown type: 42' });
  assert.throws(() => new RefDecoder().add(42 as unknown as string), { message: 'Unknown type: 42' });
});

test('payloads nested deeper than maxNestingDepth are refused before parsing', () => {
  const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const d = new SocketDecoder({ maxNestingDepth: 64 });
  // an argument of 63 levels in the array of arguments: 64 in all
  assert.deepEqual(d.add('2["x",' + nested(63) + ']')!.type, PacketType.EVENT);
  assert.throws(
    () => d.add('2["x",' + nested(64) + ']'),
    (e: unknown) => e instanceof DecodeError && e.code === 'too-deep' && e.message === 'payload nested deeper than 64 levels',
  );
  // objects count as arrays do; brackets inside strings do not count
  const deepObject = '{"a":'.repeat(70) + '1' + '}'.repeat(70);
  assert.throws(() => d.add('2["x",' + deepObject + ']'), (e: unknown) => e instanceof DecodeError && e.code === 'too-deep');
  const bracketsInStrings = '2' + JSON.stringify(['x', '[{'.repeat(500) + '\\', '\\"[[[[' + '['.repeat(200), { '[[[': '{{{\\\\' }]);
  assert.equal(d.add(bracketsInStrings)!.data.length, 4);
  // the same for CONNECT payloads and binary packets
  assert.throws(() => d.add('0' + deepObject), (e: unknown) => e instanceof DecodeError && e.code === 'too-deep');
  assert.throws(() => d.add('51-["x",' + nested(70) + ',{"_placeholder":true,"num":0}]'), (e: unknown) => e instanceof DecodeError && e.code === 'too-deep');
  // the attack of 5,000 levels (10 KB): refused, no stack overflow
  assert.throws(() => d.add('2["echo",' + nested(5000) + ']'), (e: unknown) => e instanceof DecodeError && e.code === 'too-deep');
  // the decoder is usable afterwards
  assert.deepEqual(d.add('2["ok"]'), { type: 2, nsp: '/', data: ['ok'] });
  // unlimited by default (the client): deep data decodes
  assert.equal(new SocketDecoder().add('2["echo",' + nested(5000) + ']')!.data.length, 2);
});

/** The nesting depth of a decoded JSON value. */
function depthOf(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  let max = 0;
  for (const x of Object.values(v)) max = Math.max(max, depthOf(x));
  return max + 1;
}

test('property: the nesting check agrees with the depth of the parsed value', () => {
  const key = fc.string({ maxLength: 4, unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', ',', ':') });
  const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'large', maxDepth: 12 },
      key,
      fc.integer(),
      fc.constant(null),
      fc.array(tie('node'), { maxLength: 3 }),
      fc.dictionary(key, tie('node'), { maxKeys: 3, noNullPrototype: true }),
    ),
  })).node;
  fc.assert(
    fc.property(fc.array(value, { maxLength: 3 }), fc.integer({ min: 1, max: 14 }), (args, max) => {
      const text = JSON.stringify(['e', ...args]);
      const depth = depthOf(JSON.parse(text));
      const packet = '2' + text;
      if (depth > max) {
        assert.throws(() => decodePacketString(packet, 10, max), (e: unknown) => e instanceof DecodeError && e.code === 'too-deep');
      } else {
        assert.deepEqual(decodePacketString(packet, 10, max).data, ['e', ...args]);
      }
    }),
    { numRuns: 500 },
  );
});

test('encoding never overflows the stack: deep or circular data throws a RangeError to the caller', () => {
  let deep: unknown[] = [];
  for (let i = 0; i < 5000; i++) deep = [deep];
  assert.throws(() => encodeSocketPacket({ type: PacketType.ACK, nsp: '/', id: 1, data: [deep] }), (e: unknown) =>
    e instanceof RangeError && /nested deeper than 1000 levels/.test(e.message),
  );
  assert.throws(() => hasBinary(deep), RangeError);
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  assert.throws(() => encodeSocketPacket({ type: PacketType.EVENT, nsp: '/', data: ['x', circular] }), RangeError);
  // binary deep enough to need deconstruction
  let deepBin: unknown = Buffer.from([1]);
  for (let i = 0; i < 2000; i++) deepBin = { a: deepBin };
  assert.throws(() => encodeSocketPacket({ type: PacketType.EVENT, nsp: '/', data: ['x', deepBin] }), RangeError);
  // a toJSON returning its own object does not loop
  const selfJSON = { toJSON() { return this; }, b: Buffer.from([2]) };
  assert.equal(encodeSocketPacket({ type: PacketType.EVENT, nsp: '/', data: ['x', selfJSON] }).length, 2);
  // BigInt: the TypeError of JSON.stringify, thrown to the caller as by the reference
  assert.throws(() => encodeSocketPacket({ type: PacketType.EVENT, nsp: '/', data: ['x', 10n] }), TypeError);
  // 999 levels in all still encode and decode
  let ok: unknown[] = [];
  for (let i = 0; i < 997; i++) ok = [ok];
  const parts = encodeSocketPacket({ type: PacketType.EVENT, nsp: '/', data: ['x', ok, Buffer.from([3])] });
  assert.equal(parts.length, 2);
  assert.equal(depthOf(decodeAll(parts).data), 999);
  // reconstructing data deeper than the bound is a decode error, not an overflow
  const d = new SocketDecoder();
  assert.equal(d.add('51-["x",' + '['.repeat(3000) + ']'.repeat(3000) + ',{"_placeholder":true,"num":0}]'), null);
  assert.throws(() => d.add(Buffer.from([1])), (e: unknown) => e instanceof DecodeError && e.code === 'too-deep');
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

// JSON has no -0 (it reads back as 0, as in socket.io): values as JSON can carry them, at any depth
const jsonValue = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
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
