/**
 * The MessagePack browser script in Chromium: the one Socketeer serves (`socket.io.msgpack.min.js`) and the
 * reference's (`socket.io/client-dist/socket.io.msgpack.min.js`) both talk to a Socketeer server started with
 * the MessagePack parser of the same format: events, acks and binary both ways, and every packet on the wire
 * is binary MessagePack.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { Server } from '../../src/server/index.js';
import * as msgpackParser from '../../src/client/msgpack-parser.js';
import { launchChromium } from './client-harness.js';
import { ensureClientBundles } from '../../scripts/build-client.mjs';

// the served browser bundle (dist/client-bundle/), built from the current sources if stale
await ensureClientBundles();

declare const io: any;

const referenceScript = readFileSync(
  join(dirname(createRequire(import.meta.url).resolve('socket.io/package.json')), 'client-dist', 'socket.io.msgpack.min.js'),
);

describe('MessagePack browser script', () => {
  let browser: Browser;
  let http: HttpServer;
  let server: Server;
  let url: string;
  const frames: Array<string | Buffer> = [];

  before(async () => {
    browser = await launchChromium();
    http = createServer((req, res) => {
      if (req.url === '/reference.js') {
        res.writeHead(200, { 'Content-Type': 'application/javascript' });
        res.end(referenceScript);
      } else if (req.url?.startsWith('/page')) {
        const script = req.url.endsWith('reference') ? '/reference.js' : '/socket.io/socket.io.msgpack.min.js';
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end(`<!doctype html><script src="${script}"></script>`);
      }
    });
    server = new Server(http, { parser: msgpackParser as never });
    server.engine.on('connection', (conn: any) => conn.on('packet', (p: any) => p.type === 'message' && frames.push(p.data)));
    server.on('connection', (s) => {
      s.on('echo', (v: unknown, cb: (r: unknown) => void) => cb({ got: v }));
      s.on('bin', (b: Buffer, cb: (r: unknown) => void) => cb(Buffer.from([...b].reverse())));
      s.emit('welcome', { n: 1, bytes: Buffer.from([7, 8]) });
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    await browser?.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  for (const which of ['socketeer', 'reference'] as const) {
    it(`${which} script: events, acks and binary as MessagePack`, async () => {
      frames.length = 0;
      const page = await browser.newPage();
      try {
        await page.goto(`${url}/page?${which}`);
        const result = await page.evaluate(
          () =>
            new Promise<unknown>((resolve, reject) => {
              setTimeout(() => reject(new Error('timed out')), 20000);
              const socket = io({ transports: ['polling', 'websocket'] });
              socket.on('connect_error', (e: Error) => reject(e.message));
              socket.on('welcome', async (w: { n: number; bytes: ArrayBuffer | Uint8Array }) => {
                const echoed = await socket.emitWithAck('echo', 'hi');
                // notepack.io (both scripts' MessagePack codec) sends an ArrayBuffer as binary, not a typed array
                const reversed = await socket.emitWithAck('bin', new Uint8Array([1, 2, 3]).buffer);
                resolve({ n: w.n, bytes: [...new Uint8Array(w.bytes)], echoed, reversed: [...new Uint8Array(reversed)] });
                socket.disconnect();
              });
            }),
        );
        assert.deepEqual(result, { n: 1, bytes: [7, 8], echoed: { got: 'hi' }, reversed: [3, 2, 1] });
        assert.ok(frames.length >= 3, 'CONNECT and two events seen');
        assert.ok(frames.every((f) => Buffer.isBuffer(f)), 'every Socket.IO packet is a binary message');
      } finally {
        await page.close();
      }
    });
  }
});
