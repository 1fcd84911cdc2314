/**
 * MAP output: what each outcome becomes (value, structured JSON, error), and
 * how typed columns are read from the structured output and cast by DuckDB
 * itself, so values print exactly as DuckDB prints them. The batch path
 * appends the cells to a temp table and joins them to the input by index;
 * the streaming path casts them batch by batch (map-stream-cast.ts) with the
 * same expressions.
 */

import type { OnError } from '../../../grammar/index.js';
import { typeFamily } from '../../../grammar/type-names.js';
import { oneKeyValue } from '../../cascade/answer-parse.js';
import type { BufferedAppender } from '../../db/buffered-appender.js';
import type { ConnectionQueue } from '../../db/connection-queue.js';
import { quoteIdent, quoteString } from '../../db/sql-text.js';
import { WITHOUT_SECRETS_FUNCTION } from '../../db/without-secrets-function.js';
import type { RowOutcome } from '../../thread/chunk-protocol.js';
import { rowIndexSql } from './map-batch-input.js';
import type { MapOutput, TypedColumn } from './plan-map.js';

export const INDEX_COLUMN = '__rvbbit_idx';
/** A MAP result has this column only when some row failed (dialect spec, MAP output). */
export const ERROR_COLUMN = '_error';

export async function createOutputTable(q: ConnectionQueue, table: string): Promise<void> {
  await q.run((con) =>
    con.run(
      `CREATE TEMP TABLE ${table} (idx BIGINT, value VARCHAR, json VARCHAR, error VARCHAR, error_code VARCHAR)`,
    ),
  );
}

/**
 * The clean value of spec §1: the last cell's output; a JSON object with
 * exactly one key gives that key's value; anything else non-text is JSON text.
 */
export function cleanValue(output: unknown): string | null {
  const value = oneKeyValue(output);
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One outcome as text cells: the row of the output table, and what a stream shapes rows from. */
export interface OutcomeCells {
  /** The single result column (`AS name`). */
  readonly value: string | null;
  /** The structured output as JSON text, which typed columns are read from. */
  readonly json: string | null;
  readonly error: string | null;
  readonly errorCode: string | null;
}

/** `typed`: the JSON text is read by typed columns only; a single result column never needs it. */
export function outcomeCells(o: RowOutcome, onError: OnError, typed = true): OutcomeCells {
  if (o.ok) {
    return {
      value: cleanValue(o.output),
      json: !typed || o.output === undefined ? null : JSON.stringify(o.output),
      error: null,
      errorCode: null,
    };
  }
  return {
    value: onError === 'keep' ? `ERROR: ${o.error}` : null,
    json: null,
    error: o.error ?? 'failed',
    errorCode: o.errorCode ?? null,
  };
}

/** Appends outcomes to the statement's output table (buffered; flushed before the result is read). */
export function appendOutcomes(
  out: BufferedAppender,
  outcomes: readonly RowOutcome[],
  onError: OnError,
  typed = true,
): Promise<void> {
  return out.append(outcomes.length, (appender) => {
    for (const o of outcomes) {
      const cells = outcomeCells(o, onError, typed);
      appender.appendBigInt(BigInt(o.index));
      appendNullable(appender, cells.value);
      appendNullable(appender, cells.json);
      appendNullable(appender, cells.error);
      appendNullable(appender, cells.errorCode);
      appender.endRow();
    }
  });
}

function appendNullable(
  appender: { appendVarchar(v: string): void; appendNull(): void },
  v: string | null,
): void {
  if (v === null) appender.appendNull();
  else appender.appendVarchar(v);
}

function fieldPath(name: string): string {
  return quoteString(`$."${name.replaceAll('"', '\\"')}"`);
}

function typedExpr(col: TypedColumn, o: string): { value: string; problem: string } {
  const path = fieldPath(col.name);
  const raw = `json_extract(${o}.json, ${path})`;
  const isJson = typeFamily(col.type) === 'json';
  const value = isJson ? raw : `TRY_CAST(json_extract_string(${o}.json, ${path}) AS ${col.type})`;
  const label = quoteString(col.name);
  const problem = `CASE WHEN ${o}.error IS NOT NULL THEN NULL
    WHEN ${raw} IS NULL THEN 'column ' || ${label} || ': missing from the output'
    WHEN json_type(${raw}) <> 'NULL' AND ${value} IS NULL
      THEN 'column ' || ${label} || ': cannot cast ' || ${WITHOUT_SECRETS_FUNCTION}(json_extract_string(${o}.json, ${path})) || ' to ${col.type}'
    END`;
  return { value: `${value} AS ${quoteIdent(col.name)}`, problem };
}

/**
 * The result columns then `_error`, read from a relation `o` with columns
 * `value`, `json` and `error` (the output table, or a stream's batch).
 */
export function outputColumns(output: MapOutput, o: string): string {
  if (output.kind === 'single') {
    return `${o}.value AS ${quoteIdent(output.name)}, ${o}.error AS ${ERROR_COLUMN}`;
  }
  const typed = output.columns.map((c) => typedExpr(c, o));
  const problems = typed.map((t) => t.problem).join(', ');
  const error = `coalesce(${o}.error, NULLIF(concat_ws('; ', ${problems}), ''))`;
  return `${typed.map((t) => t.value).join(', ')}, ${error} AS ${ERROR_COLUMN}`;
}

/** The input's columns as the result names them (an input named like a result column renamed). */
function inputList(inputColumns: readonly { readonly name: string; readonly as: string }[]): string {
  return inputColumns.every((c) => c.as === c.name)
    ? 'i.*'
    : inputColumns.map((c) => `i.${quoteIdent(c.name)} AS ${quoteIdent(c.as)}`).join(', ');
}

/**
 * The SELECT that produces the MAP result (with index and error columns, for
 * the caller to trim). `inputColumns` are the input's names and what they are
 * called in the output (map-names.ts: an input named like a result column is renamed).
 * Its rows come in no set order: the caller sorts by the index.
 */
export function resultSelect(
  inputTable: string,
  outputTable: string,
  output: MapOutput,
  inputColumns: readonly { readonly name: string; readonly as: string }[],
  rowBase: string,
): string {
  const index = rowIndexSql('i', rowBase);
  return `SELECT ${inputList(inputColumns)}, ${outputColumns(output, 'o')}, ${index} AS ${INDEX_COLUMN}
    FROM ${inputTable} i LEFT JOIN ${outputTable} o ON o.idx = ${index}`;
}

/**
 * The same rows, already in input order, for a run that has exactly one
 * outcome per input row: the input table is read in its own (rowid) order
 * and paired by position with the outcomes sorted by index. Only the narrow
 * outcome table is sorted; the wide input rows stream through. Sorting the
 * joined rows instead ran out of memory under a 16 MB memory_limit at 20,000
 * rows of 4 KB (DuckDB keeps insertion order); this ran 200,000 under 64 MB.
 */
export function inOrderSelect(
  inputTable: string,
  outputTable: string,
  output: MapOutput,
  inputColumns: readonly { readonly name: string; readonly as: string }[],
): string {
  return `SELECT ${inputList(inputColumns)}, ${outputColumns(output, 'o')}, o.idx AS ${INDEX_COLUMN}
    FROM ${inputTable} i POSITIONAL JOIN (SELECT * FROM ${outputTable} ORDER BY idx) o`;
}
