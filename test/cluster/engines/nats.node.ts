// The NATS engine in an engine-suite node: our adapter on a `nats` connection to the suite's private nats-server
// (JetStream on; the suite turns connection state recovery on, which turns the stream and the KV bucket on).
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { connect } from 'nats';

export async function createNodeAdapter(kind: 'ours' | 'official', bus: Record<string, unknown>): Promise<{ adapter: unknown; close(): Promise<void> }> {
  if (kind === 'official') throw new Error('there is no official socket.io NATS adapter');
  const nc = await connect({
    servers: `nats://127.0.0.1:${Number(bus.port)}`, maxReconnectAttempts: -1, reconnectTimeWait: 100, pingInterval: 2000,
  });
  const src = pathToFileURL(resolve(import.meta.dirname, '../../../src/server/adapters/nats/index.ts')).href;
  const { createAdapter } = await import(src);
  return {
    adapter: createAdapter(nc, { heartbeatInterval: 1000, heartbeatTimeout: 3000 }),
    close: () => nc.drain(),
  };
}
