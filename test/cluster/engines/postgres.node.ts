// The PostgreSQL engine in an engine-suite node: our adapter, or @socket.io/postgres-adapter, on a pg.Pool of the
// suite's private database.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import pg from 'pg';

export async function createNodeAdapter(kind: 'ours' | 'official', bus: Record<string, unknown>): Promise<{ adapter: unknown; close(): Promise<void> }> {
  // The official adapter sends each message with pool.query() as soon as it is emitted, so with several pooled
  // connections its messages reach PostgreSQL, hence the other nodes, in any order. Two connections (one held for
  // LISTEN, one for the queries) put them in order, which the suite expects of every node.
  const max = kind === 'official' ? 2 : 10;
  const pool = new pg.Pool({ host: String(bus.host), port: Number(bus.port), user: String(bus.user), database: String(bus.database), max });
  // an idle client whose connection drops (PostgreSQL restarted): the pool replaces it
  pool.on('error', () => {});
  const opts = { heartbeatInterval: 1000, heartbeatTimeout: 3000, errorHandler: () => {} };
  if (kind === 'official') {
    const { createAdapter } = await import('@socket.io/postgres-adapter');
    return { adapter: createAdapter(pool, opts), close: () => pool.end() };
  }
  const src = pathToFileURL(resolve(import.meta.dirname, '../../../src/server/adapters/postgres/index.ts')).href;
  const { createAdapter } = await import(src);
  return { adapter: createAdapter(pool, { ...opts, pollingForwarding: !!bus.pollingForwarding }), close: () => pool.end() };
}
