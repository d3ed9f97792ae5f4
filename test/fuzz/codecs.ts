/**
 * Fuzz targets over the codecs of `src/protocol/`: Engine.IO v4 packets (WebSocket frames, text and binary), v4
 * polling payloads, v3 packets and payloads (text and binary framing), and Socket.IO packets with binary
 * attachments. Inputs are random strings and bytes, and valid encodings mutated at random.
 *
 * Each input must either decode, to a value that satisfies the codec's invariants, or throw a `DecodeError`;
 * any other exception, a hang (the run is bounded by the test timeout or the `npm run fuzz` watchdog) or a
 * change to `Object.prototype` is a failure. Valid inputs must survive encode → decode unchanged.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '../../src/protocol/errors.js';
import {
  decodeEnginePacket,
  decodePayload,
  encodeEnginePacket,
  encodePayload,
  type EnginePacket,
} from '../../src/protocol/engine-packet.js';
import { decodePacketV3, decodePayloadV3, encodePacketV3, encodePayloadV3 } from '../../src/protocol/engine-v3.js';
import { PacketType, RESERVED_EVENTS, SocketDecoder, encodeSocketPacket, type Packet } from '../../src/protocol/socket-packet.js';

/** A named property over generated inputs; `check` throws on a failure. */
export interface FuzzTarget<T = any> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  check(input: T): void;
  /** Whether `check` takes any input, so that generated inputs may be mutated further ({@link mutateInput}). */
  mutable?: boolean;
}

/** A small fast PRNG (xorshift32) for the mutation rounds of the long run. */
export function prng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

const INTERESTING = ['0', '1', '2', '3', '4', '5', '6', '9', '-', '/', ',', '[', ']', '{', '}', '"', ':', '\\', '\x1e', 'b', '_placeholder', '"num":', '__proto__', '\u0000'];

/** One to four random edits of a string, a buffer, or one element of an array of them. */
export function mutateInput<T>(input: T, rand: () => number): T {
  if (Array.isArray(input)) {
    if (input.length === 0) return input;
    const copy = input.slice();
    const i = rand() % copy.length;
    copy[i] = mutateInput(copy[i], rand);
    if (rand() % 8 === 0) copy.splice(rand() % copy.length, 0, copy[rand() % copy.length]);
    return copy as T;
  }
  const edits = 1 + (rand() % 4);
  if (typeof input === 'string') {
    let s: string = input;
    for (let k = 0; k < edits; k++) {
      const i = s.length === 0 ? 0 : rand() % (s.length + 1);
      const r = rand();
      const piece = r % 3 === 0 ? String.fromCharCode(rand() % 0x3000) : INTERESTING[rand() % INTERESTING.length]!;
      const op = (r >>> 2) % 4;
      if (op === 0) s = s.slice(0, i) + piece + s.slice(i);
      else if (op === 1) s = s.slice(0, i) + s.slice(i + 1 + (rand() % 3));
      else if (op === 2) s = s.slice(0, i) + piece + s.slice(i + 1);
      else s = s.slice(0, i) + s.slice(i, i + 1 + (rand() % 8)).repeat(2 + (rand() % 4)) + s.slice(i + 1);
    }
    return s as T;
  }
  if (Buffer.isBuffer(input)) {
    const out = Buffer.from(input);
    if (out.length === 0) return Buffer.from([rand() % 256]) as T;
    for (let k = 0; k < edits; k++) out[rand() % out.length] = rand() % 256;
    return out as T;
  }
  return input;
}

const ENGINE_TYPES = new Set(['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop']);

const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort().join();

/** Fails when Object.prototype gained or lost a property (cheap enough to run after every input). */
export function assertPrototypeIntact(): void {
  for (const key in {}) assert.fail(`Object.prototype has an enumerable key ${key}`);
  if (Object.getOwnPropertyNames(Object.prototype).sort().join() !== prototypeNames) {
    assert.fail('Object.prototype changed');
  }
}

/** Runs `fn`: it may only return or throw a DecodeError. */
function decodesOrRefuses<R>(fn: () => R): R | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DecodeError) {
      assert.equal(typeof err.code, 'string');
      return undefined;
    }
    throw err;
  } finally {
    assertPrototypeIntact();
  }
}

