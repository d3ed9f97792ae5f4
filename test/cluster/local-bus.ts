// An in-process bus for the cluster core's unit tests: messages to every node, answers to one node, delivered
// on a later turn as a network would; every message and answer published is kept in `seen`.
import { EventEmitter } from 'node:events';
import type { AdapterNamespace } from '../../src/server/adapter-types.js';
import { ClusterAdapter, type ClusterAdapterOptions } from '../../src/server/adapters/cluster/cluster-adapter.js';
import type { ClusterMessage, ClusterResponse } from '../../src/server/adapters/cluster/messages.js';

/** The bus: an EventEmitter of this process. */
export class LocalBus extends EventEmitter {
  readonly seen: Array<ClusterMessage | ClusterResponse> = [];
}

/** The cluster core on a {@link LocalBus}. */
export class LocalBusAdapter extends ClusterAdapter {
  private readonly onBus = (m: ClusterMessage): void => this.onMessage(structuredClone(m));
  private readonly onAnswer = (m: ClusterResponse): void => this.onResponse(structuredClone(m));

  constructor(nsp: AdapterNamespace, private readonly bus: LocalBus, opts: ClusterAdapterOptions) {
    super(nsp, opts);
  }

  override init(): void {
    this.bus.on('message', this.onBus);
    this.bus.on(`answer:${this.uid}`, this.onAnswer);
    super.init();
  }

  protected doPublish(message: ClusterMessage): Promise<void> {
    const copy = structuredClone(message);
    this.bus.seen.push(copy);
    setImmediate(() => this.bus.emit('message', copy));
    return Promise.resolve();
  }

  protected doPublishResponse(to: string, response: ClusterResponse): Promise<void> {
    const copy = structuredClone(response);
    this.bus.seen.push(copy);
    setImmediate(() => this.bus.emit(`answer:${to}`, copy));
    return Promise.resolve();
  }

  override async close(): Promise<void> {
    await super.close();
    this.bus.off('message', this.onBus);
    this.bus.off(`answer:${this.uid}`, this.onAnswer);
  }
}
