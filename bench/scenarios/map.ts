/**
 * MAP: one cascade run (one LLM call) per row, `batch` being the engine's
 * only MAP strategy. Two extra rows: MAP DISTINCT over a column with a tenth
 * as many distinct values, and a re-run served by the warm result cache.
 */
import type { Engine } from '../../src/index.js';
import { distinctTags, docsTable, ensureTables } from '../data.js';
import type { EngineStrategy, GridGroup, Scenario } from './scenario.js';

const CASCADE = 'suite_label';

function mapSql(strategy: EngineStrategy, n: number, parallel: number): string {
  const table = docsTable(n);
  switch (strategy) {
    case 'batch_distinct':
      return `RVBBIT MAP PARALLEL ${parallel} DISTINCT '${CASCADE}' AS label
        USING (SELECT tag AS text FROM ${table}) WITH (cache = false, limit = 0)`;
    case 'batch_warm':
      return `RVBBIT MAP PARALLEL ${parallel} '${CASCADE}' AS label
        USING (SELECT text FROM ${table} ORDER BY id) WITH (cache = true, limit = 0)`;
    default:
      return `RVBBIT MAP PARALLEL ${parallel} '${CASCADE}' AS label
        USING (SELECT text FROM ${table} ORDER BY id) WITH (cache = false, limit = 0)`;
  }
}

/** The one key of the cascade's JSON answer, as MAP's clean extraction returns it. */
export function extractLabel(content: string): unknown {
  const parsed = JSON.parse(content) as Record<string, unknown>;
  const keys = Object.keys(parsed);
  return keys.length === 1 ? parsed[keys[0]!] : content;
}

const warmed = new WeakMap<Engine, Set<number>>();

export const mapScenario: Scenario = {
  name: 'map',
  workload: 'map',
  description: "RVBBIT MAP 'label' over n reviews: one LLM call per row",
  strategies: ['batch', 'batch_distinct', 'batch_warm'],
  available: async () => null,
  setup: ensureTables,
  sql: mapSql,
  calls: (strategy, n) =>
    strategy === 'batch_warm' ? 0 : strategy === 'batch_distinct' ? distinctTags(n) : n,
  async warm(engine, n) {
    const done = warmed.get(engine) ?? new Set<number>();
    warmed.set(engine, done);
    if (done.has(n)) return;
    await engine.query(mapSql('batch_warm', n, 64));
    done.add(n);
  },
  extract: extractLabel,
};

const SMOKE_GROUPS: readonly GridGroup[] = [
  { latency: { kind: 'fixed', ms: 0 }, n: [30], parallel: [1, 8] },
  { latency: { kind: 'fixed', ms: 10 }, n: [30], parallel: [1, 8] },
];

/** A tiny MAP grid for smoke tests: the whole pipeline in a few seconds. */
export const smokeScenario: Scenario = {
  ...mapScenario,
  name: 'smoke',
  description: 'MAP at n = 30: the whole pipeline (runs, tables, charts) in a few seconds',
  groups: { full: SMOKE_GROUPS, quick: SMOKE_GROUPS },
};
