/**
 * SQL cursors, as Postgres has them: `DECLARE name [BINARY] [NO SCROLL]
 * CURSOR [WITH HOLD | WITHOUT HOLD] FOR query`, `FETCH` / `MOVE [NEXT | n |
 * ALL | FORWARD [n | ALL]] [FROM | IN] name`, `CLOSE name | ALL`. Forward
 * only (SCROLL and backward fetches are refused). A plain SQL query streams
 * from DuckDB as it is fetched (cursor-source.ts); RVBBIT statements and
 * semantic SELECTs run once at DECLARE and are paged.
 *
 * As in Postgres, a cursor WITHOUT HOLD (the default) exists only inside a
 * transaction block: DECLARE outside one is an error (25P01), and the end of
 * the block closes it. A WITH HOLD cursor outlives the block: its remaining
 * rows are read into memory at the block's end, as Postgres materialises it.
 * BINARY is accepted and ignored (rows are sent in the client's format).
 */
import { RvbbitError } from '../errors.js';
import type { Completion } from './command-tag.js';
import { ArraySource, cursorError, openStream, type RowSource, StreamSource } from './cursor-source.js';
import type { RunContext, StatementOutcome } from './statement-runner.js';

interface Cursor {
  readonly source: RowSource;
  readonly hold: boolean;
}

const DECLARE =
  /^DECLARE\s+("(?:[^"]|"")+"|[A-Za-z_][\w$]*)\s+((?:(?:BINARY|INSENSITIVE|ASENSITIVE|NO\s+SCROLL|SCROLL)\s+)*)CURSOR\s+(?:(WITH|WITHOUT)\s+HOLD\s+)?FOR\s+([\s\S]+)$/i;
const FETCH =
  /^(FETCH|MOVE)\s+(?:(NEXT|ALL|FORWARD(?:\s+(?:ALL|\d+))?|\d+|PRIOR|FIRST|LAST|BACKWARD(?:\s+(?:ALL|\d+))?|ABSOLUTE\s+-?\d+|RELATIVE\s+-?\d+|-\d+)\s+)?(?:(?:FROM|IN)\s+)?("(?:[^"]|"")+"|[A-Za-z_][\w$]*)$/i;
const CLOSE = /^CLOSE\s+(ALL|"(?:[^"]|"")+"|[A-Za-z_][\w$]*)$/i;

/** A cursor name as Postgres folds it: quoted names keep their case. */
function cursorName(raw: string): string {
  return raw.startsWith('"') ? raw.slice(1, -1).replaceAll('""', '"') : raw.toLowerCase();
}

/** How many rows a FETCH direction asks for (Infinity for ALL); backward directions are refused. */
function fetchCount(direction: string | undefined): number {
  const d = (direction ?? 'NEXT').toUpperCase().replace(/\s+/g, ' ');
  if (d === 'NEXT' || d === 'FORWARD') return 1;
  if (d === 'ALL' || d === 'FORWARD ALL') return Number.POSITIVE_INFINITY;
  const n = /^(?:FORWARD )?(\d+)$/.exec(d);
  if (n) return Number(n[1]);
  throw new RvbbitError('CURSOR_NO_SCROLL', `cursor can only scan forward (FETCH ${d} is not supported)`, {
    hint: 'Declare it with SCROLL in Postgres; rvbbit cursors are NO SCROLL.',
  });
}

const strip = (sql: string): string =>
  sql
    .replace(/^(\s*(--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/))*/g, '')
    .trim()
    .replace(/;\s*$/, '');

export class Cursors {
  private readonly open = new Map<string, Cursor>();
  /** Portals (extended protocol) that stream: spilled, like cursors, before another statement runs. */
  private readonly streams = new Set<RowSource>();

  /** True if `sql` is DECLARE, FETCH, MOVE or CLOSE (answered by run). */
  static handles(sql: string): boolean {
    return /^(DECLARE|FETCH|MOVE|CLOSE)\b/i.test(strip(sql));
  }

  /** A portal's stream, spilled with the cursors when another statement needs the connection. */
  track(source: RowSource): void {
    this.streams.add(source);
  }
  untrack(source: RowSource): void {
    this.streams.delete(source);
  }

  /**
   * Before any other statement runs on the session: open streams are read
   * into memory (DuckDB runs one statement per connection at a time). At the
   * end of a transaction block cursors WITHOUT HOLD close.
   */
  async beforeStatement(endsBlock: boolean): Promise<void> {
    for (const [name, c] of this.open) {
      if (endsBlock && !c.hold) {
        this.open.delete(name);
        await c.source.close();
      } else await c.source.spill();
    }
    for (const s of this.streams) await s.spill();
  }

