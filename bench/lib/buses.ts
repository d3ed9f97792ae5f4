/**
 * The message buses of the cross-node scenario, one per engine, private to the run: a `redis-server` and a
 * `nats-server` (JetStream on, store in a temp directory) each on a free loopback port, and a PostgreSQL
 * database created on the machine's service (127.0.0.1:5432, user postgres, trust auth) and dropped at the end.
 * Also says which bus and adapter each target uses per engine (the environment a server target reads, see
 * `targets/cluster-adapters.ts`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accepts, freePort, startRedis, type BenchRedis } from './redis.js';

/** Engines of the cross-node scenario (`--engine`); `redis` is the default and the historical run. */
export const ENGINES = ['redis', 'redis-streams', 'postgres', 'nats'] as const;
export type Engine = (typeof ENGINES)[number];

/** The machine's PostgreSQL service the run creates its database on. */
export const PG_SERVICE = { host: '127.0.0.1', port: 5432, user: 'postgres' } as const;

/** What socket.io runs against each of our engines (the table says it). */
export const OFFICIAL_PEER: Record<Engine, string> = {
  redis: '@socket.io/redis-adapter (Redis pub/sub)',
  'redis-streams': '@socket.io/redis-streams-adapter',
  postgres: '@socket.io/postgres-adapter',
  nats: 'no official NATS adapter: @socket.io/redis-adapter on Redis',
};

/** The results key of the cross-node scenario for an engine (`cross-node` for Redis, as before). */
export function crossNodeKey(engine: Engine): string {
  return engine === 'redis' ? 'cross-node' : `cross-node on ${engine}`;
}

/** A running bus. */
interface Bus {
  /** environment variables a server target needs to reach it */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** The buses of a run. */
export interface BenchBuses {
  /** Environment of a target's server processes for an engine; throws when that engine's bus did not start. */
  env(engine: Engine, target: 'socketeer' | 'socket.io'): Record<string, string>;
  /** Why an engine's bus is missing, or null when it runs. */
  missing(engine: Engine): string | null;
  stop(): Promise<void>;
}

/** Starts `nats-server -js` on a free port with a temp store directory. */
export async function startNats(): Promise<Bus> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'socketeer-bench-nats-'));
  const child: ChildProcess = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
  let failure: Error | null = null;
  child.once('error', (err) => (failure = err));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10000;
  while (!(await accepts(port))) {
    if (failure || child.exitCode !== null || Date.now() > deadline) {
      await stop().catch(() => {});
      throw new Error(`nats-server did not start${failure ? `: ${(failure as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { env: { BENCH_NATS_URL: `nats://127.0.0.1:${port}` }, stop };
}

/** Creates a private database `socketeer_bench_<random>` on the local PostgreSQL service; `stop()` drops it. */
export async function startPostgres(): Promise<Bus> {
  const { default: pg } = await import('pg');
  const database = `socketeer_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ ...PG_SERVICE, database: 'postgres', connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${database}`);
  // the attachments table, as @socket.io/postgres-adapter's README has its users create it
  const db = new pg.Client({ ...PG_SERVICE, database });
  await db.connect();
  try {
    await db.query('CREATE TABLE IF NOT EXISTS socket_io_attachments (id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea)');
  } finally {
    await db.end();
  }
  return {
    env: { BENCH_PG_HOST: PG_SERVICE.host, BENCH_PG_PORT: String(PG_SERVICE.port), BENCH_PG_USER: PG_SERVICE.user, BENCH_PG_DATABASE: database },
    stop: () => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
  };
}

/**
 * Starts the buses the engines need: Redis for `redis`, `redis-streams` and for socket.io's side of `nats`;
 * nats-server for `nats`; a database for `postgres`. A bus that fails to start makes its engines unavailable.
 * @param engines engines of the run
 * @param log progress lines
 */
export async function startBuses(engines: readonly Engine[], log: (line: string) => void): Promise<BenchBuses> {
  const errors = new Map<string, string>();
  let redis: BenchRedis | null = null;
  let nats: Bus | null = null;
  let postgres: Bus | null = null;
  const attempt = async <T>(name: string, start: () => Promise<T>): Promise<T | null> => {
    try {
      return await start();
    } catch (err) {
      errors.set(name, `${name}: ${(err as Error).message}`);
      log(`cross-node: ${name} unavailable: ${(err as Error).message}`);
      return null;
    }
  };
  redis = await attempt('redis-server', startRedis);
  if (redis) log(`cross-node: redis-server at ${redis.url}`);
  if (engines.includes('nats')) {
    nats = await attempt('nats-server', startNats);
    if (nats) log(`cross-node: nats-server at ${nats.env.BENCH_NATS_URL}`);
  }
  if (engines.includes('postgres')) {
    postgres = await attempt('postgres', startPostgres);
    if (postgres) log(`cross-node: PostgreSQL database ${postgres.env.BENCH_PG_DATABASE} on ${PG_SERVICE.host}:${PG_SERVICE.port}`);
  }
  const needs = (engine: Engine): string[] =>
    engine === 'postgres' ? ['postgres'] : engine === 'nats' ? ['nats-server', 'redis-server'] : ['redis-server'];
  const missing = (engine: Engine): string | null => needs(engine).map((n) => errors.get(n)).filter(Boolean).join('; ') || null;
  return {
    missing,
    env: (engine, target) => {
      const why = missing(engine);
      if (why) throw new Error(why);
      const redisEnv = { BENCH_REDIS_URL: redis!.url };
      if (engine === 'postgres') return { BENCH_ENGINE: engine, ...postgres!.env };
      if (engine === 'nats') return target === 'socketeer' ? { BENCH_ENGINE: engine, ...nats!.env } : { BENCH_ENGINE: 'redis', ...redisEnv };
      return { BENCH_ENGINE: engine, ...redisEnv };
    },
    stop: async () => {
      await Promise.allSettled([redis?.stop(), nats?.stop(), postgres?.stop()]);
    },
  };
}
