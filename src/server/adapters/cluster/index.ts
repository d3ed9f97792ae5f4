/**
 * The bus-agnostic cluster core, for engines (`socketeer/redis-streams`, …) and for anyone writing one: the
 * {@link ClusterAdapter} base class, its message set, the session-store interface of connection state recovery.
 *
 * ```ts
 * import { ClusterAdapter, MessageType, type ClusterMessage } from './cluster/index.js';
 * class MyBusAdapter extends ClusterAdapter { … }   // doPublish, doPublishResponse, then onMessage/onResponse
 * ```
 *
 * Re-exports only. Must never import a bus client nor the server classes.
 */
export {
  ClusterAdapter, ClusterAdapterBase, type ClusterAdapterOptions, type OutgoingMessage, type AckRequest,
} from './cluster-adapter.js';
export {
  MessageType, EMITTER_UID, encodeOptions, decodeOptions, asRecord, isWirePacket, isEphemeral, mayContainBinary,
  containsBinary, toDetails, randomId,
  type MessageTypeNumber, type ClusterMessage, type ClusterResponse, type WirePacket, type WireOptions,
} from './messages.js';
export {
  MemorySessionStore, reaches, compareOffsets, type ClusterSessionStore, type RecoverableBroadcast,
} from './session-store.js';
export { ClusterRecovery, isRecoverable, type RecoveryHost } from './recovery.js';
export { PeerTracker } from './peers.js';
export {
  PollingForwarding, POLLING_FORWARD, FORWARDED_HEADER, type PollingForwardingOptions, type PollingForwardingHost, type ForwardData,
} from './polling-forwarding.js';
export { PresenceLink, PRESENCE_MESSAGE, type PresenceLinkHost } from './presence-link.js';
export { RequestTracker, settleWithin, type PendingRequest, type LiveServers, type RequestTrackerOptions } from './requests.js';
