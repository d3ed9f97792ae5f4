/**
 * Process facts (the default collectors): CPU time, memory, event loop lag, active handles, start time. Names
 * follow the conventions of the usual Node.js exporters (`process_*`, `nodejs_*`) so that existing dashboards work.
 *
 * Owns: the event loop delay monitor of a registry. Must never import the server or the engine.
 *
 * @example
 * ```ts
 * const stop = collectProcessMetrics(registry);   // registers the families
 * stop();                                         // stops the event loop monitor
 * ```
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Registry, Sample } from './registry.js';

/** Families registered by {@link collectProcessMetrics} (one set per registry). */
const MARKER = 'process_cpu_seconds_total';

/**
 * Registers the process families in a registry (once per registry: a second call adds nothing).
 * @param registry the registry
 * @returns a function stopping the event loop monitor and removing the families
 * @example
 * ```ts
 * const stop = collectProcessMetrics(new Registry());
 * ```
 */
export function collectProcessMetrics(registry: Registry): () => void {
  if (registry.has(MARKER)) return () => {};
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  const one = (value: number): Sample[] => [{ labels: [], value }];
  const start = Math.round((Date.now() - process.uptime() * 1000) / 1000);
  const names: string[] = [];
  const add = (name: string, help: string, type: 'counter' | 'gauge', labels: readonly string[], collect: () => Sample[]): void => {
    registry.collected(name, help, type, labels, collect);
    names.push(name);
  };
  add('process_cpu_user_seconds_total', 'User CPU time spent, in seconds', 'counter', [], () => one(process.cpuUsage().user / 1e6));
  add('process_cpu_system_seconds_total', 'System CPU time spent, in seconds', 'counter', [], () => one(process.cpuUsage().system / 1e6));
  add(MARKER, 'User and system CPU time spent, in seconds', 'counter', [], () => {
    const { user, system } = process.cpuUsage();
    return one((user + system) / 1e6);
  });
  add('process_start_time_seconds', 'Start time of the process since the Unix epoch, in seconds', 'gauge', [], () => one(start));
  add('process_resident_memory_bytes', 'Resident memory size, in bytes', 'gauge', [], () => one(process.memoryUsage.rss()));
  add('nodejs_heap_size_total_bytes', 'V8 heap size, in bytes', 'gauge', [], () => one(process.memoryUsage().heapTotal));
  add('nodejs_heap_size_used_bytes', 'V8 heap used, in bytes', 'gauge', [], () => one(process.memoryUsage().heapUsed));
  add('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript objects, in bytes', 'gauge', [], () => one(process.memoryUsage().external));
  add('nodejs_eventloop_lag_mean_seconds', 'Mean event loop delay since the last scrape, in seconds', 'gauge', [], () => one(finite(delay.mean) / 1e9));
  add('nodejs_eventloop_lag_p99_seconds', '99th percentile of the event loop delay since the last scrape, in seconds', 'gauge', [], () => one(delay.percentile(99) / 1e9));
  add('nodejs_eventloop_lag_max_seconds', 'Largest event loop delay since the last scrape, in seconds (the scrape resets the monitor)', 'gauge', [], () => {
    const max = delay.max / 1e9;
    delay.reset();
    return one(max);
  });
  add('nodejs_active_resources', 'Active resources keeping the event loop alive, by type', 'gauge', ['type'], () => {
    const counts = new Map<string, number>();
    for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
    return [...counts].map(([type, value]) => ({ labels: [type], value }));
  });
  return () => {
    delay.disable();
    for (const name of names) registry.remove(name);
  };
}

function finite(v: number): number {
  return Number.isFinite(v) ? v : 0;
}
