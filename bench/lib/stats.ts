/** Small statistics helpers for the benchmark. */

/**
 * Median of a list of numbers (mean of the two middle values for an even count).
 * @returns NaN for an empty list
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Nearest-rank percentile of samples.
 * @param samples values (sorted in place)
 * @param p percentile in [0, 100]
 * @returns NaN for no samples
 */
export function percentile(samples: Float64Array | number[], p: number): number {
  if (samples.length === 0) return NaN;
  samples.sort((a, b) => a - b);
  const rank = Math.min(samples.length - 1, Math.max(0, Math.ceil((p / 100) * samples.length) - 1));
  return samples[rank];
}
