/**
 * EXPLAIN RVBBIT MAP / RUN: each kind's report (statements/map/explain-map.ts,
 * statements/run/explain-run.ts), as one JSON value or one (property, value)
 * row per figure.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import type { ConnectionQueue } from '../db/connection-queue.js';
import type { QueryResult } from '../db/query-result.js';
import { readResult } from '../db/query-result.js';
import type { EngineShared } from '../dispatch/engine-shared.js';
import { EXPLAIN_TABLE_WIDTH, explainText } from '../plan/estimate.js';
import { explainMap } from '../statements/map/explain-map.js';
import { explainRun } from '../statements/run/explain-run.js';
import type { Plan } from './plan.js';

export async function explainStatement(
  plan: Extract<Plan, { kind: 'explain' }>,
  shared: EngineShared,
  q: ConnectionQueue,
  params?: readonly DuckDBValue[],
): Promise<QueryResult> {
  const { target } = plan;
  const report =
    target.kind === 'map'
      ? await explainMap(target.map, shared, q, params)
      : await explainRun(target.run, shared, q, params);
  if (plan.json) {
    return q.run((con) => readResult(con, 'SELECT $1::JSON AS explain', [JSON.stringify(report)]));
  }
  // TEXT: one (property, value) row per figure, readable in psql and the CLI.
  const rows = Object.entries(report).map(([property, v]) => ({
    property,
    value: Array.isArray(v) ? v.join(', ') : explainText(property, v),
  }));
  return {
    columns: [
      { name: 'property', type: 'VARCHAR' },
      { name: 'value', type: 'VARCHAR' },
    ],
    rows,
    wrapAt: EXPLAIN_TABLE_WIDTH,
  };
}
