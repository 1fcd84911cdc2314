/**
 * The columns of a MAP, from its plan alone: the USING query's columns
 * (DuckDB's prepare), renamed where they clash with the result
 * (map-names.ts), then the result column(s) as map-output.ts writes them,
 * then `_error`, which `engine.query` adds only when a row failed. With
 * `as_table` (or CREATE TABLE … AS) the metadata row of map-batch-statement.ts;
 * INSERT INTO … and COPY (…) TO of a MAP, DuckDB's `Count`.
 */
import type { ConnectionQueue } from '../../db/connection-queue.js';
import { withUserSqlErrors } from '../../db/duckdb-error.js';
import { preparedColumns } from '../../db/prepared-columns.js';
import type { ResultColumn } from '../../db/query-result.js';
import { limitedUsingSql } from '../../plan/using-input.js';
import { addedNames, inputNamesOut } from './map-names.js';
import { outputColumns } from './map-output.js';
import type { MapPlan } from './plan-map.js';

const col = (name: string, type: string): ResultColumn => ({ name, type });

/** map-batch-statement.ts: the row a MAP into a table returns. */
const MAP_INTO_TABLE = [
  col('status', 'VARCHAR'),
  col('table_created', 'VARCHAR'),
  col('row_count', 'BIGINT'),
  col('columns', 'JSON'),
  col('session_id', 'VARCHAR'),
];

/** DuckDB's answer to INSERT and COPY, which map-write.ts passes on. */
const MAP_WRITTEN = [col('Count', 'BIGINT')];

export async function mapColumns(
  q: ConnectionQueue,
  map: MapPlan,
  paramTypes: readonly (string | undefined)[],
): Promise<ResultColumn[]> {
  if (map.asTable) return MAP_INTO_TABLE;
  if (map.write) return MAP_WRITTEN;
  const usingSql = limitedUsingSql(map);
  const { input, results } = await q.run(async (con) => {
    // The SELECT the MAP reads its rows with (map-stream-input.ts), so names and types match.
    const input = await withUserSqlErrors(con, usingSql, map.usingOrigin, () =>
      preparedColumns(con, `SELECT * FROM (\n${usingSql}\n)`, paramTypes),
    );
    if (map.output.kind === 'single') return { input, results: [col(map.output.name, 'VARCHAR')] };
    // The typed columns' cast, over the text cells every outcome becomes (map-stream-cast.ts).
    const typed = await preparedColumns(
      con,
      `SELECT ${outputColumns(map.output, 'o')}
       FROM (SELECT NULL::VARCHAR AS value, NULL::VARCHAR AS json, NULL::VARCHAR AS error) o`,
      [],
    );
    return { input, results: typed.slice(0, -1) };
  });
  const names = [
    ...inputNamesOut(
      input.map((c) => c.name),
      map.output,
    ),
    ...addedNames(map.output),
  ];
  const types = [...input.map((c) => c.type), ...results.map((c) => c.type), 'VARCHAR'];
  return names.map((name, i) => col(name, types[i]!));
}
