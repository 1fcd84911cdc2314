/**
 * MAP input as a stream: the USING query runs once, on the session's leased
 * connection, and its rows are read chunk by chunk as the MAP can take them.
 * Nothing is copied into a table, so memory follows the rows in flight and
 * waiting to be consumed, not N. Row indexes are assigned in read order.
 */
import {
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
  JSDuckDBValueConverter,
  JsonDuckDBValueConverter,
} from '@duckdb/node-api';
import { withUserSqlErrors } from '../../db/duckdb-error.js';
import { type CheckedResult, releaseChunk, streamUserResult, typeName } from '../../db/query-result.js';
import { limitedUsingSql } from '../../plan/using-input.js';
import { InputRow } from './map-batch-input.js';
import type { MapPlan } from './plan-map.js';

/** Copied (by a builtin, which has no allocation site) into each row's JS values. */
const NO_VALUES: readonly unknown[] = [];

export class MapInputStream {
  private constructor(
    private readonly con: DuckDBConnection,
    private readonly usingSql: string,
    private readonly origin: MapPlan['usingOrigin'],
    private readonly result: CheckedResult,
  ) {}

  /** Starts the USING query; a DuckDB error in it names the user's line and column. */
  static async open(
    con: DuckDBConnection,
    plan: MapPlan,
    params: readonly DuckDBValue[] | undefined,
  ): Promise<MapInputStream> {
    const usingSql = limitedUsingSql(plan);
    const result = await withUserSqlErrors(con, usingSql, plan.usingOrigin, () =>
      // The same SELECT the batch path copies into its table, so rows and order match.
      streamUserResult(con, `SELECT * FROM (\n${usingSql}\n)`, params),
    );
    return new MapInputStream(con, usingSql, plan.usingOrigin, result);
  }

  /**
   * Reads a table the MAP's input was copied into (DISTINCT and dedupe_by,
   * map-batch-input.ts): DuckDB scans it in insertion order, the order the
   * batch path pairs answers by (map-output.ts, inOrderSelect).
   */
  static async openTable(con: DuckDBConnection, table: string): Promise<MapInputStream> {
    const sql = `SELECT * FROM ${table}`;
    return new MapInputStream(con, sql, undefined, await streamUserResult(con, sql, undefined));
  }

  /** Ends what the USING query's stream opened, when the MAP stops reading before its end (idempotent). */
  close(): Promise<void> {
    return this.result.close();
  }

  /** Column types as `engine.query` reports them (JSON by its alias). */
  columnTypes(): string[] {
    return this.result.columnTypes().map(typeName);
  }

  /** Column types as DuckDB gives them (what a write's scratch table is made of: map-stream-write.ts). */
  duckdbColumnTypes(): DuckDBType[] {
    return this.result.columnTypes();
  }

  /** Column names as DuckDB reports them (duplicates not yet renamed). */
  columnNames(): string[] {
    return this.result.columnNames();
  }

  /**
   * Pages of at most `pageRows` input rows with JSON values (what templates
   * and cache keys see). Each page's JS values go to `admit` first, which
   * numbers the rows; `room` is awaited before every page and ends the
   * reading when it says false. A DuckDB chunk (2,048 rows) stays in DuckDB's
   * memory and is converted a page at a time through fresh vector slices:
   * a vector caches every value it converts, so converting whole chunks kept
   * rows alive long after they went out, and the main heap grew with N.
   * `duckdbValues`: `admit` gets DuckDB's own values (a write appends them
   * as they came, with no JS round trip to lose a DECIMAL's digits), not JS ones.
   */
  async *pages(
    pageRows: number,
    admit: (values: readonly (readonly unknown[])[]) => number,
    room: () => Promise<boolean>,
    duckdbValues = false,
  ): AsyncGenerator<InputRow[]> {
    const names = this.result.deduplicatedColumnNames();
    for (;;) {
      if (!(await room())) return;
      const chunk = await withUserSqlErrors(this.con, this.usingSql, this.origin, () =>
        this.result.fetchChunk(),
      );
      if (!chunk || chunk.rowCount === 0) return;
      const vectors = names.map((_, c) => chunk.getColumnVector(c));
      const rowCount = chunk.rowCount;
      try {
        for (let start = 0; start < rowCount; start += pageRows) {
          if (start > 0 && !(await room())) return;
          const n = Math.min(pageRows, rowCount - start);
          // Not `[]`: a literal's allocation site gets pretenured (see InputRow).
          const js: unknown[][] = Array.from({ length: n }, () => NO_VALUES.slice());
          const json: Record<string, unknown>[] = Array.from({ length: n }, () => ({}));
          vectors.forEach((whole, c) => {
            const v = whole.slice(start, n);
            const type = v.type;
            for (let i = 0; i < n; i++) {
              const value = v.getItem(i);
              js[i]!.push(duckdbValues ? value : JSDuckDBValueConverter(value, type, JSDuckDBValueConverter));
              json[i]![names[c]!] = JsonDuckDBValueConverter(value, type, JsonDuckDBValueConverter);
            }
          });
          const first = admit(js);
          yield json.map((inputs, i) => new InputRow(first + i, inputs));
        }
      } finally {
        // Every page of it is converted (or the reading ended): free its data now, not at a GC.
        releaseChunk(chunk);
      }
    }
  }
}
