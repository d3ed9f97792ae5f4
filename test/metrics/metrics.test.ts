/**
 * socketeer/metrics: each family moves as expected with real clients (the official socket.io-client and ours) on
 * 127.0.0.1, the exposition parses (a strict parser and `promtool check metrics`), mounting and serving work, and
 * closing detaches the probe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { io as officialClient, type Socket as OfficialSocket } from 'socket.io-client';
import { io as ourClient } from '../../src/client/index.js';
import { authenticate, rateLimit } from '../../src/server/auth/index.js';
import { enableCredentialsRefresh } from '../../src/client/auth/index.js';
import { parseExposition, promtoolCheck, startWithMetrics, valueOf, waitFor, type MetricsHarness } from './helpers.js';

const connected = (c: { connected: boolean; once(ev: string, fn: () => void): unknown }) =>
  new Promise<void>((resolve) => (c.connected ? resolve() : c.once('connect', () => resolve())));

async function value(h: MetricsHarness, name: string, labels: Record<string, string> = {}): Promise<number> {
  return valueOf(await h.metrics.text(), name, labels);
}

async function eventually(h: MetricsHarness, name: string, labels: Record<string, string>, expected: (v: number) => boolean): Promise<void> {
  let last = NaN;
  await waitFor(`${name}${JSON.stringify(labels)}`, async () => expected((last = await value(h, name, labels)))).catch((err: Error) => {
    throw new Error(`${err.message} (last value ${last})`);
  });
}

function rawGet(port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

function rawPost(port: number, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'Content-Type': 'text/plain' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('traffic, events by allow-listed name, acks, broadcasts, sockets and connections with both clients', async () => {
  const h = await startWithMetrics({}, { eventNames: ['echo'] });
  try {
    h.io.on('connection', (s) => s.on('echo', (x: unknown, ack?: (v: unknown) => void) => ack?.(x)));
    h.io.of('/chat').on('connection', (s) => s.on('say', (x: unknown) => h.io.of('/chat').emit('said', x)));
    const official = officialClient(h.url, { transports: ['websocket'] });
    const ours = ourClient(`${h.url}/chat`, { transports: ['polling'], upgrade: false });
    await Promise.all([connected(official), connected(ours)]);
    await eventually(h, 'socketeer_sockets', { namespace: '/chat', transport: 'polling' }, (v) => v === 1);
    assert.equal(await value(h, 'socketeer_sockets', { namespace: '/', transport: 'websocket' }), 1);
    assert.equal(await value(h, 'socketeer_engine_connections', { transport: 'websocket' }), 1);
    assert.equal(await value(h, 'socketeer_engine_connections', { transport: 'polling' }), 1);

    assert.equal(await official.emitWithAck('echo', 'héllo'), 'héllo');
    official.emit('other', 1);
    official.emit('echo', new Uint8Array(1000));
    const said = new Promise((resolve) => ours.once('said', resolve));
    ours.emit('say', 'hi');
    assert.equal(await said, 'hi');

    await eventually(h, 'socketeer_messages_received_total', { namespace: '/' }, (v) => v === 3);
    await eventually(h, 'socketeer_received_bytes_total', { namespace: '/' }, (v) => v > 1000);
    assert.equal(await value(h, 'socketeer_events_received_total', { namespace: '/', event: 'echo' }), 2);
    assert.equal(await value(h, 'socketeer_events_received_total', { namespace: '/', event: '(other)' }), 1);
    assert.equal(await value(h, 'socketeer_messages_received_total', { namespace: '/chat' }), 1);
    assert.equal(await value(h, 'socketeer_messages_sent_total', { namespace: '/chat' }), 1);
    assert.ok((await value(h, 'socketeer_sent_bytes_total', { namespace: '/chat' })) >= '42/chat,["said","hi"]'.length);
    assert.equal(await value(h, 'socketeer_broadcast_duration_seconds_count', { namespace: '/chat' }), 1);

    // the server waits for the client's acknowledgement
    official.on('ping', (n: number, ack: (v: number) => void) => ack(n + 1));
    const [socket] = await h.io.fetchSockets();
    assert.equal(await (socket as unknown as { emitWithAck(ev: string, n: number): Promise<number> }).emitWithAck('ping', 1), 2);
    await eventually(h, 'socketeer_ack_round_trip_seconds_count', { namespace: '/' }, (v) => v === 1);
    assert.equal(await value(h, 'socketeer_ack_round_trip_seconds_bucket', { namespace: '/', le: '+Inf' }), 1);
    assert.equal(await value(h, 'socketeer_handshakes_accepted_total', { stage: 'engine' }), 2);
    assert.equal(await value(h, 'socketeer_handshakes_accepted_total', { stage: 'namespace' }), 2);

    official.close();
    ours.close();
    await eventually(h, 'socketeer_engine_disconnections_total', {}, (v) => v === 2);
    assert.equal(await value(h, 'socketeer_sockets'), 0);
    await promtoolCheck(await h.metrics.text());
  } finally {
    await h.close();
  }
});

test('handshakes refused by reason: origin, limits, unknown transport, middleware, invalid namespace', async () => {
  const h = await startWithMetrics({ allowedOrigins: ['http://good.example'], maxConnectionsPerAddress: 1 });
  try {
    h.io.of('/private').use((_socket, next) => next(new Error('not allowed')));
    assert.equal(await rawGet(h.port, '/socket.io/?EIO=4&transport=polling', { Origin: 'http://evil.example' }), 403);
    assert.equal(await rawGet(h.port, '/socket.io/?EIO=4&transport=nope', { Origin: 'http://good.example' }), 400);
    await eventually(h, 'socketeer_handshakes_refused_total', { stage: 'engine', reason: 'origin' }, (v) => v === 1);
    await eventually(h, 'socketeer_handshakes_refused_total', { stage: 'engine', reason: 'unknown_transport' }, (v) => v === 1);

    const first = officialClient(h.url, { transports: ['websocket'], extraHeaders: { Origin: 'http://good.example' } });
    await connected(first);
    const denied = first.io.socket('/private');
    const refusal = new Promise<Error>((resolve) => denied.once('connect_error', resolve));
    assert.equal((await refusal).message, 'not allowed');
    await eventually(h, 'socketeer_handshakes_refused_total', { stage: 'namespace', reason: 'middleware' }, (v) => v === 1);
    const nowhere = first.io.socket('/nowhere');
    const invalid = new Promise<Error>((resolve) => nowhere.once('connect_error', resolve));
    assert.equal((await invalid).message, 'Invalid namespace');
    await eventually(h, 'socketeer_handshakes_refused_total', { stage: 'namespace', reason: 'invalid_namespace' }, (v) => v === 1);

    // the connection of `first` is the one the address is allowed
    assert.equal(await rawGet(h.port, '/socket.io/?EIO=4&transport=polling', { Origin: 'http://good.example' }), 403);
    await eventually(h, 'socketeer_handshakes_refused_total', { stage: 'engine', reason: 'limits' }, (v) => v === 1);
    assert.equal(await value(h, 'socketeer_connection_limit_refusals_total'), 1);
    first.close();
    await promtoolCheck(await h.metrics.text());
  } finally {
    await h.close();
  }
});

test('upgrades, recoveries (recovered and failed) and size-limit hits', async () => {
  const h = await startWithMetrics({ connectionStateRecovery: {}, maxHttpBufferSize: 1000 });
  try {
    const client = officialClient(h.url, { reconnectionDelay: 50, reconnectionDelayMax: 100 });
    await connected(client);
    await waitFor('the upgrade', () => client.io.engine.transport.name === 'websocket');
    await eventually(h, 'socketeer_upgrades_total', { from: 'polling', to: 'websocket' }, (v) => v === 1);

    // a recoverable cut: the client comes back with its session id and the offset of the last event it received
    const news = new Promise((resolve) => client.once('news', resolve));
    h.io.emit('news', 1);
    await news;
    const [socket] = await h.io.fetchSockets();
    (socket as unknown as { conn: { close(): void } }).conn.close();
    await waitFor('the recovered reconnection', () => client.connected && client.recovered === true);
    await eventually(h, 'socketeer_recoveries_total', { namespace: '/', outcome: 'recovered' }, (v) => v === 1);

    // a session the server does not have
    const stale = ourClient(h.url, { transports: ['websocket'], auth: { pid: 'unknown-session', offset: '0-0' } });
    await connected(stale);
    await eventually(h, 'socketeer_recoveries_total', { namespace: '/', outcome: 'failed' }, (v) => v === 1);

    // over maxHttpBufferSize: a WebSocket message, then a polling POST body
    const cut = new Promise((resolve) => stale.once('disconnect', resolve));
    stale.emit('big', 'x'.repeat(5000));
    await cut;
    await eventually(h, 'socketeer_size_limit_hits_total', { transport: 'websocket' }, (v) => v === 1);
    const poller = officialClient(h.url, { transports: ['polling'], reconnection: false });
    await connected(poller);
    const sid = poller.io.engine.id;
    assert.equal(await rawPost(h.port, `/socket.io/?EIO=4&transport=polling&sid=${sid}`, '4' + 'y'.repeat(5000)), 413);
    await eventually(h, 'socketeer_size_limit_hits_total', { transport: 'polling' }, (v) => v === 1);
    for (const c of [client, stale, poller] as OfficialSocket[]) c.close();
    await promtoolCheck(await h.metrics.text());
  } finally {
    await h.close();
  }
});

test('credentials and rate limits of socketeer/auth', async () => {
  const h = await startWithMetrics();
  try {
    const auth = authenticate(h.io, {
      verify: ({ token }) => {
        if (token === 'short') return { data: {}, expiresAt: Date.now() + 300 };
        if (token === 'ok') return { data: {}, expiresAt: Date.now() + 60_000 };
        if (token === 'renewable') return { data: {}, expiresAt: Date.now() + 1500 };
        throw new Error('bad token');
      },
      refreshBefore: 1000,
      refreshTimeout: 1000,
    });
    const limiter = rateLimit({ points: 2, duration: 60_000, tolerance: Infinity });
    h.io.use(limiter);
    h.metrics.close();
    const { createMetrics } = await import('../../src/metrics/index.js');
    const metrics = createMetrics(h.io, { authenticators: [auth], rateLimiters: [limiter] });
    h.metrics = metrics;

    const refused = officialClient(h.url, { transports: ['websocket'], auth: { token: 'nope' }, reconnection: false });
    await new Promise((resolve) => refused.once('connect_error', resolve));
    const good = officialClient(h.url, { transports: ['websocket'], auth: { token: 'ok' } });
    await connected(good);
    for (let i = 0; i < 5; i++) good.emit('spam', i);
    const short = officialClient(h.url, { transports: ['websocket'], auth: { token: 'short' }, reconnection: false });
    await connected(short);
    // ours refreshes in place (the server asks 1 s before expiry; the auth function gives a fresh token)
    const renewing = enableCredentialsRefresh(ourClient(h.url, { transports: ['websocket'], reconnection: false, auth: (cb: (d: object) => void) => cb({ token: 'renewable' }) }));
    await connected(renewing);
    await eventually(h, 'socketeer_credentials_expiries_total', { namespace: '/' }, (v) => v === 1);
    await eventually(h, 'socketeer_credentials_refreshes_total', { namespace: '/', outcome: 'accepted' }, (v) => v >= 1);
    assert.equal(renewing.connected, true);
    await eventually(h, 'socketeer_rate_limited_events_total', {}, (v) => v === 3);
    assert.equal(await value(h, 'socketeer_credentials_verifications_total', { namespace: '/', outcome: 'refused' }), 1);
    assert.equal(await value(h, 'socketeer_credentials_verifications_total', { namespace: '/', outcome: 'accepted' }), 3);
    assert.equal(await value(h, 'socketeer_handshakes_refused_total', { stage: 'namespace', reason: 'middleware' }), 1);
    for (const c of [refused, good, short]) c.close();
    renewing.close();
    await promtoolCheck(await h.metrics.text());
  } finally {
    await h.close();
  }
});

test('mounted on the server port and served on a port of its own; close() detaches', async () => {
  const h = await startWithMetrics();
  try {
    h.metrics.mount('/metrics');
    const { port } = await h.metrics.serve({ port: 0, host: '127.0.0.1' });
    const mounted = await fetch(`${h.url}/metrics`);
    assert.equal(mounted.status, 200);
    assert.match(mounted.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await mounted.text();
    const { types } = parseExposition(text);
    assert.equal(types.get('socketeer_ack_round_trip_seconds'), 'histogram');
    assert.equal(types.get('process_cpu_seconds_total'), 'counter');
    assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
    // the engine still answers its own path
    assert.equal(await rawGet(h.port, '/socket.io/?EIO=4&transport=polling'), 200);
    assert.notEqual(h.io.probes.current, undefined);
    assert.throws(() => h.metrics.register.counter('socketeer_upgrades_total', 'x'), /already registered/);
    h.metrics.close();
    assert.equal(h.io.probes.current, undefined);
    assert.equal(h.metrics.register.has('socketeer_upgrades_total'), false);
  } finally {
    await h.close();
  }
});
