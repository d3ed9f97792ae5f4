/**
 * The Redis connections of a target in the cross-node scenario (`BENCH_REDIS_URL` set by the runner):
 * an ioredis publisher and subscriber for the target's Redis adapter.
 */
import { Redis } from 'ioredis';

/** Publisher and subscriber connections. */
export interface RedisPair {
  pub: Redis;
  sub: Redis;
  /** Resolves once the adapter's subscriptions (sent before) are in place. */
  subscribed(): Promise<void>;
  close(): void;
}

/** @returns the pair for `BENCH_REDIS_URL`, or null when the target runs alone */
export function redisFromEnv(): RedisPair | null {
  const url = process.env.BENCH_REDIS_URL;
  if (!url) return null;
  const pub = new Redis(url);
  const sub = new Redis(url);
  return {
    pub,
    sub,
    // commands on one connection are answered in order: once this PING is answered, the (P)SUBSCRIBE
    // commands the adapter issued earlier on the same connection are too
    subscribed: async () => {
      await sub.ping();
      await pub.ping();
    },
    close: () => {
      pub.disconnect();
      sub.disconnect();
    },
  };
}
