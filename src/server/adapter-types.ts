/**
 * The typed boundary between the server and its adapters: what an adapter may use of its namespace
 * ({@link AdapterNamespace}) and of a local socket ({@link AdapterSocket}), what a broadcast selects
 * ({@link BroadcastOptions}), what `fetchSockets()` returns from other servers ({@link SocketDetails}), and the
 * sessions of connection state recovery. `Namespace` and `Socket` satisfy these interfaces; adapters are written
 * against them, never against the server classes.
 *
 * ```ts
 * import type { AdapterNamespace, AdapterSocket } from 'socketeer';
 * function localIds(nsp: AdapterNamespace): string[] {
 *   return [...nsp.sockets.values()].map((socket: AdapterSocket) => socket.id);
 * }
 * ```
 *
 * Owns these types and the one guard {@link isLocalSocket}. Must never import the server classes (`server.ts`, `namespace.ts`,
 * `socket.ts`, `client.ts`) nor anything under `adapters/`.
 */
import type { Packet } from '../protocol/index.js';
import type { DisconnectDetails } from '../protocol/disconnect.js';
import type { EngineSendOptions } from './engine.js';
import type { Handshake } from './socket-types.js';
import type { Adapter } from './adapter.js';
import type { ProbeSlot } from './probe.js';

/** A socket id (the Socket.IO id, not the Engine.IO one). */
export type SocketId = string;
/** A private session id, used to recover a session. */
export type PrivateSessionId = string;
/** A room name. */
export type Room = string;

/** Modifiers of a broadcast. */
export interface BroadcastFlags {
  /** Drop the packet for clients whose transport is not writable. */
  volatile?: boolean;
  /** Whether the transport may compress the packet. */
  compress?: boolean;
  /** Only reach the sockets of this server. */
  local?: boolean;
  broadcast?: boolean;
  binary?: boolean;
  /** Acknowledgement timeout, in ms. */
  timeout?: number;
}

/** Who a broadcast reaches: sockets in any of `rooms` (all when empty), minus those in any of `except`. */
export interface BroadcastOptions {
  rooms: Set<Room>;
  except?: Set<Room>;
  flags?: BroadcastFlags;
}

/** What is kept of a socket when its connection is lost, for connection state recovery. */
export interface SessionToPersist {
  sid: SocketId;
  pid: PrivateSessionId;
  rooms: Room[];
  data: unknown;
}

/** A restored session, with the event arguments (offset last) the client missed. */
export type Session = SessionToPersist & { missedPackets: unknown[][] };

/**
 * A socket of another server, as returned by a distributed `fetchSockets()` (what crosses the bus: its handshake
 * is plain data, its rooms an array).
 */
export interface SocketDetails<SocketData = unknown> {
  id: SocketId;
  handshake: Handshake;
  rooms: Room[];
  data: SocketData;
}

/** The name socket.io's cluster adapters give {@link SocketDetails}. */
export type RemoteSocketDetails<SocketData = unknown> = SocketDetails<SocketData>;

/** Options of a write of already encoded packet parts to one client. */
export interface WriteOptions extends EngineSendOptions {
  /** The parts are already encoded. */
  preEncoded?: boolean;
  /** Drop the packet if the transport is not writable. */
  volatile?: boolean;
  /** One engine send-options object per encoded part, each with its own shared frame (broadcasts). */
  parts?: EngineSendOptions[];
}

/** The encoder every adapter uses (`nsp.server.encoder`). */
export interface PacketEncoder {
  /**
   * @param packet the packet
   * @returns the header text followed by the binary attachments
   */
  encode(packet: Packet): Array<string | Uint8Array>;
}

/**
 * What an adapter may use of a local socket (the server's `Socket` satisfies it).
 * @example
 * ```ts
 * class MyAdapter extends Adapter {
 *   override addSockets(opts, rooms) {
 *     this.apply(opts, (socket: AdapterSocket) => socket.join(rooms));
 *   }
 * }
 * ```
 */
