/**
 * A query result as text: an aligned table for a terminal, CSV, a JSON array
 * or one JSON object per line. Values go through `valueText`, so they read as
 * DuckDB prints them. Columns are read by position (rowKeys), so same-named
 * columns keep their own values; in JSON their keys are the row objects'
 * (`a`, `a:1`), as `engine.query` gives them.
 */
import Table from 'cli-table3';
import { type QueryResult, type ResultColumn, rowKeys } from '../db/query-result.js';
import type { OutputFormat } from './output-format.js';
import { valueText } from './value-text.js';
import { wrappedResult } from './wrap-result.js';

export { isOutputFormat, OUTPUT_FORMATS, type OutputFormat } from './output-format.js';

export function renderResult(result: QueryResult, format: OutputFormat): string {
  switch (format) {
    case 'table':
      return renderTable(wrappedResult(result));
    case 'csv':
      return renderCsv(result);
    case 'json':
      return `${JSON.stringify(
        result.rows.map((r) => jsonRow(result, r)),
        null,
        2,
      )}\n`;
    case 'ndjson':
      return result.rows.map((r) => `${JSON.stringify(jsonRow(result, r))}\n`).join('');
  }
}

/** Several results as one JSON document: an array of each result's rows. */
export function renderJsonResults(results: readonly QueryResult[]): string {
  return `${JSON.stringify(
    results.map((result) => result.rows.map((r) => jsonRow(result, r))),
    null,
    2,
  )}\n`;
}

const NUMERIC = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|DOUBLE|FLOAT|REAL|DECIMAL\b.*)$/i;

function renderTable(result: QueryResult): string {
  if (result.columns.length === 0) return '';
  return `${tableBlock(result)}${rowCountLine(result.rows.length)}`;
}

/** The footer under a table: how many rows it had. */
export function rowCountLine(n: number): string {
  return `(${n} row${n === 1 ? '' : 's'})\n`;
}

/** The aligned table of a result's columns and rows, without the row count under it. */
export function tableBlock(result: QueryResult): string {
  // cli-table3 separates every row or none; draw none and add the line under the header.
  const table = new Table({
    style: { head: [], border: [] },
    colAligns: result.columns.map((c) => (NUMERIC.test(c.type) ? 'right' : 'left')),
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  table.push(result.columns.map((c) => c.name));
  const keys = rowKeys(result.columns);
  for (const row of result.rows) {
    table.push(result.columns.map((c, i) => valueText(row[keys[i]!], c.type) ?? 'NULL'));
  }
  const lines = table.toString().split('\n');
  const top = lines[0]!;
  lines.splice(2, 0, top.replace('┌', '├').replace(/┬/g, '┼').replace('┐', '┤'));
  return `${lines.join('\n')}\n`;
}

export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function renderCsv(result: QueryResult): string {
  return `${csvHeader(result.columns)}${csvLines(result.columns, result.rows)}`;
}

/** The CSV header line: the column names. */
export function csvHeader(columns: readonly ResultColumn[]): string {
  return `${columns.map((c) => csvField(c.name)).join(',')}\n`;
}

/** CSV lines of rows keyed by `columns` (rowKeys); NULL is an empty field. */
export function csvLines(columns: readonly ResultColumn[], rows: readonly Record<string, unknown>[]): string {
  const keys = rowKeys(columns);
  let text = '';
  for (const row of rows) {
    text += `${columns.map((c, i) => csvField(valueText(row[keys[i]!], c.type) ?? '')).join(',')}\n`;
  }
  return text;
}

/** JSON keeps numbers, booleans and nesting; BIGINT, dates and blobs become DuckDB's text. */
function jsonValue(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  if (value instanceof Date || value instanceof Uint8Array) return valueText(value, type);
  if (Array.isArray(value)) return value.map((v) => jsonValue(v, ''));
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v, '')]));
  }
  return String(value);
}

function jsonRow(result: QueryResult, row: Record<string, unknown>): Record<string, unknown> {
  return jsonRowOf(result.columns, rowKeys(result.columns), row);
}

/** A row as JSON values, keyed by `keys` (rowKeys of `columns`). */
export function jsonRowOf(
  columns: readonly ResultColumn[],
  keys: readonly string[],
  row: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(columns.map((c, i) => [keys[i]!, jsonValue(row[keys[i]!], c.type)]));
}
