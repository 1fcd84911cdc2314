/**
 * A result as text written batch by batch as its rows arrive (the CLI's and
 * the REPL's streamed output): what each format writes before the first row,
 * for each batch, and after the last. The text is the same, byte for byte,
 * as render-result.ts gives for the whole result, except that a table longer
 * than TABLE_HOLD_ROWS is printed in blocks (see TableWriter).
 */
import { type ResultColumn, rowKeys } from '../db/query-result.js';
import type { OutputFormat } from './output-format.js';
import { csvHeader, csvLines, jsonRowOf, rowCountLine, tableBlock } from './render-result.js';

type Row = Record<string, unknown>;

export interface ResultWriter {
  /** Text before the first row, once the columns are known. */
  begin(columns: readonly ResultColumn[]): string;
  /** Text for the next batch of rows. */
  rows(rows: readonly Row[]): string;
  /** Text after the last row. */
  end(): string;
}

/**
 * Rows the table format holds to size its columns. A longer result is
 * printed in blocks of this many rows, each sized on its own (as psql does
 * with FETCH_COUNT), so the table format holds at most this many rows
 * however long the result; `onBlocks` is told once, when that starts.
 */
export const TABLE_HOLD_ROWS = 1000;

export interface WriterOptions {
  /** table: told once when a result outgrows TABLE_HOLD_ROWS and prints in blocks. */
  readonly onBlocks: () => void;
  /** json: how deep the array of rows sits in the document (1 inside the array of several results), for its indent. */
  readonly depth?: number;
  /**
   * The position of a MAP's `_error` column, which `engine.query` shows only
   * when some row failed: json and ndjson leave it out of a row that did not
   * fail, the table leaves it out of a result it held whole with none failed.
   * CSV keeps it: its header is written before any row is known.
   */
  readonly errorColumn?: number;
}

/** A writer for `format`. */
export function resultWriter(format: OutputFormat, o: WriterOptions): ResultWriter {
  switch (format) {
    case 'table':
      return new TableWriter(o.onBlocks, o.errorColumn);
    case 'csv':
      return new CsvWriter();
    case 'json':
      return new JsonArrayWriter(o.depth ?? 0, o.errorColumn);
    case 'ndjson':
      return new NdjsonWriter(o.errorColumn);
  }
}

/** A row as JSON values, without the `_error` key when it is null. */
function jsonRowWithout(
  columns: readonly ResultColumn[],
  keys: readonly string[],
  row: Row,
  errorColumn: number | undefined,
): Row {
  const json = jsonRowOf(columns, keys, row);
  if (errorColumn !== undefined && json[keys[errorColumn]!] === null) delete json[keys[errorColumn]!];
  return json;
}

class CsvWriter implements ResultWriter {
  private columns: readonly ResultColumn[] = [];
  begin(columns: readonly ResultColumn[]): string {
    this.columns = columns;
    return csvHeader(columns);
  }
  rows(rows: readonly Row[]): string {
    return csvLines(this.columns, rows);
  }
  end(): string {
    return '';
  }
}

class NdjsonWriter implements ResultWriter {
  private columns: readonly ResultColumn[] = [];
  private keys: readonly string[] = [];
  constructor(private readonly errorColumn: number | undefined) {}
  begin(columns: readonly ResultColumn[]): string {
    this.columns = columns;
    this.keys = rowKeys(columns);
    return '';
  }
  rows(rows: readonly Row[]): string {
    let text = '';
    for (const row of rows)
      text += `${JSON.stringify(jsonRowWithout(this.columns, this.keys, row, this.errorColumn))}\n`;
    return text;
  }
  end(): string {
    return '';
  }
}

/** One JSON array of row objects, laid out as JSON.stringify(rows, null, 2) lays it out at `depth`. */
class JsonArrayWriter implements ResultWriter {
  private columns: readonly ResultColumn[] = [];
  private keys: readonly string[] = [];
  private empty = true;
  private readonly pad: string;

  constructor(
    private readonly depth: number,
    private readonly errorColumn: number | undefined,
  ) {
    this.pad = '  '.repeat(depth + 1);
  }
  begin(columns: readonly ResultColumn[]): string {
    this.columns = columns;
    this.keys = rowKeys(columns);
    return '[';
  }
  rows(rows: readonly Row[]): string {
    let text = '';
    for (const row of rows) {
      // A newline inside a JSON string is escaped, so every newline here is layout.
      const json = JSON.stringify(
        jsonRowWithout(this.columns, this.keys, row, this.errorColumn),
        null,
        2,
      ).replace(/\n/g, `\n${this.pad}`);
      text += `${this.empty ? '' : ','}\n${this.pad}${json}`;
      this.empty = false;
    }
    return text;
  }
  end(): string {
    return this.empty ? ']' : `\n${'  '.repeat(this.depth)}]`;
  }
}

/**
 * The aligned table. It holds up to TABLE_HOLD_ROWS rows: a result that ends
 * within them prints as one table; a longer one prints a block each time
 * that many are held, and the row count after the last.
 */
class TableWriter implements ResultWriter {
  private columns: readonly ResultColumn[] = [];
  private held: Row[] = [];
  private count = 0;
  private inBlocks = false;

  constructor(
    private readonly onBlocks: () => void,
    private readonly errorColumn: number | undefined,
  ) {}

  begin(columns: readonly ResultColumn[]): string {
    this.columns = columns;
    return '';
  }
  rows(rows: readonly Row[]): string {
    if (this.columns.length === 0) return '';
    let text = '';
    for (const row of rows) {
      if (this.held.length === TABLE_HOLD_ROWS) {
        if (!this.inBlocks) this.onBlocks();
        this.inBlocks = true;
        text += this.block();
      }
      this.held.push(row);
      this.count++;
    }
    return text;
  }
  end(): string {
    if (this.columns.length === 0) return '';
    if (!this.inBlocks && this.errorColumn !== undefined && !this.anyFailed()) {
      // Held whole and no row failed: the table engine.query would give, without `_error`.
      this.columns = this.columns.filter((_, i) => i !== this.errorColumn);
    }
    const last = this.held.length > 0 || !this.inBlocks ? this.block() : '';
    return `${last}${rowCountLine(this.count)}`;
  }
  private anyFailed(): boolean {
    const key = rowKeys(this.columns)[this.errorColumn!]!;
    return this.held.some((r) => r[key] !== null && r[key] !== undefined);
  }
  private block(): string {
    // Rows are keyed by rowKeys of every column; a dropped last column leaves the others' keys as they were.
    const text = tableBlock({ columns: this.columns, rows: this.held });
    this.held = [];
    return text;
  }
}
