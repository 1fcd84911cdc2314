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

/**
 * Colour for a terminal only (`npm start > out.txt` gets plain text), never
 * with NO_COLOR set (no-color.org); FORCE_COLOR (other than 0 or false)
 * forces it, e.g. into a pager. cli-table3's colour library decides neither.
 */
export function wantsColour(stream: NodeJS.WriteStream = process.stdout, env = process.env): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return !/^(0|false)$/i.test(env.FORCE_COLOR);
  return stream.isTTY === true && stream.hasColors();
}

export function printTable(result: QueryResult, maxRows = 12, maxWidth = 48): void {
  const style = wantsColour() ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] };
  const table = new Table({ head: result.columns.map((c) => c.name), style });
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
