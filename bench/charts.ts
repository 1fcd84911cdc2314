/**
 * The three charts, as Vega specs rendered headless to SVG: speedup against
 * parallelism per strategy with the ideal line, efficiency against latency,
 * and rows/s at latency 0 against the raw undici ceiling.
 */
import * as vega from 'vega';
import type { CellSummary } from './records.js';

export interface Point {
  readonly series: string;
  readonly x: number | string;
  readonly y: number;
  readonly dashed?: boolean;
}

const WIDTH = 520;
const HEIGHT = 300;

/** Lines with points, one per series; the `ideal` series is drawn dashed. */
export function lineSpec(o: {
  title: string;
  xTitle: string;
  yTitle: string;
  xType: 'log' | 'point';
  yType: 'log' | 'linear';
  points: readonly Point[];
}): vega.Spec {
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    width: WIDTH,
    height: HEIGHT,
    padding: 8,
    title: { text: o.title, anchor: 'start' },
    data: [{ name: 'points', values: o.points.map((p) => ({ ...p, dash: p.dashed ? 1 : 0 })) }],
    scales: [
      o.xType === 'log'
        ? {
            name: 'x',
            type: 'log',
            base: 2,
            domain: { data: 'points', field: 'x' },
            range: 'width',
            nice: false,
          }
        : { name: 'x', type: 'point', domain: { data: 'points', field: 'x' }, range: 'width', padding: 0.3 },
      o.yType === 'log'
        ? { name: 'y', type: 'log', domain: { data: 'points', field: 'y' }, range: 'height', nice: true }
        : {
            name: 'y',
            type: 'linear',
            domain: { data: 'points', field: 'y' },
            range: 'height',
            nice: true,
            zero: true,
          },
      { name: 'color', type: 'ordinal', domain: { data: 'points', field: 'series' }, range: 'category' },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: o.xTitle, ...(o.xType === 'log' ? { values: [1, 8, 64] } : {}) },
      { orient: 'left', scale: 'y', title: o.yTitle, grid: true },
    ],
    legends: [{ fill: 'color', stroke: 'color', title: 'strategy', orient: 'right' }],
    marks: [
      {
        type: 'group',
        from: { facet: { name: 'series', data: 'points', groupby: 'series' } },
        marks: [
          {
            type: 'line',
            from: { data: 'series' },
            encode: {
              enter: {
                x: { scale: 'x', field: 'x' },
                y: { scale: 'y', field: 'y' },
                stroke: { scale: 'color', field: 'series' },
                strokeWidth: { value: 2 },
                strokeDash: { signal: 'datum.dash ? [6, 4] : [1, 0]' },
              },
            },
          },
          {
            type: 'symbol',
            from: { data: 'series' },
            encode: {
              enter: {
                x: { scale: 'x', field: 'x' },
                y: { scale: 'y', field: 'y' },
                fill: { scale: 'color', field: 'series' },
                size: { value: 40 },
                tooltip: { signal: "datum.series + ': ' + format(datum.y, '.3~g')" },
              },
            },
          },
        ],
      },
    ],
  };
}

/** Bars per strategy with the ceiling and 0.6 × ceiling as rules. */
export function barSpec(o: {
  title: string;
  yTitle: string;
  bars: readonly { label: string; value: number }[];
  ceiling: number | null;
}): vega.Spec {
  const rules =
    o.ceiling === null
      ? []
      : [
          { label: 'raw undici ceiling', value: o.ceiling },
          { label: '0.6 × ceiling', value: 0.6 * o.ceiling },
        ];
  return {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    width: WIDTH,
    height: HEIGHT,
    padding: 8,
    title: { text: o.title, anchor: 'start' },
    data: [
      { name: 'bars', values: o.bars },
      { name: 'rules', values: rules },
    ],
    scales: [
      { name: 'x', type: 'band', domain: { data: 'bars', field: 'label' }, range: 'width', padding: 0.25 },
      {
        name: 'y',
        type: 'linear',
        domain: {
          fields: [
            { data: 'bars', field: 'value' },
            { data: 'rules', field: 'value' },
          ],
        },
        range: 'height',
        nice: true,
        zero: true,
      },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', labelAngle: -30, labelAlign: 'right' },
      { orient: 'left', scale: 'y', title: o.yTitle, grid: true },
    ],
    marks: [
      {
        type: 'rect',
        from: { data: 'bars' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'label' },
            width: { scale: 'x', band: 1 },
            y: { scale: 'y', field: 'value' },
            y2: { scale: 'y', value: 0 },
            fill: { value: '#4c78a8' },
          },
        },
      },
      {
        type: 'text',
        from: { data: 'bars' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'label', band: 0.5 },
            y: { scale: 'y', field: 'value', offset: -4 },
            align: { value: 'center' },
            text: { signal: "format(datum.value, ',.0f')" },
            fontSize: { value: 10 },
          },
        },
      },
      {
        type: 'rule',
        from: { data: 'rules' },
        encode: {
          enter: {
            x: { value: 0 },
            x2: { signal: 'width' },
            y: { scale: 'y', field: 'value' },
            stroke: { value: '#e45756' },
            strokeDash: { signal: "datum.label === 'raw undici ceiling' ? [1, 0] : [6, 4]" },
          },
        },
      },
      {
        type: 'text',
        from: { data: 'rules' },
        encode: {
          enter: {
            x: { signal: 'width' },
            y: { scale: 'y', field: 'value', offset: -4 },
            align: { value: 'right' },
            text: { field: 'label' },
            fill: { value: '#e45756' },
            fontSize: { value: 10 },
          },
        },
      },
    ],
  };
}

