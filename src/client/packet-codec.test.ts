import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType } from '../protocol/index.js';
import { PacketCodec, type PacketSink } from './packet-codec.js';

class Sink implements PacketSink {
  frames: Array<string | Uint8Array | ArrayBuffer> = [];
  write(msg: string | Uint8Array | ArrayBuffer): void {
    this.frames.push(msg);
  }
}

test('encodes and writes to the host session; decodes frames', () => {
  const codec = new PacketCodec({});
  const host = { engine: new Sink() };
  codec.send({ type: PacketType.EVENT, nsp: '/', data: ['hello', 1] }, host);
  assert.deepEqual(host.engine.frames, ['2["hello",1]']);
  assert.deepEqual(codec.decode('2/chat,["news"]'), { type: PacketType.EVENT, nsp: '/chat', data: ['news'] });
  assert.throws(() => codec.decode('9'));
});

test('a packet with a Blob and every later one wait for it, in order', async () => {
  const codec = new PacketCodec({});
  const host = { engine: new Sink() };
  codec.send({ type: PacketType.EVENT, nsp: '/', data: ['file', new Blob([new Uint8Array([1, 2])])] }, host);
  codec.send({ type: PacketType.EVENT, nsp: '/', data: ['after'] }, host);
  assert.equal(host.engine.frames.length, 0);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(host.engine.frames.length, 3, 'header, attachment, then the later packet');
  assert.match(String(host.engine.frames[0]), /^51-\["file",\{"_placeholder":true,"num":0\}\]$/);
  assert.deepEqual([...new Uint8Array(host.engine.frames[1] as ArrayBuffer)], [1, 2]);
  assert.equal(host.engine.frames[2], '2["after"]');
});

test('Blob packets are dropped when the session changed meanwhile', async () => {
  const codec = new PacketCodec({});
  const first = new Sink();
  const host = { engine: first };
  codec.send({ type: PacketType.EVENT, nsp: '/', data: [new Blob(['x'])] }, host);
  host.engine = new Sink();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(first.frames.length, 0);
  assert.equal(host.engine.frames.length, 0);
});
