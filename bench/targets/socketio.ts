/**
 * Target `socket.io`: the official Socket.IO 4 server with default options, running the shared application.
 * In the cross-node scenario (`BENCH_ENGINE` and the bus address set by the runner), it uses the official adapter
 * of the engine (`@socket.io/redis-adapter`, `@socket.io/redis-streams-adapter`, `@socket.io/postgres-adapter`;
 * see `cluster-adapters.ts`).
 */
import { Server } from 'socket.io';
import { serveTarget } from './harness.js';
import { installApp, type AppServer } from './io-app.js';
import { clusterAdapterFromEnv } from './cluster-adapters.js';

void serveTarget(async (http) => {
  const cluster = await clusterAdapterFromEnv('socket.io');
  const io = new Server(http, cluster ? { adapter: cluster.adapter as never } : {});
  installApp(io as unknown as AppServer);
  await cluster?.ready();
  return {
    broadcastAll: (payload) => io.emit('tick', payload),
    close: () => new Promise<void>((resolve) => io.close(() => resolve())).finally(() => cluster?.close()),
  };
});
