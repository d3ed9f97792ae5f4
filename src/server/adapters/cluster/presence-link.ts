/**
 * How presence crosses the cluster core: presence messages are cluster messages of type {@link PRESENCE_MESSAGE}
 * (a number `socket.io-adapter` does not use: official nodes of a mixed cluster log and ignore them), published to
 * every node or answered to one; the core hands them to the namespace's presence and tells it when a node is gone
 * (goodbye, or silent past the heartbeat timeout).
 *
 * ```ts
 * const channel = adapter.attachPresence({ receive: (from, data) => …, nodeGone: (uid) => … });
 * channel.publish({ k: 'h' });
 * ```
 *
 * Owns the message type and the channel object. Must never import a bus client nor the server classes.
 */
import type { PresenceChannel, PresenceReceiver } from '../../presence/types.js';

/** The message type of presence (outside `socket.io-adapter`'s 1–13, after polling forwarding's 1001). */
export const PRESENCE_MESSAGE = 1002;

/** What the core gives the link. */
export interface PresenceLinkHost {
  /** This node's uid. */
  readonly uid: string;
  /** Publishes `data` as a presence message to every node. */
  publish(data: unknown): void;
  /** Answers one node with `data` as a presence message. */
  publishResponse(uid: string, data: unknown): void;
}

/**
 * The receiver of one namespace's presence on a cluster adapter.
 * @example
 * ```ts
 * const link = new PresenceLink({ uid, publish: (data) => …, publishResponse: (uid, data) => … });
 * link.attach(receiver);
 * link.receive(from, data);   // from the core's onMessage
 * ```
 */
export class PresenceLink {
  private receiver: PresenceReceiver | null = null;

  /**
   * @param host how to publish
   * @example
   * ```ts
   * new PresenceLink({ uid: this.uid, publish: …, publishResponse: … });
   * ```
   */
  constructor(private readonly host: PresenceLinkHost) {}

  /**
   * Connects presence.
   * @param receiver where messages and departures go
   * @returns the channel presence sends on
   * @example
   * ```ts
   * const channel = link.attach({ receive, nodeGone });
   * ```
   */
  attach(receiver: PresenceReceiver): PresenceChannel {
    this.receiver = receiver;
    return {
      node: this.host.uid,
      publish: (data) => this.host.publish(data),
      publishTo: (node, data) => this.host.publishResponse(node, data),
      close: () => {
        if (this.receiver === receiver) this.receiver = null;
      },
    };
  }

  /**
   * A presence message of another node.
   * @param from its uid
   * @param data the message
   * @example
   * ```ts
   * case PRESENCE_MESSAGE: this.presence.receive(from, message.data); return;
   * ```
   */
  receive(from: string, data: unknown): void {
    this.receiver?.receive(from, data);
  }

  /**
   * A node is gone.
   * @param uid the node
   * @example
   * ```ts
   * this.presence.nodeGone(uid);
   * ```
   */
  nodeGone(uid: string): void {
    this.receiver?.nodeGone(uid);
  }
}
