/** The Markdown report: machine, how to read it, the targets, one table row per cell, what was skipped. */
import type { CellSummary, SuiteResult } from './records.js';
import { checkTargets } from './targets.js';

const num = (v: number | null | undefined, digits = 0) =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);

function wall(c: CellSummary): string {
  if (c.wallMedianMs === null) return '—';
  const spread =
    c.runs > 1 && c.wallRelSpread !== null ? ` ±${Math.round((c.wallRelSpread * 100) / 2)}%` : '';
  return `${num(c.wallMedianMs)}${spread}`;
}

function cpu(c: CellSummary): string {
  if (c.cpuUsPerRow === null) return '—';
  return `${num(c.cpuUsPerRow)}${c.simCpuUsPerRow === null ? '' : ` (${num(c.simCpuUsPerRow)})`}`;
}

function speed(c: CellSummary): string {
  if (c.speedup === null) return '—';
  return `${c.speedup.toFixed(1)}×${c.speedupBase === 'ideal-seq' ? '*' : ''}`;
}

/** The table of cells that ran. */
export function cellsTable(cells: readonly CellSummary[]): string {
  const head =
    '| workload | N | latency | P | strategy | wall ms | ideal ms | eff. | speedup | rows/s | LLM calls | max in flight | loop p99 ms | CPU µs/row (sim) | peak RSS MB | 1st row ms |';
  const rule = '|---|--:|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|';
  const rows = cells
    .filter((c) => c.status === 'ok' || c.status === 'error')
    .map((c) =>
      c.status === 'error'
        ? `| ${c.workload} | ${c.n} | ${c.latencyLabel} | ${c.parallel} | ${c.strategy} | error: ${(c.reason ?? '').replace(/\|/g, '/').slice(0, 80)} |  |  |  |  |  |  |  |  |  |  |`
        : `| ${c.workload} | ${c.n} | ${c.latencyLabel} | ${c.parallel} | ${c.strategy} | ${wall(c)} | ${num(c.idealMs)} | ${num(c.efficiency, 2)} | ${speed(c)} | ${num(c.rowsPerSec)} | ${num(c.llmCalls)} | ${num(c.maxInFlight)} | ${num(c.loopDelayP99Ms, 1)} | ${cpu(c)} | ${num(c.peakRssMb)} | ${num(c.firstRowMs)} |`,
    );
  return [head, rule, ...rows].join('\n');
}

/** Skipped cells, grouped by reason. */
function skippedList(cells: readonly CellSummary[]): string {
  const byReason = new Map<string, string[]>();
  for (const c of cells.filter((x) => x.status === 'skipped')) {
    const reason = c.reason ?? 'skipped';
    const list = byReason.get(reason) ?? [];
    list.push(`${c.workload} N=${c.n} ${c.latencyLabel} P=${c.parallel} ${c.strategy}`);
    byReason.set(reason, list);
  }
  return [...byReason].map(([reason, list]) => `- ${reason}: ${list.join('; ')}`).join('\n');
}

export function renderMarkdown(r: SuiteResult): string {
  const m = r.machine;
  const s = r.settings;
  const unavailable = Object.entries(r.availability).filter(([, why]) => why !== null);
  const targets = checkTargets(r.cells);
  const lines = [
    `# rvbbit bench: ${r.name}`,
    '',
    `${r.startedAt}, ${(r.durationMs / 1000).toFixed(0)} s. ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}; ` +
      `Node ${m.node}, DuckDB ${m.duckdb}${m.commit ? `, commit ${m.commit}` : ''}. ` +
      `Simulator in a child process (seed ${s.seed}), ${s.threads} worker threads, ` +
      `${s.reps} run${s.reps > 1 ? 's' : ''} per cell (median; ± is half the min–max range). A run is skipped when its ` +
      `expected time, ceil(calls / P′) × (latency + 2 ms) with P′ = 1 for sequential and union_all, is over ${s.capMs / 1000} s.`,
    '',
    '**ideal** = ceil(calls / P) × mean latency (the log-normal mean is median·e^(σ²/2)); at latency 0 the ideal is ' +
      'raw undici making the same calls at the same P (the ceiling). **eff.** = ideal / wall. **speedup** = wall of ' +
      '`sequential` (MAP: `batch` at P 1) in the same repetition / wall; `*` = against calls × latency because that ' +
      'run was skipped (over the cap) or failed. **rows/s** counts input rows. **pool** = hand-written single-thread promise pool (fetch), ' +
      '**raw** = undici `request()`, both replaying the exact chat requests the engine sent. LLM calls and max in ' +
      "flight are the simulator's counters; loop p99 is the main thread's event-loop delay " +
      '(when no timer could fire during a run, the time since the last one: the thread was blocked). CPU µs/row: this ' +
      "process (main and worker threads), and in brackets the simulator's process.",
    '',
  ];
  if (targets.length > 0) {
    lines.push('## Targets', '', '| target | workload | measured | pass |', '|---|---|---|---|');
    for (const t of targets) {
      lines.push(
        `| ${t.name} | ${t.workload} | ${t.value} | ${t.pass === null ? '—' : t.pass ? 'yes' : 'no'} |`,
      );
    }
    lines.push('');
  }
  lines.push('## Results', '', cellsTable(r.cells), '');
  if (unavailable.length > 0) {
    lines.push('## Not available', '');
    for (const [name, why] of unavailable) {
      const n = r.cells.filter((c) => c.scenario === name).length;
      lines.push(
        `- ${name}: ${why} (probe \`SELECT 'a' MEANS 'b'\`); its ${n} cells are recorded as not available.`,
      );
    }
    lines.push('');
  }
  const skipped = skippedList(r.cells);
  if (skipped) lines.push('## Skipped', '', skipped, '');
  return lines.join('\n');
}
