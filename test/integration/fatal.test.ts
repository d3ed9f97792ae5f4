/**
 * Protocol violations from a raw peer close that connection (gracefully), and only that one.
 */
import { describe, it } from 'node:test';
import { request } from 'node:http';
import assert from 'node:assert/strict';
import { startServer, waitFor } from './helpers.js';
import { openRaw, type RawPeer } from './raw.js';
import type { Socket } from '../../src/server/index.js';

async function connected(port: number): Promise<RawPeer> {
  const peer = await openRaw(port);
  peer.send('40');
  assert.match(await peer.next(), /^40\{"sid":/);
  return peer;
}

describe('fatal protocol violations', () => {
  const decodeErrors = [
    ['a reserved event name', '42["disconnect"]'],
    ['an unknown packet type', '4abc'],
    ['an EVENT that is not an array', '42{}'],
    ['an EVENT with an empty array', '42[]'],
    ['garbage after the ack id', '42abc["x"]'],
    ['a CONNECT with an array payload', '40[]'],
    ['more than 10 attachments', '4511-["x"]'],
    ['a BINARY_EVENT without attachment count', '45["x"]'],
  ] as const;
  for (const [label, frame] of decodeErrors) {
    it(`${label} (${frame}) closes the connection with "parse error"`, async () => {
      const h = await startServer();
      try {
        const conn = waitFor<[Socket]>(h.io, 'connection');
        const peer = await connected(h.port);
        const [socket] = await conn;
        const errors: Error[] = [];
        socket.on('error', (e) => errors.push(e));
        const reason = waitFor(socket, 'disconnect');
        peer.send(frame);
        assert.equal((await reason)[0], 'parse error');
        await peer.closed;
        assert.equal(errors.length, 1);
        // the server still serves others
        const other = await connected(h.port);
        other.close();
      } finally {
        await h.close();
      }
    });
  }

  it('an EVENT before any CONNECT closes the connection', async () => {
    const h = await startServer();
    try {
      const peer = await openRaw(h.port);
      peer.send('42["hello"]');
      await peer.closed;
      assert.equal(h.io.sockets.sockets.size, 0);
    } finally {
      await h.close();
    }
  });

  it('an EVENT for a namespace that is not connected closes the connection ("forced server close")', async () => {
    const h = await startServer();
    try {
      h.io.of('/admin');
      const conn = waitFor<[Socket]>(h.io, 'connection');
      const peer = await connected(h.port);
      const [socket] = await conn;
      const reason = waitFor(socket, 'disconnect');
      peer.send('42/admin,["x"]');
      assert.equal((await reason)[0], 'forced server close');
      await peer.closed;
    } finally {
      await h.close();
    }
  });

  it('an EVENT while the namespace middleware runs closes the connection', async () => {
    const h = await startServer();
    try {
      let release!: () => void;
      h.io.use((_s, next) => {
        release = next;
      });
      const peer = await openRaw(h.port);
      peer.send('40');
      peer.send('42["early"]');
      await peer.closed;
      release();
      assert.equal(h.io.sockets.sockets.size, 0);
    } finally {
      await h.close();
    }
  });

  it('a duplicate CONNECT closes the connection', async () => {
    const h = await startServer();
    try {
      const conn = waitFor<[Socket]>(h.io, 'connection');
      const peer = await connected(h.port);
      const [socket] = await conn;
      const reason = waitFor(socket, 'disconnect');
      peer.send('40');
      assert.equal((await reason)[0], 'forced server close');
      await peer.closed;
    } finally {
      await h.close();
    }
  });

  it('a CONNECT_ERROR from the client closes the connection', async () => {
    const h = await startServer();
    try {
      const peer = await connected(h.port);
      peer.send('44{"message":"x"}');
      await peer.closed;
    } finally {
      await h.close();
    }
  });

  it('closing is graceful: a reply queued before the violation is delivered first', async () => {
    const h = await startServer();
    try {
      const peer = await openRaw(h.port);
      peer.send('40/nope,');
      peer.send('42/nope,["x"]');
      assert.equal(await peer.next(), '44/nope,{"message":"Invalid namespace"}');
      await peer.closed;
    } finally {
      await h.close();
    }
  });

  it('a WebSocket message over maxHttpBufferSize ends the session ("transport error")', async () => {
    const h = await startServer({ maxHttpBufferSize: 1000 });
    try {
      const conn = waitFor<[Socket]>(h.io, 'connection');
      const peer = await connected(h.port);
      const [socket] = await conn;
      const reason = waitFor(socket, 'disconnect');
      peer.send('42["big","' + 'x'.repeat(2000) + '"]');
      assert.equal((await reason)[0], 'transport error');
      assert.equal(await peer.closed, 1009);
    } finally {
      await h.close();
    }
  });
});

describe('fatal protocol violations over polling', () => {
  /** One HTTP request on its own connection. */
  function http(port: number, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: body ? { 'content-type': 'text/plain;charset=UTF-8' } : {} }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('an EVENT before CONNECT: the next GET carries the close packet', async () => {
    const h = await startServer();
    try {
      const open = await http(h.port, 'GET', '/socket.io/?EIO=4&transport=polling');
      const sid = JSON.parse(open.body.slice(1)).sid as string;
      const base = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
      const post = await http(h.port, 'POST', base, '42["x"]');
      assert.equal(post.status, 200);
      const next = await http(h.port, 'GET', base);
      assert.deepEqual(next.body.split('\x1e').slice(-1), ['1']);
      const after = await http(h.port, 'GET', base);
      assert.equal(after.status, 400);
      assert.equal(JSON.parse(after.body).code, 1);
    } finally {
      await h.close();
    }
  });

  it('a decode error after CONNECT: the CONNECT reply first, then the close packet', async () => {
    const h = await startServer();
    try {
      const open = await http(h.port, 'GET', '/socket.io/?EIO=4&transport=polling');
      const sid = JSON.parse(open.body.slice(1)).sid as string;
      const base = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
      const reason = new Promise<string>((resolve) => h.io.on('connection', (s) => s.on('disconnect', resolve)));
      await http(h.port, 'POST', base, '40');
      const reply = await http(h.port, 'GET', base);
      assert.match(reply.body, /^40\{"sid":/);
      await http(h.port, 'POST', base, '42["disconnect"]');
      const packets: string[] = [];
      for (let i = 0; i < 5 && !packets.includes('1'); i++) {
        const res = await http(h.port, 'GET', base);
        assert.equal(res.status, 200);
        packets.push(...res.body.split('\x1e'));
      }
      assert.equal(packets[packets.length - 1], '1');
      assert.equal(await reason, 'parse error');
    } finally {
      await h.close();
    }
  });
});

describe('raw wire format', () => {
  it('CONNECT reply, events, acks with id 0 and per-namespace ack ids', async () => {
    const h = await startServer();
    try {
      h.io.of('/admin').on('connection', (socket) => {
        socket.on('echo', (v: unknown, cb: (v: unknown) => void) => cb(v));
        socket.emit('ask', 'q?', () => {});
      });
      const peer = await openRaw(h.port);
      peer.send('40/admin,{"token":"abc"}');
      assert.match(await peer.next(), /^40\/admin,\{"sid":"[\w-]{20}"\}$/);
      assert.equal(await peer.next(), '42/admin,0["ask","q?"]');
      peer.send('42/admin,0["echo",{"x":1}]');
      assert.equal(await peer.next(), '43/admin,0[{"x":1}]');
      peer.send('43/admin,0[]');
      peer.send('451-/admin,7["echo",{"_placeholder":true,"num":0}]');
      peer.send(Buffer.from([1, 2, 3]));
      assert.equal(await peer.next((m) => m.startsWith('46')), '461-/admin,7[{"_placeholder":true,"num":0}]');
      peer.close();
    } finally {
      await h.close();
    }
  });
});
