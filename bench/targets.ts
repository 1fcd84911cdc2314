/**
 * The three targets the suite must show, read from the cell summaries:
 * batch efficiency at n=1000 / 200 ms / parallel 64; batch rows/s at latency 0
 * against the raw undici ceiling; batch against the hand-written promise pool.
 */
import type { CellSummary } from './records.js';

export interface TargetCheck {
  readonly name: string;
  readonly workload: string;
  readonly value: string;
  readonly pass: boolean | null;
}

const fmt = (v: number | null, d = 2) => (v === null ? '—' : v.toFixed(d));

/** One check per target and workload that has the cells for it. */
export function checkTargets(cells: readonly CellSummary[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const workloads = [...new Set(cells.filter((c) => c.status === 'ok').map((c) => c.workload))];
  for (const workload of workloads) {
    const at200 = cells.find(
      (c) =>
        c.status === 'ok' &&
        c.workload === workload &&
        c.strategy === 'batch' &&
        c.n === 1000 &&
        c.parallel === 64 &&
        c.latency.kind === 'lognormal',
    );
    if (at200) {
      out.push({
        name: 'batch efficiency ≥ 0.9 at n=1000, 200 ms log-normal, parallel 64',
        workload,
        value: `${fmt(at200.efficiency)} (wall ${fmt(at200.wallMedianMs, 0)} ms, ideal ${fmt(at200.idealMs, 0)} ms)`,
        pass: at200.efficiency === null ? null : at200.efficiency >= 0.9,
      });
    }
    const zero = cells.filter(
      (c) => c.status === 'ok' && c.workload === workload && c.latencyMeanMs === 0 && c.parallel === 64,
    );
    const n = Math.max(0, ...zero.map((c) => c.n));
    const batch = zero.find((c) => c.strategy === 'batch' && c.n === n);
    const raw = zero.find((c) => c.strategy === 'raw' && c.n === n);
    const pool = zero.find((c) => c.strategy === 'pool' && c.n === n);
    if (batch?.rowsPerSec && raw?.rowsPerSec) {
      const ratio = batch.rowsPerSec / raw.rowsPerSec;
      out.push({
        name: `batch rows/s at latency 0 ≥ 0.6 × raw undici (n=${n}, parallel 64)`,
        workload,
        value: `${fmt(batch.rowsPerSec, 0)} vs ${fmt(raw.rowsPerSec, 0)} rows/s = ${fmt(ratio)} ×`,
        pass: ratio >= 0.6,
      });
    }
    if (batch?.rowsPerSec && pool?.rowsPerSec) {
      out.push({
        name: `batch ≥ promise pool in rows/s at latency 0, with lower loop delay p99 (n=${n}, parallel 64)`,
        workload,
        value:
          `${fmt(batch.rowsPerSec, 0)} vs ${fmt(pool.rowsPerSec, 0)} rows/s; ` +
          `loop p99 ${fmt(batch.loopDelayP99Ms, 1)} vs ${fmt(pool.loopDelayP99Ms, 1)} ms`,
        pass:
          batch.rowsPerSec >= pool.rowsPerSec &&
          (batch.loopDelayP99Ms ?? Number.POSITIVE_INFINITY) < (pool.loopDelayP99Ms ?? 0),
      });
    }
  }
  return out;
}
