import { test } from 'node:test';
import assert from 'node:assert/strict';
import { io } from '../index.js';
import { enableCredentialsRefresh, type RefreshedCredentials } from './refresh.js';

/** Evaluates a socket's `auth` option as the socket does at CONNECT. */
function connectPayload(auth: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve) => (auth as (cb: (d: Record<string, unknown>) => void) => void)(resolve));
}

test('the CONNECT payload announces the extension, whatever the auth option, even when reassigned', async () => {
  const a = enableCredentialsRefresh(io('http://127.0.0.1:9', { autoConnect: false, forceNew: true, auth: { token: 'x' } }));
  assert.deepEqual(await connectPayload(a.auth), { token: 'x', $credentials: 1 });
  const b = enableCredentialsRefresh(
    io('http://127.0.0.1:9', { autoConnect: false, forceNew: true, auth: (cb) => setTimeout(() => cb({ token: 'later' }), 5) }),
  );
  assert.deepEqual(await connectPayload(b.auth), { token: 'later', $credentials: 1 });
  b.auth = { token: 'reassigned' };
  assert.deepEqual(await connectPayload(b.auth), { token: 'reassigned', $credentials: 1 });
  const c = enableCredentialsRefresh(io('http://127.0.0.1:9', { autoConnect: false, forceNew: true }));
  assert.deepEqual(await connectPayload(c.auth), { $credentials: 1 });
  // enabling twice changes nothing
  assert.equal(enableCredentialsRefresh(c), c);
  assert.deepEqual(await connectPayload(c.auth), { $credentials: 1 });
});

test('refreshCredentials() rejects while disconnected; events are typed on typed sockets', async () => {
  interface ServerEvents {
    news: (text: string) => void;
  }
  const socket = enableCredentialsRefresh(io<ServerEvents>('http://127.0.0.1:9', { autoConnect: false, forceNew: true }));
  const seen: RefreshedCredentials[] = [];
  socket.on('credentials_refresh', (info) => seen.push(info));
  socket.on('credentials_error', (err) => assert.equal(typeof err.message, 'string'));
  socket.on('news', (text) => assert.equal(typeof text, 'string'));
  await assert.rejects(socket.refreshCredentials(), /not connected/);
  assert.equal(socket.credentialsExpiresAt, null);
  assert.deepEqual(seen, []);
});
