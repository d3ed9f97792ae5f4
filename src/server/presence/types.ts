/**
 * The shapes of presence: options, the error with its codes, what `list()` and diffs return, and the small
 * contract between presence and an adapter that replicates it over a bus.
 *
 * ```ts
 * const io = new Server(httpServer, { presence: { diffInterval: 50, maxMetaSize: 2048, maxEntriesPerSocket: 32 } });
 * io.on('connection', (socket) => io.presence.track(socket, 'lobby', socket.data.userId, { status: 'online' }));
 * ```
 *
 * Pure types and one error class. Must never import the server classes nor a bus client.
 */

/** Options of presence (the server's `presence` option, the same for every namespace). */
export interface PresenceOptions {
  /** Changes are gathered this long, then sent as one diff per room (and one message on the bus), in ms. Default 50. */
  diffInterval?: number;
  /**
   * A node with presence entries tells the others its version this often, so that a node which missed a change
   * (the bus was down) asks for the whole state again, in ms. Default 1000.
   */
  syncInterval?: number;
  /** The largest meta, in bytes of its JSON. Default 2048. */
  maxMetaSize?: number;
  /** How many rooms one socket may be tracked in. Default 32. */
  maxEntriesPerSocket?: number;
}

/** The codes of a {@link PresenceError}. */
export type PresenceErrorCode =
  /** the meta's JSON is larger than `maxMetaSize` */
  | 'meta-too-large'
  /** the socket is already tracked in `maxEntriesPerSocket` rooms */
  | 'too-many-entries'
  /** the meta is not a plain JSON object, or it has a `ref` property (set by presence) */
  | 'invalid-meta'
  /** the key is not a non-empty string of at most 256 characters */
  | 'invalid-key'
  /** the room is not a non-empty string */
  | 'invalid-room'
  /** `track` for a socket already tracked in that room (use `update`) */
  | 'already-tracked'
  /** `update` for a socket not tracked in that room */
  | 'not-tracked'
  /** the socket is not connected to this namespace on this server */
  | 'not-connected';

/**
 * What `track`, `update` and `follow` throw on bad input or a limit.
 * @example
 * ```ts
 * try {
 *   io.presence.track(socket, 'room1', userId, hugeMeta);
 * } catch (err) {
 *   if (err instanceof PresenceError && err.code === 'meta-too-large') socket.emit('error-message', err.message);
 * }
 * ```
 */
export class PresenceError extends Error {
  /** What went wrong. */
  readonly code: PresenceErrorCode;

  /**
   * @param code what went wrong
   * @param message a sentence for people
   * @example
   * ```ts
   * throw new PresenceError('not-tracked', 'socket abc is not tracked in room1');
   * ```
   */
  constructor(code: PresenceErrorCode, message: string) {
    super(message);
    this.name = 'PresenceError';
    this.code = code;
  }
}

/** A meta as presence gives it: the tracked object with its `ref` (unique per track or update). */
export type PresenceMeta<M extends object = Record<string, unknown>> = M & { ref: string };

/**
 * The presence of one room: key → its metas (one per tracked socket: several tabs of one user are one key with
 * several metas). The payload of `presence_state` and the shape of `list()`.
 */
export type PresenceState<M extends object = Record<string, unknown>> = Record<string, { metas: Array<PresenceMeta<M>> }>;

/** What changed in a room since the last diff: the payload of `presence_diff` and of `subscribe` callbacks. */
export interface PresenceDiff<M extends object = Record<string, unknown>> {
  /** The room. */
  room: string;
  /** Metas added, by key. */
  joins: PresenceState<M>;
  /** Metas removed, by key (an update is the old meta leaving and the new one joining). */
  leaves: PresenceState<M>;
}

/**
 * How presence reaches the other nodes: given by an adapter that replicates it (the cluster core).
 * @example
 * ```ts
 * const channel = adapter.attachPresence({ receive: (from, data) => …, nodeGone: (uid) => … });
 * channel.publish({ k: 'c', v: 3 });
 * ```
 */
export interface PresenceChannel {
  /** This node's id on the bus. */
  readonly node: string;
  /** Sends to every other node of the namespace. */
  publish(data: unknown): void;
  /** Sends to one node (a bus may deliver it to all: the others treat it as any message). */
  publishTo(node: string, data: unknown): void;
  /** Stops delivering to the receiver. */
  close(): void;
}

/** What an adapter calls on presence. */
export interface PresenceReceiver {
  /** A presence message of another node. */
  receive(from: string, data: unknown): void;
  /** A node is gone (it said goodbye, or was silent longer than the heartbeat timeout). */
  nodeGone(node: string): void;
}

/** An adapter that replicates presence between nodes. */
export interface PresenceReplicatingAdapter {
  /**
   * Connects presence to the bus.
   * @param receiver where messages and departures go
   * @returns how presence sends
   */
  attachPresence(receiver: PresenceReceiver): PresenceChannel;
}
