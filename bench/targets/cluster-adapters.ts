/**
 * The adapter of a server target in the cross-node scenario, per engine (`BENCH_ENGINE`, set by the runner with
 * the bus address, see `lib/buses.ts`): Socketeer's `createAdapter` of `socketeer/redis`, `socketeer/redis-streams`,
 * `socketeer/postgres` or `socketeer/nats`, or socket.io's official adapter for the same bus. The drivers are
 * created here the way users create them and loaded only for the engine asked for.
 */
import { redisFromEnv } from './redis-clients.js';

/** Which side of the comparison a target is. */
export type Side = 'socketeer' | 'socket.io';

/** An adapter factory for `new Server(http, { adapter })`, with its bus connections. */
export interface ClusterAdapter {
  adapter: unknown;
  /** Resolves once the adapter listens to the bus (the nodes must not miss the first broadcasts). */
  ready(): Promise<void>;
  close(): Promise<void> | void;
}

const settle = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** @returns the adapter for the engine in the environment, or null when the target runs alone */
export async function clusterAdapterFromEnv(side: Side): Promise<ClusterAdapter | null> {
  const engine = process.env.BENCH_ENGINE ?? (process.env.BENCH_REDIS_URL ? 'redis' : '');
  switch (engine) {
    case '':
      return null;
    case 'redis': {
      const redis = redisFromEnv()!;
      const { createAdapter } = side === 'socketeer' ? await import('../../src/server/adapters/redis/index.js') : await import('@socket.io/redis-adapter');
      return { adapter: createAdapter(redis.pub, redis.sub), ready: () => redis.subscribed(), close: () => redis.close() };
    }
    case 'redis-streams': {
      const { Redis } = await import('ioredis');
      const client = new Redis(process.env.BENCH_REDIS_URL!);
      const { createAdapter } = side === 'socketeer' ? await import('../../src/server/adapters/redis-streams/index.js') : await import('@socket.io/redis-streams-adapter');
      return {
        adapter: createAdapter(client),
        // the first XREAD (from the stream's end) goes out once the client is connected
        ready: async () => {
          await client.ping();
          await settle(500);
        },
        close: () => client.disconnect(),
      };
    }
    case 'postgres': {
      const { default: pg } = await import('pg');
      const env = process.env;
      // @socket.io/postgres-adapter sends each message with its own pool.query(): with more than one pooled
      // connection for the queries its messages overtake each other, and the in-order check fails. Two
      // connections (one held for LISTEN) keep its order; Socketeer gets the same pool.
      const pool = new pg.Pool({ host: env.BENCH_PG_HOST, port: Number(env.BENCH_PG_PORT), user: env.BENCH_PG_USER, database: env.BENCH_PG_DATABASE, max: 2 });
      pool.on('error', () => {});
      const { createAdapter } = side === 'socketeer' ? await import('../../src/server/adapters/postgres/index.js') : await import('@socket.io/postgres-adapter');
      return {
        adapter: createAdapter(pool),
        // LISTEN is issued asynchronously once the namespace's adapter exists
        ready: () => settle(1000),
        close: () => pool.end(),
      };
    }
    case 'nats': {
      if (side !== 'socketeer') throw new Error('socket.io has no NATS adapter (the runner compares with Redis)');
      const { connect } = await import('nats');
      const nc = await connect({ servers: process.env.BENCH_NATS_URL! });
      const { createAdapter } = await import('../../src/server/adapters/nats/index.js');
      return {
        adapter: createAdapter(nc),
        // once the server answered a PING, it has the subscriptions sent before it
        ready: async () => {
          await settle(100);
          await nc.flush();
        },
        close: () => nc.drain(),
      };
    }
    default:
      throw new Error(`unknown engine ${engine}`);
  }
}
