/**
 * Target `socketeer`: our server with default options, running the shared application.
 * In the cross-node scenario (`BENCH_ENGINE` and the bus address set by the runner), it uses the engine's
 * `createAdapter` (see `cluster-adapters.ts`).
 * (When the server module cannot be compiled or loaded, the runner reports this target unavailable.)
 */
import { Server } from '../../src/server/index.js';
import { serveTarget } from './harness.js';
import { installApp, type AppServer } from './io-app.js';
import { clusterAdapterFromEnv } from './cluster-adapters.js';

void serveTarget(async (http) => {
  const cluster = await clusterAdapterFromEnv('socketeer');
  const io = new Server(http, cluster ? { adapter: cluster.adapter as never } : {}) as unknown as AppServer;
  installApp(io);
  await cluster?.ready();
  return {
    broadcastAll: (payload) => io.emit('tick', payload),
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        io.close(() => {
          clearTimeout(timer);
          resolve();
        });
      }).finally(() => cluster?.close()),
  };
});