  async closeAll(): Promise<void> {
    const all = [...this.open.values()].map((c) => c.source);
    this.open.clear();
    for (const s of [...all, ...this.streams]) await s.close().catch(() => undefined);
    this.streams.clear();
  }

  /** Runs a cursor statement; `inBlock` is whether a transaction block is open. */
  async run(
    sql: string,
    values: readonly unknown[] | undefined,
    ctx: RunContext,
    inBlock: boolean,
    runQuery: (sql: string) => Promise<StatementOutcome>,
  ): Promise<StatementOutcome> {
    const text = strip(sql);
    const declare = DECLARE.exec(text);
    if (declare) return this.declare(declare, values, ctx, inBlock, runQuery);
    const fetch = FETCH.exec(text);
    if (fetch) return this.fetch(fetch[1]!.toUpperCase(), fetch[2], cursorName(fetch[3]!), ctx.signal);
    const close = CLOSE.exec(text);
    if (close) {
      if (/^ALL$/i.test(close[1]!)) {
        for (const c of this.open.values()) await c.source.close();
        this.open.clear();
      } else {
        const name = cursorName(close[1]!);
        const c = this.open.get(name);
        if (!c) throw cursorError('UNKNOWN_PORTAL', name);
        this.open.delete(name);
        await c.source.close();
      }
      return outcome(undefined, { rows: false, tag: 'CLOSE CURSOR' });
    }
    throw new RvbbitError('DUCKDB_SYNTAX', `syntax error in cursor statement: ${text.slice(0, 80)}`);
  }

  private async declare(
    m: RegExpExecArray,
    values: readonly unknown[] | undefined,
    ctx: RunContext,
    inBlock: boolean,
    runQuery: (sql: string) => Promise<StatementOutcome>,
  ): Promise<StatementOutcome> {
    const name = cursorName(m[1]!);
    const options = m[2]!.toUpperCase();
    const hold = (m[3] ?? '').toUpperCase() === 'WITH';
    const query = m[4]!;
    if (/(^|\s)SCROLL\b/.test(options.replace(/NO\s+SCROLL/g, ''))) {
      throw new RvbbitError('CURSOR_NO_SCROLL', 'rvbbit cursors are NO SCROLL: they can only scan forward');
    }
    if (!hold && !inBlock) {
      throw new RvbbitError(
        'CURSOR_OUTSIDE_TRANSACTION',
        'DECLARE CURSOR can only be used in transaction blocks',
        {
          hint: 'BEGIN first, or DECLARE … CURSOR WITH HOLD.',
        },
      );
    }
    if (this.open.has(name)) throw new RvbbitError('DUPLICATE_CURSOR', `cursor "${name}" already exists`);
    const { session, settings, params } = ctx;
    const stream = await openStream(session, ctx.grammar, query, values, settings, params);
    const source = stream ?? new ArraySource((await runQuery(query)).result);
    this.open.set(name, { source, hold });
    return outcome(undefined, { rows: false, tag: 'DECLARE CURSOR' });
  }

  private async fetch(
    verb: string,
    direction: string | undefined,
    name: string,
    signal: AbortSignal,
  ): Promise<StatementOutcome> {
    const c = this.open.get(name);
    if (!c) throw cursorError('UNKNOWN_PORTAL', name);
    const want = fetchCount(direction);
    if (verb === 'MOVE') {
      let moved = 0;
      while (moved < want && !c.source.done) {
        const got = await read(c.source, Math.min(want - moved, 2048), signal);
        if (got.length === 0) break;
        moved += got.length;
      }
      return outcome(undefined, { rows: false, tag: `MOVE ${moved}` });
    }
    const rows = await read(c.source, want, signal);
    const result = { columns: c.source.columns, rows };
    return outcome(result, { rows: true, tag: `FETCH ${rows.length}` });
  }
}

function read(source: RowSource, n: number, signal: AbortSignal): Promise<Record<string, unknown>[]> {
  return source instanceof StreamSource ? source.fetch(n, signal) : source.fetch(n);
}

function outcome(result: StatementOutcome['result'] | undefined, completion: Completion): StatementOutcome {
  return { result: result ?? { columns: [], rows: [] }, completion };
}
