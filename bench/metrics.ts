/**
 * The bench's arithmetic: the ideal time of a cell, efficiency, ratios, and
 * the median and spread of repeated runs. Pure functions, tested alone.
 */

/** The latency the simulator is set to in one cell. `lognormal` draws around a median with a fixed seed. */
export type LatencySpec =
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'lognormal'; readonly medianMs: number; readonly sigma: number };

/** Expected latency of one call: the fixed value, or the log-normal mean median·e^(σ²/2). */
export function meanLatencyMs(latency: LatencySpec): number {
  return latency.kind === 'fixed'
    ? latency.ms
    : latency.medianMs * Math.exp((latency.sigma * latency.sigma) / 2);
}

/** Short label: `0 ms`, `20 ms`, `200 ms ln(σ=0.3)`. */
export function latencyLabel(latency: LatencySpec): string {
  return latency.kind === 'fixed' ? `${latency.ms} ms` : `${latency.medianMs} ms ln(σ=${latency.sigma})`;
}

/**
 * The physical limit of a cell: `calls` calls with at most `parallel` in flight,
 * each taking `latencyMs`, take at least ceil(calls / parallel) × latency.
 *
 * @example idealMs(1000, 64, 200) // 16 × 200 = 3200
 */
export function idealMs(calls: number, parallel: number, latencyMs: number): number {
  if (calls <= 0 || latencyMs <= 0) return 0;
  return Math.ceil(calls / Math.max(1, parallel)) * latencyMs;
}

/** ideal / actual, or null when either is not positive (a cell with no latency and no yardstick). */
export function efficiency(ideal: number, actualMs: number): number | null {
  return ideal > 0 && actualMs > 0 ? ideal / actualMs : null;
}

/** How many times faster `actualMs` is than `referenceMs`; null without both. */
export function speedup(referenceMs: number | undefined, actualMs: number): number | null {
  return referenceMs !== undefined && referenceMs > 0 && actualMs > 0 ? referenceMs / actualMs : null;
}

/** Rows per second for `rows` rows in `ms` milliseconds. */
export function rowsPerSec(rows: number, ms: number): number {
  return ms > 0 ? (rows / ms) * 1000 : 0;
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max − min) / median; 0 for one value. */
  readonly relSpread: number;
  readonly n: number;
}

/** Median (mean of the middle two for an even count), min, max and relative spread. */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0)
    return { median: Number.NaN, min: Number.NaN, max: Number.NaN, relSpread: 0, n: 0 };
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  const min = s[0]!;
  const max = s[s.length - 1]!;
  return { median, min, max, relSpread: median !== 0 ? (max - min) / median : 0, n: s.length };
}

/** Median of the values that are numbers; null if none. */
export function medianOf(values: readonly (number | null | undefined)[]): number | null {
  const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return nums.length === 0 ? null : spread(nums).median;
}
