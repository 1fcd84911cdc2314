/** A readable terminal table for the demo (cli-table3), values printed the way DuckDB prints them. */
import Table from 'cli-table3';
import type { QueryResult } from 'rvbbit';

function show(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (v instanceof Date)
    return v
      .toISOString()
      .replace('T', ' ')
      .replace(/\.000Z$|Z$/, '');
  if (typeof v === 'number')
    return Number.isInteger(v) || Math.abs(v) >= 1 ? String(v) : String(Number(v.toPrecision(3)));
  if (typeof v === 'object') return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x));
  return String(v);
}

export function printTable(result: QueryResult, maxRows = 12, maxWidth = 48): void {
  const table = new Table({ head: result.columns.map((c) => c.name), style: { head: ['cyan'] } });
  for (const row of result.rows.slice(0, maxRows)) {
    table.push(
      result.columns.map((c) => {
        const text = show(row[c.name]);
        return text.length > maxWidth ? `${text.slice(0, maxWidth - 1)}…` : text;
      }),
    );
  }
  console.log(table.toString());
  if (result.rows.length > maxRows) console.log(`(${result.rows.length} rows, first ${maxRows} shown)`);
}
