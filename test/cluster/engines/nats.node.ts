// The NATS engine in an engine-suite node: our adapter on a `nats` connection to the suite's private nats-server
// (JetStream on; the suite turns connection state recovery on, which turns the stream and the KV bucket on).
// There is no official socket.io NATS adapter: `kind: 'official'` runs socket.io with socket.io-adapter's own
// cluster adapter (`ClusterAdapterWithHeartbeat`) carried by the same subjects, so the mixed suite checks that our
// nodes and socket.io's cluster logic understand each other on NATS, operation by operation.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { ClusterAdapterWithHeartbeat, type ClusterMessage, type ClusterResponse } from 'socket.io-adapter';

const src = (rel: string): string => pathToFileURL(resolve(import.meta.dirname, '../../../src/server/adapters', rel)).href;

/** socket.io's cluster adapter on our NATS bus (test peer). */
async function socketIoClusterAdapter(nc: NatsConnection): Promise<unknown> {
  const { NatsBus, NatsSessionStore, streamName, isEphemeral } = await import(src('nats/index.ts'));
  return class SocketIoNatsAdapter extends ClusterAdapterWithHeartbeat {
    private readonly bus: any;
    private readonly store: any;
    private readonly ttl: number;

    constructor(nsp: any) {
      super(nsp, { heartbeatInterval: 1000, heartbeatTimeout: 3000 });
      const csr = nsp.server._opts?.connectionStateRecovery;
      this.ttl = csr?.maxDisconnectionDuration ?? 0;
      this.bus = new NatsBus(nc, { prefix: 'socket.io', nsp: nsp.name, uid: this.uid, jetstream: csr ? {} : null });
      this.store = csr
        ? new NatsSessionStore(nc, { stream: streamName('socket.io'), subject: NatsBus.subjectOf('socket.io', nsp.name), ttl: this.ttl })
        : null;
      this.bus.start({
        message: (m: ClusterMessage, offset?: string) => this.onMessage(m, offset),
        response: (r: ClusterResponse) => this.onResponse(r),
      });
    }

    protected doPublish(message: ClusterMessage): Promise<string> {
      return this.bus.publish(message, isEphemeral(message)).then((offset: string | undefined) => offset ?? '');
    }

    protected doPublishResponse(uid: string, response: ClusterResponse): Promise<void> {
      return this.bus.publishResponse(uid, response);
    }

    override persistSession(session: any): void {
      this.store?.persist(session, this.ttl).catch(() => {});
    }

    override restoreSession(pid: string, offset: string): Promise<any> {
      return this.store ? this.store.restore(pid, offset).catch(() => null) : Promise.resolve(null);
    }

    override close(): void {
      super.close();
      this.bus.close();
    }
  };
}

export async function createNodeAdapter(kind: 'ours' | 'official', bus: Record<string, unknown>): Promise<{ adapter: unknown; close(): Promise<void> }> {
  const nc = await connect({
    servers: `nats://127.0.0.1:${Number(bus.port)}`, maxReconnectAttempts: -1, reconnectTimeWait: 100, pingInterval: 2000,
  });
  if (kind === 'official') return { adapter: await socketIoClusterAdapter(nc), close: () => nc.drain() };
  const { createAdapter } = await import(src('nats/index.ts'));
  return {
    adapter: createAdapter(nc, { heartbeatInterval: 1000, heartbeatTimeout: 3000, pollingForwarding: !!bus.pollingForwarding }),
    close: () => nc.drain(),
  };
}