// --- generators --------------------------------------------------------------------------------------------

/** Characters that matter to the grammars, mixed with anything. */
const syntaxChar = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...'0123456789-/,[]{}":\\b\x1e'.split(''), '_placeholder', 'true', 'num', '__proto__', 'null') },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }) },
);
const syntaxString = fc.string({ unit: syntaxChar, maxLength: 40 });
export const anyString = fc.oneof(fc.string({ maxLength: 60, unit: 'binary' }), syntaxString);
export const bytes = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));

/** Random insertions, deletions and replacements of characters. */
export function mutate(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(base, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 2 }), syntaxChar), { minLength: 1, maxLength: 4 }))
    .map(([s, ops]) => {
      for (const [pos, kind, ch] of ops) {
        const i = s.length === 0 ? 0 : pos % (s.length + 1);
        if (kind === 0) s = s.slice(0, i) + ch + s.slice(i);
        else if (kind === 1) s = s.slice(0, i) + s.slice(i + 1);
        else s = s.slice(0, i) + ch + s.slice(i + 1);
      }
      return s;
    });
}

function mutateBytes(base: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Buffer> {
  return fc.tuple(base, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 })).map(([b, ops]) => {
    const out = Buffer.from(b);
    for (const [pos, v] of ops) if (out.length > 0) out[pos % out.length] = v;
    return out;
  });
}

export const enginePacket: fc.Arbitrary<EnginePacket> = fc.oneof(
  fc.record({ type: fc.constantFrom('open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop' as const), data: fc.string({ minLength: 1, maxLength: 30 }) }),
  fc.constantFrom('ping', 'pong', 'noop', 'close', 'upgrade' as const).map((type) => ({ type })),
  fc.record({ type: fc.constant('message' as const), data: fc.uint8Array({ minLength: 1, maxLength: 40 }).map((a) => Buffer.from(a)) }),
).map((p) => ({ ...p }) as EnginePacket);
const enginePackets = fc.array(enginePacket, { minLength: 1, maxLength: 5 });

const jsonArg = fc.jsonValue({ maxDepth: 3 }).filter((v) => v === null || typeof v !== 'number' || !Object.is(v, -0));
const eventName = fc.string({ maxLength: 8 }).filter((s) => !RESERVED_EVENTS.has(s));
const socketPacket: fc.Arbitrary<Packet> = fc
  .record({
    type: fc.constantFrom(PacketType.CONNECT, PacketType.DISCONNECT, PacketType.EVENT, PacketType.ACK, PacketType.CONNECT_ERROR),
    nsp: fc.constantFrom('/', '/admin', '/a-b', '/ü'),
    id: fc.option(fc.nat(), { nil: undefined }),
    name: eventName,
    args: fc.array(fc.oneof(jsonArg, bytes), { maxLength: 3 }),
  })
  .map(({ type, nsp, id, name, args }) => {
    const p: Packet = { type, nsp };
    if (type === PacketType.EVENT) p.data = [name, ...args];
    else if (type === PacketType.ACK) p.data = args;
    else if (type === PacketType.CONNECT) p.data = { token: name };
    else if (type === PacketType.CONNECT_ERROR) p.data = { message: name };
    if ((type === PacketType.EVENT || type === PacketType.ACK) && id !== undefined) p.id = id;
    if (type === PacketType.ACK && p.id === undefined) p.id = 0;
    return p;
  });

