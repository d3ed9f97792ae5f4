/**
 * Binary payloads at any depth, in both directions, over polling and over WebSocket.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, waitFor } from './helpers.js';
import type { Socket } from '../../src/server/index.js';

const transports = [['polling'], ['websocket']] as const;

for (const t of transports) {
  describe(`binary over ${t[0]}`, () => {
    it('client → server: nested buffers, several attachments, with ack carrying binary back', async () => {
      const h = await startServer();
      try {
        const received = new Promise<unknown[]>((resolve) => {
          h.io.on('connection', (socket) => {
            socket.on('upload', (name: string, meta: any, cb: (...a: unknown[]) => void) => {
              resolve([name, meta]);
              cb({ ok: true, echo: meta.files[1].data, size: meta.files.length });
            });
          });
        });
        const c = h.client('/', { transports: [...t] });
        const meta = {
          files: [
            { name: 'a', data: new Uint8Array([1, 2, 3]) },
            { name: 'b', data: new Uint8Array([0xff, 0x00, 0x10]).buffer },
          ],
          thumb: new Uint8Array([9]),
          deep: { list: [null, { x: new Uint8Array([7, 7]) }] },
        };
        const ack = new Promise<any>((resolve) => c.emit('upload', 'batch', meta, resolve));
        const [name, got] = (await received) as [string, any];
        assert.equal(name, 'batch');
        assert.ok(Buffer.isBuffer(got.files[0].data));
        assert.deepEqual([...got.files[0].data], [1, 2, 3]);
        assert.deepEqual([...got.files[1].data], [0xff, 0x00, 0x10]);
        assert.deepEqual([...got.thumb], [9]);
        assert.equal(got.deep.list[0], null);
        assert.deepEqual([...got.deep.list[1].x], [7, 7]);
        assert.equal(got.files[0].name, 'a');
        const reply = await ack;
        assert.equal(reply.ok, true);
        assert.equal(reply.size, 2);
        assert.deepEqual([...new Uint8Array(reply.echo)], [0xff, 0x00, 0x10]);
      } finally {
        await h.close();
      }
    });

    it('server → client: Buffer, ArrayBuffer and typed arrays at any depth, in emits, broadcasts and acks', async () => {
      const h = await startServer();
      try {
        const conn = waitFor<[Socket]>(h.io, 'connection');
        const c = h.client('/', { transports: [...t] });
        c.on('ask', (cb: (v: unknown) => void) => cb(new Uint8Array([4, 5, 6])));
        const [socket] = await conn;
        await waitFor(c, 'connect');
        const direct = waitFor<any[]>(c, 'files');
        socket.emit('files', Buffer.from([1]), {
          ab: new Uint8Array([2, 3]).buffer,
          arr: [new Uint16Array([0x0102]), 'text'],
        });
        const [buf, obj] = await direct;
        assert.deepEqual([...new Uint8Array(buf)], [1]);
        assert.deepEqual([...new Uint8Array(obj.ab)], [2, 3]);
        assert.deepEqual([...new Uint8Array(obj.arr[0])], [...new Uint8Array(new Uint16Array([0x0102]).buffer)]);
        assert.equal(obj.arr[1], 'text');
        const broadcast = waitFor<any[]>(c, 'bcast');
        h.io.emit('bcast', { parts: [Buffer.from('hi'), Buffer.from('yo')] });
        const [b] = await broadcast;
        assert.equal(Buffer.from(b.parts[0]).toString(), 'hi');
        assert.equal(Buffer.from(b.parts[1]).toString(), 'yo');
        const answer = await socket.timeout(1000).emitWithAck('ask');
        assert.ok(Buffer.isBuffer(answer));
        assert.deepEqual([...(answer as Buffer)], [4, 5, 6]);
      } finally {
        await h.close();
      }
    });
  });
}
