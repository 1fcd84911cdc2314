/**
 * The result cache: an in-memory LRU in front of the persistent
 * `rvbbit.cache` table, so a re-run of an interrupted MAP resumes from the
 * rows that finished (design.md, "Cache, sessions, observability"). With a
 * database file, every answer is also in the answer log (answer-log.ts) from
 * the moment it is stored until the table has committed it, so a kill -9
 * loses none.
 */
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBTimestampValue,
  listValue,
} from '@duckdb/node-api';
import { BufferedAppender } from '../db/buffered-appender.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import { FILE_STORE, ROWS_COMMITTED_WITHIN_MS, type RvbbitStore } from '../obs/schema.js';
import { LruCache } from '../runtime/lru-cache.js';
import { AnswerFlights } from './answer-flights.js';
import { AnswerLog, answerLine, answerLogPath, type LoggedAnswer, readAnswerLog } from './answer-log.js';

export interface ResultCacheOptions {
  readonly maxEntries?: number;
  readonly maxBytes?: number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  evictions: number;
  entries: number;
  bytes: number;
}

export interface CacheWrite {
  readonly key: string;
  readonly cascadeId: string;
  readonly value: string;
  /** Time to live in ms; undefined = never expires. */
  readonly ttlMs?: number;
  /** The run that made the answer, named in the log rows of rows that find it just landed (recall). */
  readonly sessionId?: string;
}

/** An answer in memory, as a row that finds it just landed takes it: its text and the run that made it. */
export interface Recalled {
  readonly value: string;
  /** '' when the run is not known any more (older than the last RECENT_SESSIONS answers). */
  readonly sessionId: string;
}

const NEVER = Number.POSITIVE_INFINITY;
/**
 * Answers whose run this process remembers for recall: a row finds an answer
 * just landed within one input page of its call's landing, so a few pages'
 * worth suffice, and the memory stays a bounded ~0.5 MB however long the MAP.
 */
const RECENT_SESSIONS = 4096;

/** Entries stored together, with when they were stored and when they expire (ms; NEVER = no expiry). */
interface StoredBatch {
  readonly entries: readonly (CacheWrite & { readonly createdAt: number; readonly expiresAt: number })[];
  /** The entries as answer-log lines. */
  readonly lines: string;
  /** In the appender (the next commit covers it); else still waiting in the connection's queue. */
  appended: boolean;
}

function timestamp(ms: number): DuckDBTimestampValue {
  return new DuckDBTimestampValue(BigInt(Math.round(ms)) * 1000n);
}

export class ResultCache {
  /** Calls in flight by cache key, for every statement of the engine (answer-flights.ts). */
  readonly flights = new AnswerFlights();
  private readonly lru: LruCache<string>;
  private readonly rows: BufferedAppender;
  /** Stored but not yet flushed to rvbbit.cache: found here, so a lookup never forces a commit. */
  private readonly unflushed = new Map<string, { readonly value: string; readonly expiresAt: number }>();
  /** The run that made each of the last RECENT_SESSIONS answers stored, oldest first. */
  private readonly recentSessions = new Map<string, string>();
  /** Batches stored and not committed to the table yet, in the order stored. */
  private uncommitted: StoredBatch[] = [];
  /** The answer log, once open (a database file only). */
  private log: AnswerLog | undefined;
  /** Resolves once an earlier run's answer log is replayed into the table (lookups wait for it). */
  private readonly ready: Promise<void>;
  /** Whether stores write answer-log lines: a database file's log is open, or being opened. */
  private logging: boolean;
  private hits = 0;
  private misses = 0;
  /** The figures `rvbbit.cache_stats` holds now, as written by the last publishStats. */
  private published: string | undefined;
  /** The figures at the last statement's end (noteStats), and when they last changed. */
  private noted: { readonly figures: string; readonly at: number } = { figures: '', at: 0 };

  /** `con` is the engine's system connection, never the one streaming user rows. */
  constructor(
    private readonly q: ConnectionQueue,
    options: ResultCacheOptions = {},
    store: RvbbitStore = FILE_STORE,
  ) {
    this.lru = new LruCache(options.maxEntries ?? 200_000, options.maxBytes ?? 128 * 1024 * 1024);
    this.rows = new BufferedAppender(q, 'cache', {
      schema: store.schema,
      catalog: store.catalog,
      maxDelayMs: store.durableWithinMs ?? ROWS_COMMITTED_WITHIN_MS,
      onFlush: () => this.flushed(),
    });
    this.logging = store.catalog === null;
    this.ready = (this.logging ? this.openLog(store) : Promise.resolve()).then(() => this.countTable());
  }

  /**
   * Whether `rvbbit.cache` held answers when the cache opened (a database file's earlier runs,
   * answers replayed from the log), or a statement has named it since (it may have written to
   * it): until then, and while memory has let no answer go (tableMayHoldMore), every answer in
   * the table is in memory too.
   */
  private tableHeldMore = true;

