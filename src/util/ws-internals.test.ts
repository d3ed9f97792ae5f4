/**
 * Pins the `ws` internals used by Socketeer: fails when the installed `ws` leaves SUPPORTED_WS_RANGE, and checks
 * each internal on a real connection pair on 127.0.0.1 (with and without permessage-deflate).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Socket, type AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { SUPPORTED_WS_RANGE, buildFrame, canWriteFrames, rawSocketOf, unrefWebSocket, versionInRange } from './ws-internals.js';

const wsVersion = (JSON.parse(readFileSync(new URL('../../node_modules/ws/package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** A server and a client connected to it; `server` is the server side of the connection. */
async function pair(perMessageDeflate: boolean): Promise<{ server: WebSocket; client: WebSocket; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate });
  await once(wss, 'listening');
  const connected = once(wss, 'connection') as Promise<[WebSocket]>;
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate });
  await once(client, 'open');
  const [server] = await connected;
  return {
    server,
    client,
    close: async () => {
      client.terminate();
      server.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

test(`the installed ws (${wsVersion}) is in the supported range ${SUPPORTED_WS_RANGE}`, () => {
  assert.ok(
    versionInRange(wsVersion, SUPPORTED_WS_RANGE),
    `ws ${wsVersion} is outside ${SUPPORTED_WS_RANGE}: check src/util/ws-internals.ts against it, then widen the range`,
  );
});

test('versionInRange', () => {
  assert.equal(versionInRange('8.23.0', '>=8.23.0 <9.0.0'), true);
  assert.equal(versionInRange('8.99.1', '>=8.23.0 <9.0.0'), true);
  assert.equal(versionInRange('8.22.9', '>=8.23.0 <9.0.0'), false);
  assert.equal(versionInRange('9.0.0', '>=8.23.0 <9.0.0'), false);
  assert.equal(versionInRange('9.0.0-beta.1', '>=8.23.0 <9.0.0'), false);
  assert.throws(() => versionInRange('8.23.0', '^8.23.0'), RangeError);
});

test('rawSocketOf: the TCP socket under the connection, on both sides', async () => {
  const p = await pair(false);
  try {
    const raw = rawSocketOf(p.server);
    assert.ok(raw instanceof Socket);
    const client = rawSocketOf(p.client)!;
    assert.ok(client instanceof Socket);
    assert.equal(raw.remotePort, client.localPort);
    assert.equal(rawSocketOf({}), undefined, 'not a ws connection');
  } finally {
    await p.close();
  }
});

test('canWriteFrames and buildFrame: frames written to the raw socket arrive as messages, in order with ws.send', async () => {
  const p = await pair(false);
  try {
    assert.equal(canWriteFrames(p.server), true);
    assert.equal(canWriteFrames({}), false);
    const received: Array<[string, boolean]> = [];
    const all = new Promise<void>((resolve) => {
      p.client.on('message', (data: Buffer, isBinary: boolean) => {
        received.push([isBinary ? data.toString('hex') : data.toString(), isBinary]);
        if (received.length === 4) resolve();
      });
    });
    const raw = rawSocketOf(p.server)!;
    const text = buildFrame(p.server, 'héllo', false);
    assert.ok(Array.isArray(text) && text.every((b) => Buffer.isBuffer(b)));
    raw.write(Buffer.concat(text));
    raw.write(Buffer.concat(buildFrame(p.server, Buffer.from([1, 2, 3]), true)));
    p.server.send('via ws');
    raw.write(Buffer.concat(buildFrame(p.server, 'x'.repeat(70000), false))); // 64-bit length header
    await all;
    assert.deepEqual(received, [
      ['héllo', false],
      ['010203', true],
      ['via ws', false],
      ['x'.repeat(70000), false],
    ]);
  } finally {
    await p.close();
  }
});

test('canWriteFrames is false once permessage-deflate is negotiated', async () => {
  const p = await pair(true);
  try {
    assert.match(p.server.extensions, /permessage-deflate/);
    assert.equal(canWriteFrames(p.server), false);
    assert.ok(rawSocketOf(p.server) instanceof Socket);
  } finally {
    await p.close();
  }
});

test('unrefWebSocket unrefs the raw socket; nothing without one', async () => {
  const p = await pair(false);
  try {
    const raw = rawSocketOf(p.client)!;
    let unrefs = 0;
    const unref = raw.unref;
    raw.unref = function (this: Socket) {
      unrefs++;
      return unref.call(this);
    };
    unrefWebSocket(p.client);
    assert.equal(unrefs, 1);
    raw.ref();
    unrefWebSocket({});
  } finally {
    await p.close();
  }
});
