/**
 * The plain table `rvbbit eval` and `rvbbit tune` print: one line per set-up, a column for each
 * figure at least one line has, dollars as the cost line writes them (`unknown` for an unpriced
 * model, never 0), and a footer saying what the lines were measured against.
 */
import { dollarsText } from '../../base/dollars.js';

export function figuresTable<Row extends object>(
  rows: readonly Row[],
  cols: readonly (keyof Row & string)[],
  footer: string,
): string {
  const used = cols.filter((c) => rows.some((r) => r[c] !== undefined));
  const cells = rows.map((r) =>
    used.map((c) => {
      const v = r[c] as unknown;
      if (c === 'dollars') return dollarsText(v as number | null);
      if (typeof v === 'boolean') return v ? 'yes' : '';
      return v === undefined || v === null ? '' : String(v);
    }),
  );
  const width = used.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: readonly string[]) =>
    vals
      .map((v, i) => v.padEnd(width[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(used), ...cells.map(line)].join('\n')}\n${footer}\n`;
}