/** A chunk sequence as a Socket.IO decoder receives it: valid encodings, mutated ones, and random text/bytes. */
export const socketChunks: fc.Arbitrary<Array<string | Buffer>> = fc.oneof(
  socketPacket.map((p) => encodeSocketPacket(p).map((x) => (typeof x === 'string' ? x : Buffer.from(x)))),
  fc.tuple(socketPacket, fc.nat()).chain(([p, k]) => {
    const parts: Array<string | Buffer> = encodeSocketPacket(p).map((x) => (typeof x === 'string' ? x : Buffer.from(x)));
    const i = k % parts.length;
    const part = parts[i]!;
    const mutated: fc.Arbitrary<string | Buffer> = typeof part === 'string' ? mutate(fc.constant(part)) : mutateBytes(fc.constant(part));
    return mutated.map((m) => {
      const copy = parts.slice();
      copy[i] = m;
      return copy;
    });
  }),
  fc.array(fc.oneof({ weight: 3, arbitrary: anyString }, { weight: 1, arbitrary: bytes }), { minLength: 1, maxLength: 4 }),
  // deep nesting and long digit runs
  fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.constantFrom('[', '{"a":'), fc.constantFrom('2["e",', '0', '3', '51-["e",')).map(([n, open, head]) => [
    head + open.repeat(n) + (open === '[' ? ']' : '1}').repeat(n) + (head.endsWith(',') ? ']' : ''),
  ]),
  fc.tuple(fc.constantFrom('2', '3', '5', '6'), fc.integer({ min: 1, max: 40 })).map(([t, n]) => [t + '9'.repeat(n) + '-["e"]']),
);

// --- invariants ----------------------------------------------------------------------------------------------

function checkEnginePacket(p: EnginePacket): void {
  assert.ok(ENGINE_TYPES.has(p.type), 'engine packet type ' + p.type);
  assert.ok(p.data === undefined || typeof p.data === 'string' || Buffer.isBuffer(p.data), 'engine packet data');
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** No object of a decoded payload has another prototype than Object.prototype / Array.prototype (or is binary). */
function checkPrototypes(v: unknown, depth = 0): void {
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v) || depth > 100) return;
  const proto = Object.getPrototypeOf(v);
  assert.ok(proto === Object.prototype || proto === Array.prototype, 'decoded object with a foreign prototype');
  for (const x of Object.values(v as object)) checkPrototypes(x, depth + 1);
}

function checkSocketPacket(p: Packet): void {
  assert.ok(p.type >= 0 && p.type <= 4, 'socket packet type ' + p.type);
  assert.equal(typeof p.nsp, 'string');
  assert.ok(p.nsp === '/' || p.nsp.startsWith('/'));
  assert.ok(p.id === undefined || (Number.isSafeInteger(p.id) && p.id >= 0), 'ack id');
  switch (p.type) {
    case PacketType.CONNECT:
      assert.ok(p.data === undefined || isPlainObject(p.data));
      break;
    case PacketType.DISCONNECT:
      assert.equal(p.data, undefined);
      break;
    // a packet without payload is valid (as for the reference); one with a payload has the right shape
    case PacketType.EVENT:
      if (p.data === undefined) break;
      assert.ok(Array.isArray(p.data) && p.data.length > 0);
      assert.ok(typeof p.data[0] === 'number' || (typeof p.data[0] === 'string' && !RESERVED_EVENTS.has(p.data[0])));
      break;
    case PacketType.ACK:
      assert.ok(p.data === undefined || Array.isArray(p.data));
      break;
    case PacketType.CONNECT_ERROR:
      assert.ok(p.data === undefined || typeof p.data === 'string' || isPlainObject(p.data));
      break;
  }
  checkPrototypes(p.data);
}

/** JSON semantics for comparisons: buffers by content. */
function normalise(v: unknown): unknown {
  if (Object.is(v, -0)) return 0; // JSON has no -0
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : normalise(x)));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    // keys named __proto__ are dropped by the decoder
    for (const [k, x] of Object.entries(v)) if (x !== undefined && k !== '__proto__') out[k] = normalise(x);
    return out;
  }
  return v;
}

// --- targets -------------------------------------------------------------------------------------------------