/** Renders a spec to SVG text, headless. */
export async function renderSvg(spec: vega.Spec): Promise<string> {
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const ok = (c: CellSummary) => c.status === 'ok';
const label = (c: CellSummary, many: boolean) => (many ? `${c.workload} ${c.strategy}` : c.strategy);

/** The (n, latency) with the most measured speedups, preferring n = 1000 and the highest latency. */
function speedupPanel(cells: readonly CellSummary[]): { n: number; latency: string } | null {
  const withLatency = cells.filter((c) => ok(c) && c.latencyMeanMs > 0 && c.speedup !== null);
  const score = new Map<string, number>();
  for (const c of withLatency) {
    const k = JSON.stringify([c.n, c.latencyLabel]);
    score.set(k, (score.get(k) ?? 0) + 1 + (c.n === 1000 ? 0.5 : 0) + c.latencyMeanMs / 1000);
  }
  const best = [...score].sort((a, b) => b[1] - a[1])[0];
  if (!best) return null;
  const [n, latency] = JSON.parse(best[0]) as [number, string];
  return { n, latency };
}

/** Speedup vs parallelism per strategy for one (n, latency), with the ideal N / ceil(N / P). */
export function speedupChart(cells: readonly CellSummary[]): vega.Spec | null {
  const panel = speedupPanel(cells);
  if (!panel) return null;
  const chosen = cells.filter(
    (c) =>
      ok(c) &&
      c.n === panel.n &&
      c.latencyLabel === panel.latency &&
      c.speedup !== null &&
      c.strategy !== 'sequential' &&
      // DISTINCT and the warm cache make fewer calls: their speedup is not about parallelism.
      c.strategy !== 'batch_distinct' &&
      c.strategy !== 'batch_warm',
  );
  const many = new Set(chosen.map((c) => c.workload)).size > 1;
  const points: Point[] = chosen.map((c) => ({ series: label(c, many), x: c.parallel, y: c.speedup! }));
  for (const p of [...new Set(chosen.map((c) => c.parallel))].sort((a, b) => a - b)) {
    points.push({ series: 'ideal', x: p, y: panel.n / Math.ceil(panel.n / p), dashed: true });
  }
  return lineSpec({
    title: `Speedup vs parallelism (N = ${panel.n}, latency ${panel.latency})`,
    xTitle: 'parallel (P)',
    yTitle: 'speedup vs sequential',
    xType: 'log',
    yType: 'log',
    points,
  });
}

/** Efficiency (ideal / wall) against latency at the largest n and P present in every latency. */
export function efficiencyChart(cells: readonly CellSummary[]): vega.Spec | null {
  const withEff = cells.filter((c) => ok(c) && c.efficiency !== null && c.strategy !== 'raw');
  if (withEff.length === 0) return null;
  const parallel = Math.max(...withEff.map((c) => c.parallel));
  const atP = withEff.filter((c) => c.parallel === parallel || c.strategy === 'sequential');
  const n = atP.some((c) => c.n === 1000) ? 1000 : Math.max(...atP.map((c) => c.n));
  const chosen = atP.filter((c) => c.n === n && c.strategy !== 'sequential');
  const many = new Set(chosen.map((c) => c.workload)).size > 1;
  const order = [...new Set(chosen.map((c) => c.latencyMeanMs))].sort((a, b) => a - b);
  const byMean = new Map(chosen.map((c) => [c.latencyMeanMs, c.latencyLabel]));
  const points: Point[] = chosen
    .sort((a, b) => a.latencyMeanMs - b.latencyMeanMs)
    .map((c) => ({ series: label(c, many), x: c.latencyLabel, y: c.efficiency! }));
  for (const mean of order) points.push({ series: 'ideal', x: byMean.get(mean)!, y: 1, dashed: true });
  return lineSpec({
    title: `Efficiency vs latency (N = ${n}, P = ${parallel}; at 0 ms the ideal is raw undici)`,
    xTitle: 'simulated latency',
    yTitle: 'efficiency = ideal / wall',
    xType: 'point',
    yType: 'linear',
    points,
  });
}

/** rows/s at latency 0 for every strategy at the largest n and P, with the raw undici ceiling. */
export function throughputChart(cells: readonly CellSummary[]): vega.Spec | null {
  const zero = cells.filter((c) => ok(c) && c.latencyMeanMs === 0 && c.rowsPerSec !== null);
  if (zero.length === 0) return null;
  const n = Math.max(...zero.map((c) => c.n));
  const parallel = Math.max(...zero.filter((c) => c.n === n).map((c) => c.parallel));
  const chosen = zero.filter((c) => c.n === n && c.parallel === parallel && c.strategy !== 'raw');
  const many = new Set(chosen.map((c) => c.workload)).size > 1;
  const raw = zero.find((c) => c.n === n && c.parallel === parallel && c.strategy === 'raw');
  return barSpec({
    title: `Rows/s at latency 0 (N = ${n}, P = ${parallel}) against the raw undici ceiling`,
    yTitle: 'input rows per second',
    bars: chosen.map((c) => ({ label: label(c, many), value: c.rowsPerSec! })),
    ceiling: raw?.rowsPerSec ?? null,
  });
}