  private async countTable(): Promise<void> {
    try {
      const r = await this.q.run((con) =>
        con.runAndReadAll('SELECT EXISTS (SELECT 1 FROM rvbbit.cache) AS held'),
      );
      this.tableHeldMore = r.getRowObjectsJS()[0]?.held !== false;
    } catch {
      this.tableHeldMore = true;
    }
  }

  /**
   * Whether a key memory lacks may still be in the table. When not, lookup asks DuckDB nothing:
   * reading the table for a statement's new keys scans all of it (its keys are hashes, so no
   * zone map prunes), ~5 ms a 100-row statement at 12,000 answers and growing with them, a
   * quarter of a small semantic statement's time with the cache on (the default).
   */
  private tableMayHoldMore(): boolean {
    return this.tableHeldMore || this.lru.evictions > 0 || this.lru.refused > 0;
  }

  /**
   * Replays the answer log a crash left beside the database file into
   * `rvbbit.cache`, then keeps it for this run. Without a log (a read-only
   * folder) answers are still committed within `durableWithinMs`.
   */
  private async openLog(store: RvbbitStore): Promise<void> {
    try {
      await this.replayLog(store);
    } catch (err) {
      warnNoLog(err);
    } finally {
      this.logging = this.log !== undefined;
    }
  }

  /** Finds the database file, replays its answer log if a crash left one, and opens it for this run. */
  private async replayLog(store: RvbbitStore): Promise<void> {
    const database = await this.q.run(async (con) => {
      const r = await con.runAndReadAll(
        'SELECT path FROM duckdb_databases() WHERE database_name = current_database()',
      );
      return r.getRowObjectsJS()[0]?.path;
    });
    if (typeof database !== 'string' || database === '' || database === ':memory:') return;
    const path = answerLogPath(database);
    const replayed = readAnswerLog(path);
    if (replayed.length > 0) await this.q.run((con) => insertAnswers(con, store, replayed));
    this.log = new AnswerLog(path);
    // The replayed answers are committed: the log keeps only this run's, not yet committed.
    this.log.committed(this.uncommitted.map((b) => b.lines).join(''));
  }

  /** Looks keys up (memory first, then the table); counts a hit or miss per key unless `count` is false (EXPLAIN). */
  async lookup(keys: readonly string[], count = true): Promise<Map<string, string>> {
    await this.ready;
    const found = new Map<string, string>();
    const now = Date.now();
    const cold: string[] = [];
    for (const key of keys) {
      const pending = this.unflushed.get(key);
      const v = this.lru.get(key, now) ?? (pending && pending.expiresAt > now ? pending.value : undefined);
      if (v !== undefined) found.set(key, v);
      else cold.push(key);
    }
    if (cold.length > 0 && this.tableMayHoldMore()) {
      const reader = await this.q.run((con) =>
        con.runAndReadAll(
          `SELECT key, arg_max(value, created_at) AS value, epoch_ms(max(expires_at)) AS exp
         FROM rvbbit.cache
         WHERE key IN (SELECT unnest($1::VARCHAR[])) AND (expires_at IS NULL OR expires_at > now()::TIMESTAMP)
         GROUP BY key`,
          [listValue(cold)],
        ),
      );
      for (const row of reader.getRowObjectsJS()) {
        const key = row.key as string;
        const value = row.value as string;
        found.set(key, value);
        const exp = row.exp == null ? NEVER : Number(row.exp);
        this.lru.set(key, value, key.length + value.length, exp);
      }
    }
    if (!count) return found;
    for (const key of keys) {
      if (found.has(key)) this.hits++;
      else this.misses++;
    }
    return found;
  }

  /**
   * The value in memory for `key`, counting nothing: a row that missed its
   * lookup checks again here when it finds no call in flight, since one may
   * have landed while the lookup read the table.
   */
  recall(key: string): Recalled | undefined {
    const now = Date.now();
    const pending = this.unflushed.get(key);
    const value = this.lru.get(key, now) ?? (pending && pending.expiresAt > now ? pending.value : undefined);
    return value === undefined ? undefined : { value, sessionId: this.recentSessions.get(key) ?? '' };
  }

  /**
   * Memory-only lookup, synchronous: for code that cannot await (a DuckDB
   * function answering inside a running query). Counts hits and misses.
   */
  peek(keys: readonly string[]): Map<string, string> {
    const found = new Map<string, string>();
    const now = Date.now();
    for (const key of keys) {
      const v = this.lru.get(key, now);
      if (v === undefined) this.misses++;
      else {
        this.hits++;
        found.set(key, v);
      }
    }
    return found;
  }