export const codecTargets: FuzzTarget[] = [
  {
    name: 'engine v4: WebSocket frames (text and binary)',
    mutable: true,
    arbitrary: fc.oneof(anyString, mutate(enginePacket.map((p) => encodeEnginePacket(p, false) as string)), bytes),
    check(frame: string | Buffer) {
      const p = decodesOrRefuses(() => decodeEnginePacket(frame));
      if (p !== undefined) {
        checkEnginePacket(p);
        if (typeof frame !== 'string') assert.equal(p.type, 'message');
      }
    },
  },
  {
    name: 'engine v4: valid packets survive encode/decode',
    arbitrary: fc.tuple(enginePacket, fc.boolean()),
    check([packet, binary]: [EnginePacket, boolean]) {
      const decoded = decodeEnginePacket(encodeEnginePacket(packet, binary));
      assert.deepEqual(decoded, packet);
    },
  },
  {
    name: 'engine v4: polling payloads',
    mutable: true,
    arbitrary: fc.oneof(
      fc.array(anyString, { minLength: 1, maxLength: 5 }).map((a) => a.join('\x1e')),
      mutate(enginePackets.map((ps) => encodePayload(ps))),
    ),
    check(body: string) {
      const packets = decodesOrRefuses(() => decodePayload(body));
      if (packets !== undefined) {
        assert.ok(packets.length > 0);
        for (const p of packets) checkEnginePacket(p);
        // what decodes re-encodes to a payload that decodes the same
        assert.deepEqual(decodePayload(encodePayload(packets)), packets);
      }
    },
  },
  {
    name: 'engine v3: packets (text, base64, binary with type byte)',
    mutable: true,
    arbitrary: fc.oneof(anyString, mutate(enginePacket.map((p) => encodePacketV3(p, false) as string)), bytes),
    check(frame: string | Buffer) {
      const p = decodesOrRefuses(() => decodePacketV3(frame));
      if (p !== undefined) checkEnginePacket(p);
    },
  },
  {
    name: 'engine v3: text and binary payload framing',
    mutable: true,
    arbitrary: fc.oneof(
      fc.array(anyString, { minLength: 1, maxLength: 4 }).map((a) => a.map((s) => s.length + ':' + s).join('')),
      anyString,
      mutate(enginePackets.map((ps) => encodePayloadV3(ps, false) as string)),
      mutateBytes(enginePackets.map((ps) => encodePayloadV3(ps, true)).map((x) => (typeof x === 'string' ? Buffer.from(x) : x))),
      bytes,
    ),
    check(body: string | Buffer) {
      const packets = decodesOrRefuses(() => decodePayloadV3(body));
      if (packets !== undefined) {
        for (const p of packets) checkEnginePacket(p);
        // UTF-8 (the binary payload) cannot carry lone surrogates: only well-formed text goes that way
        const wellFormed = packets.every((p) => typeof p.data !== 'string' || (p.data as string & { isWellFormed(): boolean }).isWellFormed());
        for (const binary of wellFormed ? [false, true] : [false]) {
          const again = encodePayloadV3(packets, binary);
          assert.deepEqual(decodePayloadV3(typeof again === 'string' ? again : Buffer.from(again)), packets);
        }
      }
    },
  },
  {
    name: 'engine v3: valid payloads survive encode/decode',
    arbitrary: fc.tuple(enginePackets, fc.boolean()),
    check([packets, binary]: [EnginePacket[], boolean]) {
      const encoded = encodePayloadV3(packets, binary);
      assert.deepEqual(decodePayloadV3(typeof encoded === 'string' ? encoded : Buffer.from(encoded)), packets);
    },
  },
  {
    name: 'socket packets with binary attachments: chunk sequences',
    mutable: true,
    arbitrary: socketChunks,
    check(chunks: Array<string | Buffer>) {
      const decoder = new SocketDecoder({ maxNestingDepth: 64 });
      for (const chunk of chunks) {
        const p = decodesOrRefuses(() => decoder.add(chunk));
        if (p != null) checkSocketPacket(p);
      }
      // whatever came before, the decoder accepts a valid packet once reset
      decoder.reset();
      assert.deepEqual(decoder.add('2["ok"]'), { type: 2, nsp: '/', data: ['ok'] });
    },
  },
  {
    name: 'socket packets: valid packets survive encode/decode',
    arbitrary: socketPacket,
    check(packet: Packet) {
      const parts = encodeSocketPacket(packet);
      const decoder = new SocketDecoder({ maxNestingDepth: 64, maxAttachments: 100 });
      let out: Packet | null = null;
      for (const part of parts) out = decoder.add(part);
      assert.ok(out);
      assert.equal(out.type, packet.type);
      assert.equal(out.nsp, packet.nsp);
      assert.equal(out.id, packet.id);
      assert.deepEqual(normalise(out.data), normalise(packet.data));
    },
  },
];
