/**
 * `socketeer/nats`: run several Socketeer servers on NATS, sharing rooms, broadcasts, requests and (with
 * JetStream) connection state recovery. There is no official socket.io NATS adapter to interoperate with; the
 * messages are those of `socket.io-adapter`'s cluster adapter.
 *
 * ```ts
 * import { connect } from 'nats';
 * import { createAdapter } from 'socketeer/nats';
 * const io = new Server(httpServer, { adapter: createAdapter(await connect({ servers: 'nats://nats:4222' })) });
 * ```
 *
 * The entry point only re-exports; it must never import the server classes nor a runtime value of `nats`.
 */
export { createAdapter, NatsAdapter, type NatsAdapterOptions } from './adapter.js';
export {
  NatsBus, subjectToken, streamName, type NatsBusOptions, type NatsJetStreamOptions, type BusMessage, type BusHandlers,
} from './bus.js';
export { HeldPublisher, type HeldPublisherOptions } from './publisher.js';
export { NatsSessionStore, type NatsSessionStoreOptions } from './session-store.js';
export { Emitter, EmitterBroadcast, type EmitterOptions, type EmitterFlags } from './emitter.js';
export type { ClusterAdapterOptions } from '../cluster/cluster-adapter.js';
export type { ClusterSessionStore } from '../cluster/session-store.js';
export { isEphemeral } from '../cluster/messages.js';
