/**
 * Prometheus metrics of a Socketeer server (`socketeer/metrics`).
 *
 * ```ts
 * import { createMetrics } from 'socketeer/metrics';
 * const metrics = createMetrics(io, { eventNames: ['chat message'] });
 * metrics.mount('/metrics');              // on the server's own HTTP server, or:
 * await metrics.serve({ port: 9464 });    // on a port of its own
 * ```
 *
 * Owns the `socketeer/metrics` entry (re-exports only). Must never import the client.
 */
export { createMetrics, Metrics, type MetricsOptions, type ServeOptions, type Served } from './metrics.js';
export { Registry, Histogram, HistogramSeries, LabeledValue, Collected, escapeLabel, type Family, type MetricType, type ReadSample, type Sample } from './registry.js';
export { collectProcessMetrics } from './process.js';
export { ACK_BUCKETS, FAST_BUCKETS, OPAQUE_NAMESPACE, OTHER_EVENT, TrafficProbe, type TrafficOptions } from './traffic.js';
export type { NamespaceRefusal, ServerProbe } from '../server/probe.js';
