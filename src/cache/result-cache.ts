/**
 * The result cache: an in-memory LRU in front of the persistent
 * `rvbbit.cache` table, so a re-run of an interrupted MAP resumes from the
 * rows that finished (design.md, "Cache, sessions, observability").
 */
import { DuckDBTimestampValue, listValue } from '@duckdb/node-api';
import { BufferedAppender } from '../db/buffered-appender.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import { FILE_STORE, type RvbbitStore } from '../obs/schema.js';
import { AnswerFlights } from './answer-flights.js';
import { LruCache } from './lru-cache.js';

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
}

const NEVER = Number.POSITIVE_INFINITY;

/** Entries stored together, with when they were stored and when they expire (ms; NEVER = no expiry). */
type StoredBatch = readonly (CacheWrite & { readonly createdAt: number; readonly expiresAt: number })[];

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
  /** Batches stored whose rows wait in the connection's queue for the appender (a flush does not cover them). */
  private readonly unappended: StoredBatch[] = [];
  private hits = 0;
  private misses = 0;

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
      maxDelayMs: store.durableWithinMs,
      onFlush: () => this.flushed(),
    });
  }

  /** Looks keys up (memory first, then the table); counts a hit or miss per key unless `count` is false (EXPLAIN). */
  async lookup(keys: readonly string[], count = true): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const now = Date.now();
    const cold: string[] = [];
    for (const key of keys) {
      const pending = this.unflushed.get(key);
      const v = this.lru.get(key, now) ?? (pending && pending.expiresAt > now ? pending.value : undefined);
      if (v !== undefined) found.set(key, v);
      else cold.push(key);
    }
    if (cold.length > 0) {
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
  recall(key: string): string | undefined {
    const now = Date.now();
    const pending = this.unflushed.get(key);
    return this.lru.get(key, now) ?? (pending && pending.expiresAt > now ? pending.value : undefined);
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
    const batch: StoredBatch = entries.map((e) => ({
      ...e,
      createdAt: now,
      expiresAt: e.ttlMs === undefined ? NEVER : now + e.ttlMs,
    }));
    for (const e of batch) {
      this.lru.set(e.key, e.value, e.key.length + e.value.length, e.expiresAt);
      this.unflushed.set(e.key, { value: e.value, expiresAt: e.expiresAt });
    }
    this.unappended.push(batch);
    return this.rows.append(batch.length, (appender) => {
      this.unappended.splice(this.unappended.indexOf(batch), 1);
      for (const e of batch) {
        appender.appendVarchar(e.key);
        appender.appendVarchar(e.cascadeId);
        appender.appendVarchar(e.value);
        appender.appendTimestamp(timestamp(e.createdAt));
        if (e.expiresAt === NEVER) appender.appendNull();
        else appender.appendTimestamp(timestamp(e.expiresAt));
        appender.appendInteger(e.key.length + e.value.length);
        appender.endRow();
      }
    });
  }

  /** After a commit: what was appended is in the table; what still waits for the appender stays in memory. */
  private flushed(): void {
    this.unflushed.clear();
    for (const batch of this.unappended) {
      for (const e of batch) this.unflushed.set(e.key, { value: e.value, expiresAt: e.expiresAt });
    }
  }

  async close(): Promise<void> {
    await this.rows.close();
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

  /** Writes the current figures to `rvbbit.cache_stats` (one row) so SQL can read them. */
  async publishStats(): Promise<void> {
    await this.rows.flush();
    const s = this.stats();
    await this.q.run((con) =>
      con.run(
        `DELETE FROM rvbbit.cache_stats;
       INSERT INTO rvbbit.cache_stats VALUES (${s.hits}, ${s.misses}, ${s.evictions}, ${s.entries}, ${s.bytes}, now()::TIMESTAMP);`,
      ),
    );
  }
}
