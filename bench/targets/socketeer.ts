/**
 * Target `socketeer`: our server with default options, running the shared application.
 * With `BENCH_REDIS_URL` (cross-node scenario), it uses the Redis adapter (`createAdapter`).
 * (When the server module cannot be compiled or loaded, the runner reports this target unavailable.)
 */
import { Server } from '../../src/server/index.js';
import { createAdapter } from '../../src/server/adapters/redis/index.js';
import { serveTarget } from './harness.js';
import { installApp, type AppServer } from './io-app.js';
import { redisFromEnv } from './redis-clients.js';

void serveTarget(async (http) => {
  const redis = redisFromEnv();
  const io = new Server(http, redis ? { adapter: createAdapter(redis.pub, redis.sub) } : {}) as unknown as AppServer;
  installApp(io);
  await redis?.subscribed();
  return {
    close: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        io.close(() => {
          clearTimeout(timer);
          resolve();
        });
      }).finally(() => redis?.close()),
  };
});
