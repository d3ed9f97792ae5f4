/**
 * Child process of the isolation suite: a server whose listener or middleware fails once, with or without
 * `crashOnError`. Exits 7 on an uncaught exception, 8 on an unhandled rejection, 0 when the client was still
 * served after the failure.
 *
 * Usage: tsx isolation-crash.fixture.ts <listener|async-listener|middleware> <crash|no-crash>
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { io as ioc } from 'socket.io-client';
import { Server } from '../../src/server/index.js';

const [mode, crash] = process.argv.slice(2);

process.on('uncaughtException', (err) => {
  console.log(`uncaughtException: ${err.message}`);
  process.exit(7);
});
process.on('unhandledRejection', (err) => {
  console.log(`unhandledRejection: ${(err as Error).message}`);
  process.exit(8);
});

const http = createServer();
const io = new Server(http, { crashOnError: crash === 'crash' });
let failed = false;
io.use((_socket, next) => {
  if (mode === 'middleware' && !failed) {
    failed = true;
    throw new Error('fixture failure');
  }
  next();
});
io.on('connection', (socket) => {
  socket.on('echo', (x: unknown, cb: (x: unknown) => void) => cb(x));
  socket.on('boom', mode === 'async-listener'
    ? async () => {
        throw new Error('fixture failure');
      }
    : () => {
        throw new Error('fixture failure');
      });
});
http.listen(0, '127.0.0.1');
await once(http, 'listening');
const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

const client = ioc(url, { forceNew: true, reconnection: false });
if (mode === 'middleware') {
  await new Promise((r) => client.once('connect_error', r));
  client.connect();
}
await new Promise<void>((r) => client.once('connect', () => r()));
client.emit('boom');
const answer = await client.timeout(60000).emitWithAck('echo', 'served after the failure');
console.log(answer);
client.disconnect();
await io.close();
process.exit(0);
