/**
 * MAP output: outcomes are appended to a temp table as chunks complete, then
 * one SELECT joins them to the input by index, in input order. Typed columns
 * are read from the structured output and cast by DuckDB itself, so values
 * print exactly as DuckDB prints them.
 */
import type { BufferedAppender } from '../db/buffered-appender.js';
import { quoteIdent, quoteString } from '../db/sql-text.js';
import type { MapOutput, OnError, TypedColumn } from '../plan/map-plan.js';
import type { RowOutcome } from './chunk-protocol.js';
import type { ConnectionQueue } from './connection-queue.js';

export const INDEX_COLUMN = '__rvbbit_idx';
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
  if (output === null || output === undefined) return null;
  if (typeof output === 'string') return output;
  if (typeof output === 'object' && !Array.isArray(output)) {
    const keys = Object.keys(output);
    if (keys.length === 1) return cleanScalar((output as Record<string, unknown>)[keys[0]!]);
  }
  return JSON.stringify(output);
}

function cleanScalar(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Appends outcomes to the statement's output table (buffered; flushed before the result is read). */
export function appendOutcomes(
  out: BufferedAppender,
  outcomes: readonly RowOutcome[],
  onError: OnError,
): Promise<void> {
  return out.append(outcomes.length, (appender) => {
    for (const o of outcomes) {
      appender.appendBigInt(BigInt(o.index));
      if (o.ok) {
        appendNullable(appender, cleanValue(o.output));
        appendNullable(appender, o.output === undefined ? null : JSON.stringify(o.output));
        appender.appendNull();
        appender.appendNull();
      } else {
        appendNullable(appender, onError === 'keep' ? `ERROR: ${o.error}` : null);
        appender.appendNull();
        appendNullable(appender, o.error ?? 'failed');
        appendNullable(appender, o.errorCode ?? null);
      }
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

function typedExpr(col: TypedColumn): { value: string; problem: string } {
  const path = fieldPath(col.name);
  const raw = `json_extract(o.json, ${path})`;
  const isJson = /^JSON$/i.test(col.type);
  const value = isJson ? raw : `TRY_CAST(json_extract_string(o.json, ${path}) AS ${col.type})`;
  const label = quoteString(col.name);
  const problem = `CASE WHEN o.error IS NOT NULL THEN NULL
    WHEN ${raw} IS NULL THEN 'column ' || ${label} || ': missing from the output'
    WHEN json_type(${raw}) <> 'NULL' AND ${value} IS NULL
      THEN 'column ' || ${label} || ': cannot cast ' || json_extract_string(o.json, ${path}) || ' to ${col.type}'
    END`;
  return { value: `${value} AS ${quoteIdent(col.name)}`, problem };
}

/** The SELECT that produces the MAP result (with index and error columns, for the caller to trim). */
export function resultSelect(inputTable: string, outputTable: string, output: MapOutput): string {
  let cols: string;
  let error = 'o.error';
  if (output.kind === 'single') {
    cols = `o.value AS ${quoteIdent(output.name)}`;
  } else {
    const typed = output.columns.map(typedExpr);
    cols = typed.map((t) => t.value).join(', ');
    error = `coalesce(o.error, NULLIF(concat_ws('; ', ${typed.map((t) => t.problem).join(', ')}), ''))`;
  }
  return `SELECT i.*, ${cols}, ${error} AS ${ERROR_COLUMN}, i.rowid AS ${INDEX_COLUMN}
    FROM ${inputTable} i LEFT JOIN ${outputTable} o ON o.idx = i.rowid`;
}
