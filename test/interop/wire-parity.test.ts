/**
 * Wire parity with the reference client: the same scenario is played by `socket.io-client`
 * and by ours against the official server, and what the server sees (the HTTP requests with
 * their significant headers, the Engine.IO packets in each direction) must be identical once
 * ids and cache busters are normalised.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { io as referenceIo } from 'socket.io-client';
import { io as ourIo } from '../../src/client/index.js';
import { once } from './helpers.js';
import { startOfficialServer } from './servers.js';

type ClientFactory = (url: string, opts: Record<string, unknown>) => any;

function normalise(text: string, ids: Map<string, string>): string {
  return text
    .replace(/([?&]t=)[^&\s]+/g, '$1T')
    .replace(/[A-Za-z0-9_-]{20}/g, (id) => {
      if (!ids.has(id)) ids.set(id, `ID${ids.size}`);
      return ids.get(id)!;
    })
    .replace(/"(offset)":"[^"]*"/g, '"$1":"O"');
}

async function record(client: ClientFactory, transports: string[], cookies = false, upgrade = false): Promise<string[]> {
  const log: string[] = [];
  const ids = new Map<string, string>();
  const push = (line: string) => log.push(normalise(line, ids));
  const header = (req: IncomingMessage) =>
    ['content-type', 'accept', 'x-extra', 'cookie'].map((h) => `${h}=${req.headers[h] ?? ''}`).join(' ');
  const srv = await startOfficialServer(
    { pingInterval: 10000, cookie: cookies },
    (io, http) => {
      http.on('upgrade', (req: IncomingMessage) => push(`UPGRADE ${req.url} ${header(req)}`));
      io.engine.on('connection', (conn: any) => {
        conn.on('packet', (p: any) => push(`C>S ${p.type} ${typeof p.data === 'string' ? p.data : p.data ? 'bin:' + [...p.data].join(',') : ''}`));
        conn.on('packetCreate', (p: any) => push(`S>C ${p.type} ${typeof p.data === 'string' ? p.data : p.data ? 'bin:' + [...p.data].join(',') : ''}`));
      });
      io.on('connection', (s: any) => {
        s.on('hello', (v: unknown, cb: (r: unknown) => void) => cb({ got: v }));
        s.on('bin', (b: Buffer, cb: (r: unknown) => void) => cb(Buffer.from([...b].reverse())));
      });
    },
    (req) => {
      push(`${req.method} ${req.url} ${header(req)}`);
      return false;
    },
  );
  const socket = client(srv.url, {
    forceNew: true,
    transports,
    upgrade,
    reconnection: false,
    query: { q: 'x y' },
    auth: { a: 1 },
    extraHeaders: { 'x-extra': 'e' },
    withCredentials: cookies,
  });
  await once(socket, 'connect');
  if (upgrade && socket.io.engine.transport.name !== 'websocket') await once(socket.io.engine, 'upgrade');
  await new Promise((resolve) => socket.emit('hello', 'wörld', resolve));
  await new Promise((resolve) => socket.emit('bin', Buffer.from([1, 2, 3]), resolve));
  const closed = once(srv.io.of('/'), 'connection', 50).catch(() => undefined);
  socket.disconnect();
  await closed;
  await new Promise((r) => setTimeout(r, 100));
  await srv.close();
  return log;
}

describe('wire parity with socket.io-client', () => {
  const cases = [
    [['polling'], false, false],
    [['websocket'], false, false],
    [['polling'], true, false],
    [['polling', 'websocket'], true, true],
  ] as const;
  for (const [transports, cookies, upgrade] of cases) {
    it(`produces the same requests and packets as the reference (${transports.join('+')}${cookies ? ', cookie jar' : ''}${upgrade ? ', upgrade' : ''})`, async () => {
      const reference = await record(referenceIo as unknown as ClientFactory, [...transports], cookies, upgrade);
      const ours = await record(ourIo as unknown as ClientFactory, [...transports], cookies, upgrade);
      assert.ok(reference.length > 5);
      if (cookies) assert.ok(reference.some((line) => /cookie=io=ID0/.test(line)), 'the reference replays the io cookie');
      if (process.env.SHOW_WIRE) console.log(reference.join('\n'));
      // packets in order per direction; the distinct HTTP requests (how many polls happen depends on timing)
      const split = (log: string[]) => ({
        clientToServer: log.filter((l) => l.startsWith('C>S')),
        serverToClient: log.filter((l) => l.startsWith('S>C')),
        requests: [...new Set(log.filter((l) => !l.startsWith('C>S') && !l.startsWith('S>C')))].sort(),
      });
      assert.deepEqual(split(ours), split(reference));
    });
  }
});
