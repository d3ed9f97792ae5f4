/**
 * Tokens never in logs, end to end: with every `socketeer:*` logger enabled (the engine installs the redaction on
 * the `debug` module by itself), a session carrying credentials in the query, the CONNECT payload and a refresh in place writes
 * no credential to the log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { format } from 'node:util';
import createDebug from 'debug';
import { io as officialClient } from 'socket.io-client';
import { Server } from '../../src/server/index.js';
import { io as socketeerClient } from '../../src/client/index.js';
import { authenticate } from '../../src/server/auth/index.js';
import { enableCredentialsRefresh } from '../../src/client/auth/index.js';
import { REDACTED } from '../../src/server/redact.js';

const SECRET = 's3cret-value';

function waitFor(emitter: { once(ev: string, fn: (...args: any[]) => void): unknown }, ev: string, ms = 5000): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for "${ev}"`)), ms);
    emitter.once(ev, (...args: any[]) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}

test('no credential reaches the debug output: query, CONNECT auth, headers, refresh in place', async () => {
  const lines: string[] = [];
  const previousLog = createDebug.log;
  const previousNamespaces = createDebug.disable();
  createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
  createDebug.enable('socketeer:*');
  const http = createServer();
  const io = new Server(http, { pingInterval: 300, pingTimeout: 1000 });
  let n = 0;
  authenticate(io, {
    verify: ({ token }) => {
      if (!String(token).startsWith(SECRET)) throw new Error('invalid');
      // refreshed after ~1 s, with a second of slack on a busy machine
      return { data: {}, expiresAt: Date.now() + 2000 };
    },
    refreshBefore: 1500,
    refreshTimeout: 1500,
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const polling = enableCredentialsRefresh(
    socketeerClient(url, {
      forceNew: true,
      reconnection: false,
      autoConnect: false,
      transports: ['polling'],
      query: { token: SECRET },
      extraHeaders: { authorization: `Bearer ${SECRET}` },
      auth: (cb: (d: object) => void) => cb({ token: `${SECRET}-${n++}` }),
    }),
  );
  const ws = officialClient(url, { forceNew: true, reconnection: false, query: { access_token: SECRET }, auth: { token: SECRET } });
  try {
    const refreshed = waitFor(polling, 'credentials_refresh');
    polling.connect();
    await Promise.all([waitFor(polling, 'connect'), waitFor(ws, 'connect')]);
    await refreshed;
    assert.ok(lines.length > 10, 'the loggers were enabled');
    const leaks = lines.filter((l) => l.includes(SECRET));
    assert.deepEqual(leaks, []);
    assert.ok(lines.some((l) => l.includes(`token=${REDACTED}`)), 'request URLs are logged, masked');
  } finally {
    polling.disconnect();
    ws.disconnect();
    await io.close();
    http.closeAllConnections();
    createDebug.log = previousLog;
    createDebug.enable(previousNamespaces);
  }
});