export interface AdapterSocket {
  readonly id: SocketId;
  readonly handshake: Handshake;
  readonly rooms: Set<Room>;
  data: unknown;
  readonly connected: boolean;
  readonly recovered: boolean;
  /**
   * The private session id of connection state recovery (undefined when recovery is off): adapters that keep
   * the sessions of connected sockets (to survive the death of their server) store them under it.
   */
  readonly privateSessionId: PrivateSessionId | undefined;
  readonly client: {
    /** false when the connection is over its high-water mark (a `void` return counts as true) */
    writeToEngine(encoded: Array<string | Uint8Array>, opts: WriteOptions): boolean | void;
  };
  /** Acknowledgement callbacks waiting for the client, by packet id. */
  readonly acks: Map<number, (...args: unknown[]) => void>;
  /** Tells the `onAnyOutgoing` listeners about a packet about to be written. */
  notifyOutgoingListeners(packet: Packet): void;
  join(rooms: Room | Room[]): void | Promise<void>;
  leave(room: Room): void | Promise<void>;
  /** `details`: why, for the client (`socketeer:disconnect` just before the DISCONNECT) */
  disconnect(close?: boolean, details?: DisconnectDetails): unknown;
}

/** What the server's `opts` says to adapters. */
export interface AdapterServerOptions {
  /** Connection state recovery: on when an object. */
  readonly connectionStateRecovery?: { readonly maxDisconnectionDuration?: number } | false | undefined;
}

/**
 * What an adapter may use of its namespace (the server's `Namespace` satisfies it).
 * @example
 * ```ts
 * class MyAdapter extends Adapter {
 *   onBusMessage(args: unknown[]) {
 *     this.nsp.receiveServerSideEmit(args);   // fires the namespace's listeners for an event of another server
 *   }
 * }
 * ```
 */
export interface AdapterNamespace {
  readonly name: string;
  readonly sockets: ReadonlyMap<SocketId, AdapterSocket>;
  readonly adapter: Adapter;
  /** `probes`: the server's instrumentation slot, where an adapter reports its lag and timeouts (see `probe.ts`). */
  readonly server: { readonly encoder: PacketEncoder; readonly opts: AdapterServerOptions; readonly probes?: ProbeSlot };
  /** A fresh acknowledgement id, shared by the sockets of the namespace (socket.io's `nsp._ids++`). */
  nextAckId(): number;
  /** Fires the namespace's listeners for an event of another server (socket.io's `nsp._onServerSideEmit`). */
  receiveServerSideEmit(args: unknown[]): void;
  /**
   * socket.io compatibility (adapters written for `socket.io-adapter` read and increment it); Socketeer's own
   * code uses {@link AdapterNamespace.nextAckId}.
   */
  _ids: number;
  /**
   * socket.io compatibility (adapters written for `socket.io-adapter` call it); Socketeer's own code uses
   * {@link AdapterNamespace.receiveServerSideEmit}.
   */
  _onServerSideEmit(args: unknown[]): void;
}

/**
 * What `fetchSockets()` resolves with: the local sockets themselves, and {@link SocketDetails} of the sockets
 * of other servers.
 */
export type FetchedSocket = AdapterSocket | SocketDetails;

/**
 * Whether an entry of `fetchSockets()` is a socket of this process (else the details of a remote one).
 * @param socket an entry of `adapter.fetchSockets(opts)`
 * @returns true for a local socket
 * @example
 * ```ts
 * for (const s of await io.of('/').adapter.fetchSockets({ rooms: new Set() })) {
 *   if (isLocalSocket(s)) s.disconnect();
 * }
 * ```
 */
export function isLocalSocket(socket: FetchedSocket): socket is AdapterSocket {
  return typeof (socket as Partial<AdapterSocket>).notifyOutgoingListeners === 'function';
}

/** An adapter class, or a factory called with the namespace. */
export type AdapterConstructor = (new (nsp: AdapterNamespace) => Adapter) | ((nsp: AdapterNamespace) => Adapter);
