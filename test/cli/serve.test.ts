/**
 * `socketeer serve`: the local test server started as a child process on a free port — `--echo` sends each event
 * back and acknowledges it, for the CLI's own client and for the official socket.io client; connections, events
 * and disconnects printed; `--cors` answers a browser's preflight.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { io as officialIo } from 'socket.io-client';
import { records, runCli, startCli, type RunningCli } from './helpers.js';

describe('socketeer serve --echo', () => {
  let serve: RunningCli;
  let url: string;
  before(async () => {
    serve = startCli(['serve', '--echo', '--port', '0', '--host', '127.0.0.1', '--cors']);
    url = (await serve.waitFor(/listening +url=(http:\/\/127\.0\.0\.1:\d+)/, 90_000))[1]!;
  });
  after(() => serve.stop());

  it('echoes and acknowledges the events of `socketeer connect`, on any namespace', async () => {
    const res = await runCli(['connect', url + '/room-1', '--token', 'me', '--emit', 'ping', '["a",{"b":2}]', '--ack', '--exit-on', 'event:ping', '--json']);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const recs = records(res.stdout);
    assert.deepEqual(recs.find((r) => r['type'] === 'ack')?.['args'], ['a', { b: 2 }]);
    assert.deepEqual(recs.find((r) => r['type'] === 'event')?.['args'], ['a', { b: 2 }]);
    await serve.waitFor(/connection +\[\S+ \/room-1\] transport=polling auth=\{"token":"me"\}/);
    await serve.waitFor(/event +\[\S+ \/room-1\] ping "a" \{"b":2\} \(ack requested\)/);
    await serve.waitFor(/disconnect +\[\S+ \/room-1\] client namespace disconnect/);
  });

  it('works for the official socket.io client', async () => {
    const socket = officialIo(url, { forceNew: true, reconnection: false, transports: ['websocket'] });
    try {
      const echoed = new Promise<unknown[]>((resolve) => socket.on('hello', (...args: unknown[]) => resolve(args)));
      const ack = await socket.timeout(60_000).emitWithAck('hello', 'world', 3);
      assert.equal(ack, 'world'); // emitWithAck resolves with the first argument
      assert.deepEqual(await echoed, ['world', 3]);
    } finally {
      socket.close();
    }
  });

  it('--cors: the handshake answers a cross-origin request', async () => {
    const res = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'http://example.test' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://example.test');
    assert.match(await res.text(), /^0\{"sid"/);
  });
});
