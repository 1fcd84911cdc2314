/**
 * A result whose `wrapAt` asks for it (EXPLAIN's text), with its last
 * column's text wrapped so the table drawn from it is at most `wrapAt`
 * columns wide: the CLI's table (│ a │ b │: each column's text, 3 a column
 * and 1) and psql's aligned output (a column's text, 3 between, its `+`
 * continuation mark) alike. Lines break at spaces; a word longer than the
 * room is cut. The other columns are kept as they are.
 */
import { type QueryResult, rowKeys } from '../db/query-result.js';

/** The least room the last column is given, however wide the others are. */
const MIN_LAST_COLUMN = 24;

const width = (text: string) => Array.from(text).length;

export function wrappedResult(result: QueryResult): QueryResult {
  const at = result.wrapAt;
  if (at === undefined || result.columns.length === 0) return result;
  const keys = rowKeys(result.columns);
  const last = keys[keys.length - 1]!;
  let fixed = 3 * result.columns.length + 1;
  for (let i = 0; i < keys.length - 1; i++) {
    let widest = width(result.columns[i]!.name);
    for (const row of result.rows) {
      const v = row[keys[i]!];
      if (typeof v === 'string') for (const line of v.split('\n')) widest = Math.max(widest, width(line));
    }
    fixed += widest;
  }
  const room = Math.max(MIN_LAST_COLUMN, at - fixed);
  return {
    columns: result.columns,
    rows: result.rows.map((row) => {
      const v = row[last];
      return typeof v === 'string' ? { ...row, [last]: wrapText(v, room) } : row;
    }),
  };
}

/** `text` with every line at most `room` characters: broken at spaces, a longer word cut. */
export function wrapText(text: string, room: number): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    let current = '';
    for (const word of line.split(' ')) {
      let rest = Array.from(word);
      const joined = current === '' ? rest.length : width(current) + 1 + rest.length;
      if (joined <= room) {
        current = current === '' ? word : `${current} ${word}`;
        continue;
      }
      if (current !== '') out.push(current);
      current = '';
      while (rest.length > room) {
        out.push(rest.slice(0, room).join(''));
        rest = rest.slice(room);
      }
      current = rest.join('');
    }
    out.push(current);
  }
  return out.join('\n');
}