  /**
   * Stores finished results: in memory before it returns (a lookup, or a row
   * whose call just landed, finds them at once), in the table buffered
   * (flushed before lookups and stats).
   */
  store(entries: readonly CacheWrite[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const now = Date.now();
    const stored = entries.map((e) => ({
      ...e,
      createdAt: now,
      expiresAt: e.ttlMs === undefined ? NEVER : now + e.ttlMs,
    }));
    let lines = '';
    for (const e of stored) {
      if (e.sessionId) this.rememberSession(e.key, e.sessionId);
      this.lru.set(e.key, e.value, e.key.length + e.value.length, e.expiresAt);
      this.unflushed.set(e.key, { value: e.value, expiresAt: e.expiresAt });
      if (this.logging) lines += answerLine({ ...e, expiresAt: e.expiresAt === NEVER ? null : e.expiresAt });
    }
    // On disk before the answers are used: a crash from here on keeps them.
    this.logged((log) => log.append(lines));
    const batch: StoredBatch = { entries: stored, lines, appended: false };
    this.uncommitted.push(batch);
    return this.rows.append(stored.length, (appender) => {
      batch.appended = true;
      for (const e of stored) appendRow(appender, e);
    });
  }

  private rememberSession(key: string, sessionId: string): void {
    this.recentSessions.delete(key);
    this.recentSessions.set(key, sessionId);
    if (this.recentSessions.size > RECENT_SESSIONS) {
      this.recentSessions.delete(this.recentSessions.keys().next().value as string);
    }
  }

  /**
   * After a commit: what was appended is in the table; what still waits for
   * the appender stays in memory and in the answer log.
   */
  private flushed(): void {
    this.uncommitted = this.uncommitted.filter((b) => !b.appended);
    this.unflushed.clear();
    for (const batch of this.uncommitted) {
      for (const e of batch.entries) this.unflushed.set(e.key, { value: e.value, expiresAt: e.expiresAt });
    }
    this.logged((log) => log.committed(this.uncommitted.map((b) => b.lines).join('')));
  }

  /** `op` on the answer log; if it fails (a full disk), the log is dropped, with a warning, and statements go on. */
  private logged(op: (log: AnswerLog) => void): void {
    if (!this.log) return;
    try {
      op(this.log);
    } catch (err) {
      this.log = undefined;
      this.logging = false;
      warnNoLog(err);
    }
  }

  async close(): Promise<void> {
    await this.ready;
    await this.rows.close();
    this.logged((log) => log.close());
    this.log = undefined;
  }

  stats(): CacheStats {
    return {
      hits: this.hits,
      misses: this.misses,
      evictions: this.lru.evictions,
      entries: this.lru.size,
      bytes: this.lru.bytes,
    };
  }

  /**
   * At a statement's end: the figures, and when they last changed (`updated_at`), noted in
   * memory; `rvbbit.cache_stats` gets them when a statement names it (publishStats). Written at
   * every statement's end, the DELETE and INSERT were two commits, a tenth of a 100-row operator
   * statement's wall at latency 0, for a table few statements read.
   */
  noteStats(): void {
    const s = this.stats();
    const figures = `${s.hits}, ${s.misses}, ${s.evictions}, ${s.entries}, ${s.bytes}`;
    if (figures !== this.noted.figures) this.noted = { figures, at: Date.now() };
  }

  /**
   * Writes the figures to `rvbbit.cache_stats` (one row) so SQL can read them: before a
   * statement that names the table (engine/system-tables.ts). Unchanged figures are not written
   * again.
   */
  async publishStats(): Promise<void> {
    this.noteStats();
    const { figures, at } = this.noted;
    if (figures === this.published) return;
    await this.q.run((con) =>
      con.run(
        `DELETE FROM rvbbit.cache_stats;
       INSERT INTO rvbbit.cache_stats VALUES (${figures}, make_timestamp(${at * 1000}::BIGINT));`,
      ),
    );
    this.published = figures;
  }

  /**
   * Commits the answers stored so far to `rvbbit.cache`: before a statement that names the table.
   * Lookups need no commit (they read the answers not yet committed from memory), and a crash
   * loses none (the answer log; a database file's appender commits within `durableWithinMs`).
   */
  commitRows(): Promise<void> {
    // The statement may write to the table too: its rows are then answers memory does not hold.
    this.tableHeldMore = true;
    return this.rows.flush();
  }
}

/** Answers an earlier run logged and did not commit, into the cache table (committed on return). */
async function insertAnswers(
  con: DuckDBConnection,
  store: RvbbitStore,
  answers: readonly LoggedAnswer[],
): Promise<void> {
  const appender = await con.createAppender('cache', store.schema, store.catalog);
  for (const a of answers) appendRow(appender, a);
  appender.closeSync();
}

/** One `rvbbit.cache` row; `expiresAt` null or NEVER: no expiry. */
function appendRow(
  appender: DuckDBAppender,
  a: Pick<LoggedAnswer, 'key' | 'cascadeId' | 'value' | 'createdAt'> & { readonly expiresAt: number | null },
): void {
  appender.appendVarchar(a.key);
  appender.appendVarchar(a.cascadeId);
  appender.appendVarchar(a.value);
  appender.appendTimestamp(timestamp(a.createdAt));
  if (a.expiresAt === null || a.expiresAt === NEVER) appender.appendNull();
  else appender.appendTimestamp(timestamp(a.expiresAt));
  appender.appendInteger(a.key.length + a.value.length);
  appender.endRow();
}

function warnNoLog(err: unknown): void {
  process.emitWarning(`answer log not kept (answers are committed within the commit interval): ${err}`, {
    code: 'RVBBIT_ANSWER_LOG',
  });
}
