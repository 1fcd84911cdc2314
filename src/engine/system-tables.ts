/**
 * What a statement reads of the tables the engine writes as it works (the
 * call and statement logs, the result cache and its figures): the engine
 * buffers their rows and commits them when a statement that names one is
 * about to run, rather than at the end of every statement. A commit costs
 * the same for one row as for thousands (DuckDB appends a chunk column by
 * column: ~1.4 ms of the main thread for a log table, ~0.6 for the cache's,
 * and the figures' DELETE and INSERT two more), and the four or five at
 * every statement's end were a quarter of a 100-row semantic statement's
 * wall at latency 0. Rows no statement asks for are committed within 250 ms
 * all the same (obs/schema.ts ROWS_COMMITTED_WITHIN_MS; a database
 * file's store within its `durableWithinMs`), so a view of one's own over a
 * log table sees them by then. A name is matched as text (a false positive
 * costs a commit): a table named only inside such a view is not seen.
 */
import type { EngineShared } from '../dispatch/engine-shared.js';
import { logTablesNamed } from '../obs/private-logs.js';
import type { LogTable } from '../obs/schema.js';

/** `rvbbit.cache` named as a table, not the `cache` option of `-- @ cache: false` or `WITH (cache = false)`. */
const NAMES_CACHE = /\bcache\b(?!\s*[:=])/i;
const NAMES_CACHE_STATS = /cache_stats/i;

/**
 * Commits what the engine holds for the tables `sql` names, so the statement
 * reads every statement that ended before it; returns the log tables named
 * (a session with private logs then refreshes its own copies of them).
 */
export async function systemTablesReadable(shared: EngineShared, sql: string): Promise<LogTable[]> {
  const logs = logTablesNamed(sql);
  if (logs.length > 0) await shared.logs.flush();
  if (NAMES_CACHE_STATS.test(sql)) await shared.cache.publishStats();
  if (NAMES_CACHE.test(sql)) await shared.cache.commitRows();
  return logs;
}
