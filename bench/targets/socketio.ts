/**
 * Target `socket.io`: the official Socket.IO 4 server with default options, running the shared application.
 * With `BENCH_REDIS_URL` (cross-node scenario), it uses `@socket.io/redis-adapter`.
 */
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { serveTarget } from './harness.js';
import { installApp, type AppServer } from './io-app.js';
import { redisFromEnv } from './redis-clients.js';

void serveTarget(async (http) => {
  const redis = redisFromEnv();
  const io = new Server(http, redis ? { adapter: createAdapter(redis.pub, redis.sub) } : {});
  installApp(io as unknown as AppServer);
  await redis?.subscribed();
  return { close: () => new Promise<void>((resolve) => io.close(() => resolve())).finally(() => redis?.close()) };
});
