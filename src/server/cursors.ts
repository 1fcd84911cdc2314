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
 * BINARY is accepted and ignored by FETCH (rows are sent in the client's
 * format).
 *
 * A cursor is also a portal of the extended protocol, as in Postgres:
 * Describe, Execute and Close name it (psycopg 3's named cursors describe the
 * portal their DECLARE made), a BINARY one in binary. `pg_cursors` lists the
 * open ones: a TEMP view, written afresh before a statement that reads it.
 */

import { RvbbitError } from '../../base/errors.js';
import { withoutLeadingComments } from '../../grammar/sql-scan.js';
import type { ResultColumn } from '../db/query-result.js';
import { quoteString } from '../db/sql-text.js';
import type { Session } from '../engine/session.js';
import type { Completion } from './command-tag.js';
import { ArraySource, cursorError, openStream, type RowSource, StreamSource } from './cursor-source.js';
import { classifyStatement, type StatementClass } from './statement-class.js';
import type { RunContext, StatementOutcome } from './statement-runner.js';

interface Cursor {
  readonly source: RowSource;
  readonly hold: boolean;
  readonly binary: boolean;
  /** The DECLARE as the client sent it (pg_cursors.statement). */
  readonly statement: string;
  readonly created: Date;
}

/** What the extended protocol sees of a cursor named in Describe or Execute. */
interface CursorPortal {
  readonly columns: readonly ResultColumn[];
  readonly binary: boolean;
  /** Every row was fetched. */
  readonly done: boolean;
}

/** A statement that reads pg_cursors (the view is written afresh first). */
const READS_PG_CURSORS = /\bpg_cursors\b/i;

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

const strip = (sql: string): string => withoutLeadingComments(sql).trim().replace(/;\s*$/, '');

/** The statements of cursors, which Cursors.run answers. */
const CURSOR_WORDS: ReadonlySet<string> = new Set(['DECLARE', 'FETCH', 'MOVE', 'CLOSE']);

export class Cursors {
  private readonly open = new Map<string, Cursor>();
  /** Portals (extended protocol) that stream: spilled, like cursors, before another statement runs. */
  private readonly streams = new Set<RowSource>();

  /** True if `sql` is DECLARE, FETCH, MOVE or CLOSE, or reads pg_cursors (answered by run). */
  static handles(sql: string, cls: StatementClass): boolean {
    return CURSOR_WORDS.has(cls.first) || READS_PG_CURSORS.test(sql);
  }

  /** The open cursor `name` (as the protocol names it: case kept) as a portal, or undefined. */
  portal(name: string): CursorPortal | undefined {
    const c = this.open.get(name);
    return c && { columns: c.source.columns, binary: c.binary, done: c.source.done };
  }

  /** Close of the portal `name`: closes the cursor if one is open by that name. */
  async closePortal(name: string): Promise<void> {
    const c = this.open.get(name);
    if (!c) return;
    this.open.delete(name);
    await c.source.close();
  }

  /**
   * The columns `sql` returns, for Describe, without running it: FETCH gives
   * its cursor's (none for an unknown cursor: the FETCH fails), the other
   * cursor statements none. undefined: an ordinary statement (it may read
   * pg_cursors: the view is written first, so DuckDB can prepare it).
   */
  async columnsOf(sql: string, session: Session): Promise<readonly ResultColumn[] | undefined> {
    const text = strip(sql);
    const fetch = FETCH.exec(text);
    if (fetch) {
      if (fetch[1]!.toUpperCase() === 'MOVE') return [];
      return this.open.get(cursorName(fetch[3]!))?.source.columns ?? [];
    }
    if (CURSOR_WORDS.has(classifyStatement(sql).first)) return [];
    if (READS_PG_CURSORS.test(sql)) await this.writeView(session);
    return undefined;
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
    if (declare) return this.declare(declare, sql, values, ctx, inBlock, runQuery);
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
    if (READS_PG_CURSORS.test(sql)) {
      await this.writeView(ctx.session);
      return runQuery(sql);
    }
    throw new RvbbitError('DUCKDB_SYNTAX', `syntax error in cursor statement: ${text.slice(0, 80)}`);
  }

  private async declare(
    m: RegExpExecArray,
    statement: string,
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
    const stream = await openStream(session, query, values, settings, params, undefined, ctx.signal, {
      ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
      ...(ctx.onNotice ? { onNotice: ctx.onNotice } : {}),
    });
    const source = stream ?? new ArraySource((await runQuery(query)).result);
    const binary = /\bBINARY\b/.test(options);
    this.open.set(name, { source, hold, binary, statement: statement.trim(), created: new Date() });
    return outcome(undefined, { rows: false, tag: 'DECLARE CURSOR' });
  }

  /**
   * pg_cursors as a TEMP view of the open cursors' values. Written on the
   * session's connection, so open streams are read into memory first, as
   * before any statement.
   */
  private async writeView(session: Session): Promise<void> {
    await this.beforeStatement(false);
    const rows = [...this.open].map(
      ([name, c]) =>
        `SELECT ${quoteString(name)} AS name, ${quoteString(c.statement)} AS statement, ${c.hold} AS is_holdable, ` +
        `${c.binary} AS is_binary, false AS is_scrollable, ${quoteString(c.created.toISOString())}::TIMESTAMPTZ AS creation_time`,
    );
    const none =
      'SELECT NULL::VARCHAR AS name, NULL::VARCHAR AS statement, NULL::BOOLEAN AS is_holdable, ' +
      'NULL::BOOLEAN AS is_binary, NULL::BOOLEAN AS is_scrollable, NULL::TIMESTAMPTZ AS creation_time WHERE false';
    const body = rows.length > 0 ? rows.join(' UNION ALL ') : none;
    await session.connection.run(`CREATE OR REPLACE TEMP VIEW pg_cursors AS ${body}`);
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
