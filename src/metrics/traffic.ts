/**
 * The probe attached to a server by `createMetrics`: counts the Socket.IO packets and bytes read and written by
 * each connection, by namespace (and by event name for an allow-list), times acknowledgements and broadcasts, and
 * takes the reports of cluster adapters. It reads the encoded packet headers (`2/chat,12["name",…`) without
 * decoding them: no allocation per message for the main namespace or a namespace seen just before.
 *
 * Owns: the per-namespace traffic counters and the timing histograms. Must never import the server's classes
 * (it implements the `ServerProbe` contract), nor the client.
 *
 * @example
 * ```ts
 * const probe = new TrafficProbe(registry, 'socketeer_', { eventNames: ['chat'], maxNamespaces: 100 });
 * const detach = io.probes.attach(probe);
 * ```
 */
import { performance } from 'node:perf_hooks';
import type { NamespaceRefusal, ServerProbe } from '../server/probe.js';
import type { Histogram, HistogramSeries, LabeledValue, Registry, Sample } from './registry.js';

/** Namespace label of the traffic of a custom parser (its packets are opaque), and of namespaces over the cap. */
export const OPAQUE_NAMESPACE = '*';
/** Event label of the events outside the allow-list. */
export const OTHER_EVENT = '(other)';

/** Seconds: bucket bounds of the acknowledgement round trip. */
export const ACK_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds: bucket bounds of the broadcast duration and the adapter lag. */
export const FAST_BUCKETS = [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** Pending acknowledgements per connection above which the oldest are forgotten (never answered). */
const MAX_PENDING_ACKS = 1024;

/** The counters of one namespace. */
class Traffic {
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  /** events by allow-list index (the last slot: the others) */
  readonly eventsIn: number[];
  readonly eventsOut: number[];
  ack: HistogramSeries | undefined;
  constructor(
    readonly name: string,
    events: number,
  ) {
    this.eventsIn = new Array<number>(events).fill(0);
    this.eventsOut = new Array<number>(events).fill(0);
  }
}

/** Options of {@link TrafficProbe}. */
export interface TrafficOptions {
  /** event names counted by name (others are counted as `(other)`); none: no per-event counts */
  eventNames?: readonly string[];
  /** distinct namespace labels kept; further namespaces are counted as `*` (default 100) */
  maxNamespaces?: number;
  /** true when the server uses a custom parser (its packets are counted under namespace `*`) */
  opaque?: boolean;
}

/** What is left of a binary packet whose attachments are still to come on a connection. */
interface Attachments {
  traffic: Traffic;
  remaining: number;
}

/**
 * The traffic probe.
 * @example
 * ```ts
 * io.probes.attach(new TrafficProbe(new Registry(), 'socketeer_', {}));
 * ```
 */
export class TrafficProbe implements ServerProbe {
  private readonly byName = new Map<string, Traffic>();
  private readonly maxNamespaces: number;
  private readonly eventNames: readonly string[];
  private readonly opaque: boolean;
  private last: Traffic;
  private readonly mainTraffic: Traffic;
  private readonly attachmentsIn = new WeakMap<object, Attachments>();
  private readonly attachmentsOut = new WeakMap<object, Attachments>();
  private readonly pendingAcks = new WeakMap<object, Map<string, number>>();
  private readonly ackHistogram: Histogram;
  private readonly broadcastHistogram: Histogram;
  private readonly broadcastSeries = new Map<string, HistogramSeries>();
  private readonly lagHistogram: Histogram;
  private readonly refusals: LabeledValue;
  private readonly timeouts: LabeledValue;

  /**
   * @param registry where the families are registered
   * @param prefix the metric name prefix (e.g. `socketeer_`)
   * @param opts allow-list, namespace cap
   * @param refusals the counter of refused handshakes (labels stage, reason)
   */
  constructor(registry: Registry, prefix: string, opts: TrafficOptions, refusals: LabeledValue) {
    this.maxNamespaces = opts.maxNamespaces ?? 100;
    this.eventNames = opts.eventNames ?? [];
    this.opaque = opts.opaque === true;
    this.refusals = refusals;
    this.last = this.mainTraffic = this.traffic('/');
    const per = (pick: (t: Traffic) => number) => (): Sample[] => [...this.byName.values()].map((t) => ({ labels: [t.name], value: pick(t) }));
    registry.collected(prefix + 'messages_received_total', 'Socket.IO events received, by namespace', 'counter', ['namespace'], per((t) => t.messagesIn));
    registry.collected(prefix + 'messages_sent_total', 'Socket.IO events sent (one per recipient connection), by namespace', 'counter', ['namespace'], per((t) => t.messagesOut));
    registry.collected(prefix + 'received_bytes_total', 'Bytes of Socket.IO packets received (attachments included), by namespace', 'counter', ['namespace'], per((t) => t.bytesIn));
    registry.collected(prefix + 'sent_bytes_total', 'Bytes of Socket.IO packets sent (attachments included), by namespace', 'counter', ['namespace'], per((t) => t.bytesOut));
    if (this.eventNames.length > 0) {
      const labels = [...this.eventNames, OTHER_EVENT];
      const byEvent = (pick: (t: Traffic) => number[]) => (): Sample[] =>
        [...this.byName.values()].flatMap((t) => labels.map((ev, i) => ({ labels: [t.name, ev], value: pick(t)[i]! })));
      registry.collected(prefix + 'events_received_total', 'Socket.IO events received, by namespace and allow-listed event name', 'counter', ['namespace', 'event'], byEvent((t) => t.eventsIn));
      registry.collected(prefix + 'events_sent_total', 'Socket.IO events sent, by namespace and allow-listed event name', 'counter', ['namespace', 'event'], byEvent((t) => t.eventsOut));
    }
    this.ackHistogram = registry.histogram(prefix + 'ack_round_trip_seconds', 'Time from an event sent with an acknowledgement to the client acknowledging it', ['namespace'], ACK_BUCKETS);
    this.broadcastHistogram = registry.histogram(prefix + 'broadcast_duration_seconds', 'Time the adapter takes to hand a broadcast to the local recipients (and publish it to other nodes)', ['namespace'], FAST_BUCKETS);
    this.lagHistogram = registry.histogram(prefix + 'adapter_publish_lag_seconds', 'Time from a publication by another node to its reception here (reported by cluster adapters)', ['namespace'], FAST_BUCKETS);
    this.timeouts = registry.counter(prefix + 'adapter_request_timeouts_total', 'Requests to other nodes that timed out (reported by cluster adapters)', ['namespace', 'type']);
  }

  /** The counters of a namespace (those of `*` past the cap). */
  private traffic(name: string): Traffic {
    let t = this.byName.get(name);
    if (t === undefined) {
      if (this.byName.size >= this.maxNamespaces && name !== OPAQUE_NAMESPACE) return this.traffic(OPAQUE_NAMESPACE);
      t = new Traffic(name, this.eventNames.length + 1);
      this.byName.set(name, t);
    }
    return t;
  }

  /**
   * The counters of the namespace named in a packet header at `i` (`/chat,` or nothing for the main namespace).
   * @returns the counters and the index after the namespace
   */
  private namespaceAt(header: string, i: number): Traffic {
    if (header.charCodeAt(i) !== 47 /* / */) return this.main();
    const last = this.last;
    const n = last.name.length;
    if (n > 1 && header.startsWith(last.name, i) && header.charCodeAt(i + n) === 44 /* , */) return last;
    const end = header.indexOf(',', i);
    const t = this.traffic(end === -1 ? header.slice(i) : header.slice(i, end));
    this.last = t;
    return t;
  }

  private main(): Traffic {
    return this.mainTraffic;
  }

  /**
   * Counts a message read by a connection.
   * @param link the connection
   * @param data the message
   * @example
   * ```ts
   * probe.received(connection, '2["chat","hi"]');   // one event in the main namespace
   * ```
   */
  received(link: object, data: string | Uint8Array | ArrayBuffer): void {
    if (typeof data !== 'string') {
      const size = data.byteLength;
      const pending = this.opaque ? undefined : this.attachmentsIn.get(link);
      if (pending === undefined) {
        this.traffic(OPAQUE_NAMESPACE).bytesIn += size;
        return;
      }
      pending.traffic.bytesIn += size;
      if (--pending.remaining <= 0) this.attachmentsIn.delete(link);
      return;
    }
    const size = Buffer.byteLength(data);
    if (this.opaque) {
      this.traffic(OPAQUE_NAMESPACE).bytesIn += size;
      return;
    }
    const type = data.charCodeAt(0) - 48;
    let i = 1;
    let attachments = 0;
    if (type === 5 || type === 6) {
      let c: number;
      while ((c = data.charCodeAt(i)) >= 48 && c <= 57) attachments = attachments * 10 + (c - 48), i++;
      i++; // '-'
    }
    const t = this.namespaceAt(data, i);
    t.bytesIn += size;
    if (attachments > 0) this.attachmentsIn.set(link, { traffic: t, remaining: attachments });
    if (type === 2 || type === 5) {
      t.messagesIn++;
      if (this.eventNames.length > 0) t.eventsIn[this.eventIndex(data, i, t)]!++;
    } else if (type === 3 || type === 6) {
      this.acknowledged(link, data, i, t);
    }
  }

  /**
   * Counts a packet written to a connection.
   * @param link the connection
   * @param encoded the packet's parts
   * @example
   * ```ts
   * probe.sent(connection, ['51-/chat,["file",{"_placeholder":true,"num":0}]', attachment]);
   * ```
   */
  sent(link: object, encoded: Array<string | Uint8Array> | string | Uint8Array): void {
    if (Array.isArray(encoded)) {
      const header = encoded[0];
      if (typeof header !== 'string' || this.opaque) {
        let size = 0;
        for (const part of encoded) size += typeof part === 'string' ? Buffer.byteLength(part) : part.byteLength;
        this.traffic(OPAQUE_NAMESPACE).bytesOut += size;
        return;
      }
      const t = this.sentHeader(link, header);
      for (let k = 1; k < encoded.length; k++) t.bytesOut += (encoded[k] as Uint8Array).byteLength;
      return;
    }
    if (typeof encoded === 'string' && !this.opaque) {
      this.sentHeader(link, encoded);
      return;
    }
    const size = typeof encoded === 'string' ? Buffer.byteLength(encoded) : encoded.byteLength;
    // an attachment written on its own belongs to the last binary header written to that connection
    const pending = this.opaque ? undefined : this.attachmentsOut.get(link);
    if (pending !== undefined) {
      pending.traffic.bytesOut += size;
      if (--pending.remaining <= 0) this.attachmentsOut.delete(link);
    } else {
      this.traffic(OPAQUE_NAMESPACE).bytesOut += size;
    }
  }

  private sentHeader(link: object, header: string): Traffic {
    const type = header.charCodeAt(0) - 48;
    let i = 1;
    let attachments = 0;
    if (type === 5 || type === 6) {
      let c: number;
      while ((c = header.charCodeAt(i)) >= 48 && c <= 57) attachments = attachments * 10 + (c - 48), i++;
      i++;
    }
    const t = this.namespaceAt(header, i);
    t.bytesOut += Buffer.byteLength(header);
    if (attachments > 0) this.attachmentsOut.set(link, { traffic: t, remaining: attachments });
    if (type === 2 || type === 5) {
      t.messagesOut++;
      if (this.eventNames.length > 0) t.eventsOut[this.eventIndex(header, i, t)]!++;
      this.awaitAck(link, header, i, t);
    }
    return t;
  }

  /** Index of the allow-listed event name of an EVENT header (the last slot for any other). */
  private eventIndex(header: string, i: number, t: Traffic): number {
    let p = t.name === '/' || header.charCodeAt(i) !== 47 ? i : i + t.name.length + 1;
    while (p < header.length && header.charCodeAt(p) >= 48 && header.charCodeAt(p) <= 57) p++;
    const names = this.eventNames;
    if (header.charCodeAt(p) === 91 /* [ */ && header.charCodeAt(p + 1) === 34 /* " */) {
      for (let k = 0; k < names.length; k++) {
        const name = names[k]!;
        if (header.startsWith(name, p + 2) && header.charCodeAt(p + 2 + name.length) === 34) return k;
      }
    }
    return names.length;
  }

  /** The ack id of a header at `i` (after the namespace), or -1. */
  private ackId(header: string, i: number, t: Traffic): number {
    let p = t.name === '/' || header.charCodeAt(i) !== 47 ? i : i + t.name.length + 1;
    let id = -1;
    let c: number;
    while ((c = header.charCodeAt(p)) >= 48 && c <= 57) id = (id < 0 ? 0 : id * 10) + (c - 48), p++;
    return id;
  }

  private awaitAck(link: object, header: string, i: number, t: Traffic): void {
    const id = this.ackId(header, i, t);
    if (id < 0) return;
    let pending = this.pendingAcks.get(link);
    if (pending === undefined) this.pendingAcks.set(link, (pending = new Map()));
    else if (pending.size >= MAX_PENDING_ACKS) pending.delete(pending.keys().next().value!);
    pending.set(t.name + ' ' + id, performance.now());
  }

  private acknowledged(link: object, header: string, i: number, t: Traffic): void {
    const pending = this.pendingAcks.get(link);
    if (pending === undefined) return;
    const id = this.ackId(header, i, t);
    const key = t.name + ' ' + id;
    const started = pending.get(key);
    if (started === undefined) return;
    pending.delete(key);
    (t.ack ??= this.ackHistogram.series([t.name])).observe((performance.now() - started) / 1000);
  }

  /**
   * Counts a refused CONNECT.
   * @param nsp the namespace
   * @param reason why
   * @example
   * ```ts
   * probe.refused('/admin', 'middleware');
   * ```
   */
  refused(nsp: string, reason: NamespaceRefusal): void {
    void nsp;
    this.refusals.inc(['namespace', reason]);
  }

  /**
   * Times a broadcast.
   * @param nsp the namespace
   * @param started when it started (`performance.now()`)
   * @example
   * ```ts
   * const started = performance.now();
   * adapter.broadcast(packet, opts);
   * probe.broadcast('/', started);
   * ```
   */
  broadcast(nsp: string, started: number): void {
    const seconds = (performance.now() - started) / 1000;
    let series = this.broadcastSeries.get(nsp);
    if (series === undefined) {
      series = this.broadcastHistogram.series([this.traffic(nsp).name]);
      this.broadcastSeries.set(nsp, series);
    }
    series.observe(seconds);
  }

  /**
   * Records an adapter's publish lag.
   * @param nsp the namespace
   * @param seconds the lag
   * @example
   * ```ts
   * probe.publishLag('/', 0.003);
   * ```
   */
  publishLag(nsp: string, seconds: number): void {
    this.lagHistogram.series([this.traffic(nsp).name]).observe(seconds);
  }

  /**
   * Counts a cross-node request that timed out.
   * @param nsp the namespace
   * @param type the request type
   * @example
   * ```ts
   * probe.requestTimeout('/', 'fetchSockets');
   * ```
   */
  requestTimeout(nsp: string, type: string): void {
    this.timeouts.inc([this.traffic(nsp).name, type]);
  }
}
