/**
 * `engine.query` of a plain MAP (no DISTINCT, dedupe_by, as_table or CREATE
 * TABLE … AS): the streamed MAP (map-stream.ts), collected. The USING rows
 * are read once and their values reused for the output, instead of copied
 * into a temp table, joined with an outcome table and sorted at the end:
 * measured on a fully cached 20,000-row re-run, those steps were most of its
 * time. `_error` appears only when some row failed (spec §1).
 */

import { type QueryResult, type ResultColumn, rowKeys } from '../../db/query-result.js';
import type { MapRowsRun } from './map-rows.js';
import { type MapStreamContext, streamMap } from './map-stream.js';
import type { MapPlan } from './plan-map.js';

export interface CollectedMap {
  readonly result: QueryResult;
  readonly run: MapRowsRun;
}

export async function collectMap(plan: MapPlan, ctx: MapStreamContext): Promise<CollectedMap> {
  let columns: readonly ResultColumn[] = [];
  let failed = false;
  const rows: Record<string, unknown>[] = [];
  const stream = streamMap(plan, ctx, {
    onColumns: (c) => {
      columns = c;
    },
    onError: () => {
      failed = true;
    },
  });
  for (;;) {
    const next = await stream.next();
    if (next.done) {
      if (failed) {
        // `_error` is the last column: rows that had none get it as NULL.
        const key = errorKey(columns);
        for (const row of rows) if (!(key in row)) row[key] = null;
      }
      return { result: { columns: failed ? columns : columns.slice(0, -1), rows }, run: next.value };
    }
    for (const row of next.value) rows.push(row);
  }
}

/** The row key of `_error`: repeated names get `:n` as DuckDB's row objects do. */
function errorKey(columns: readonly ResultColumn[]): string {
  return rowKeys(columns).at(-1)!;
}
