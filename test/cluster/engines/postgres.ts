// PostgreSQL for the cluster suites: a private database on the machine's service (127.0.0.1:5432, user postgres,
// trust auth), created per suite and dropped after; a private server (initdb/pg_ctl in a temp dir, on a free
// port) that a test may stop and start again; and the engine suite's fixture.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort } from '../redis.js';
import type { BusServer, EngineFixture } from './suite.js';

/** How to reach a database. */
export interface PgTarget {
  host: string;
  port: number;
  user: string;
  database: string;
}

/** The machine's PostgreSQL service. */
export const LOCAL_SERVICE = { host: '127.0.0.1', port: 5432, user: 'postgres' } as const;

/** The attachments table, as the official adapter's README creates it. */
export const ATTACHMENTS_DDL = `CREATE TABLE IF NOT EXISTS socket_io_attachments (
  id bigserial UNIQUE, created_at timestamptz DEFAULT NOW(), payload bytea)`;

/** A private database: `socketeer_test_<random>`. */
export class TestDatabase {
  private constructor(readonly target: PgTarget) {}

  /**
   * Creates the database (on the local service unless another server is given).
   * @param server host/port/user of the server
   * @param withTable create the attachments table too
   */
  static async create(server: Omit<PgTarget, 'database'> = LOCAL_SERVICE, withTable = true): Promise<TestDatabase> {
    const database = `socketeer_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ ...server, database: 'postgres' });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${database}`);
    } finally {
      await admin.end();
    }
    const db = new TestDatabase({ ...server, database });
    if (withTable) {
      const pool = db.pool();
      await pool.query(ATTACHMENTS_DDL);
      await pool.end();
    }
    return db;
  }

  /** A new pool on the database (the caller ends it). */
  pool(max = 10): pg.Pool {
    const pool = new pg.Pool({ ...this.target, max });
    pool.on('error', () => { /* a pooled client lost its connection: the pool replaces it */ });
    return pool;
  }

  /** Drops the database, closing whatever is still connected to it. */
  async drop(): Promise<void> {
    const admin = new pg.Client({ ...this.target, database: 'postgres' });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${this.target.database} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
}

/** The directory of the PostgreSQL programs (initdb, pg_ctl), or null when the machine has none. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  for (const version of readdirSync(root).sort().reverse()) {
    const bin = join(root, version, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  return null;
}

function run(file: string, args: string[]): Promise<string> {
  // PostgreSQL refuses to run as root: run its programs as the postgres system user then
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A private PostgreSQL server on a free port, in a temp dir (trust auth, user postgres). */
export class PrivatePostgres {
  private running = false;

  private constructor(readonly bin: string, readonly dir: string, readonly port: number) {}

  /** Initialises and starts a server; null when the machine has no initdb. */
  static async start(): Promise<PrivatePostgres | null> {
    const bin = postgresBinDir();
    if (!bin) return null;
    const dir = mkdtempSync(join(tmpdir(), 'socketeer-pg-'));
    if (process.getuid?.() === 0) {
      const { execFileSync } = await import('node:child_process');
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      chownSync(dir, uid, gid);
    }
    await run(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    const server = new PrivatePostgres(bin, dir, await freePort());
    await server.startServer();
    return server;
  }

  /** host/port/user of the server. */
  get server(): Omit<PgTarget, 'database'> {
    return { host: '127.0.0.1', port: this.port, user: 'postgres' };
  }

  /** Starts the server again (same port, same data). */
  async startServer(): Promise<void> {
    await run(join(this.bin, 'pg_ctl'), ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-w', '-t', '60', '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`, 'start']);
    this.running = true;
  }

  /** Stops the server at once (`-m immediate`: connections drop as on a crash). */
  async stopServer(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await run(join(this.bin, 'pg_ctl'), ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
  }

  /** Stops the server and removes its files. */
  async destroy(): Promise<void> {
    await this.stopServer().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Waits for a condition, polling.
 * @param check returns true when done
 * @param timeout give up after this many ms
 * @param what described in the error
 */
export async function waitFor(check: () => boolean | Promise<boolean>, timeout = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The engine suite's fixture: a private PostgreSQL server (so that the suite can kill and restart it) with a
 * private database and the attachments table; without initdb on the machine, a private database on the local
 * service, "killed" by terminating its backends.
 */
export const postgresFixture: EngineFixture = {
  name: 'postgres',
  nodeModule: resolve(import.meta.dirname, 'postgres.node.ts'),
  official: true,
  recovery: false,
  async startBus(): Promise<BusServer> {
    const server = await PrivatePostgres.start();
    const db = await TestDatabase.create(server?.server ?? LOCAL_SERVICE);
    const terminate = async (): Promise<void> => {
      const admin = new pg.Client({ ...db.target, database: 'postgres' });
      await admin.connect();
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db.target.database]);
      await admin.end();
    };
    return {
      info: { ...db.target },
      kill: () => (server ? server.stopServer() : terminate()),
      restart: () => (server ? server.startServer() : Promise.resolve()),
      stop: async () => {
        if (server) await server.destroy();
        else await db.drop();
      },
    };
  },
};
