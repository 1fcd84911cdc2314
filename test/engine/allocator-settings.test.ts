/**
 * DuckDB's allocator gives freed memory back to the system past 8 MB, with a
 * thread of its own (db/spill-settings.ts, ALLOCATOR_SETTINGS): its defaults
 * kept up to 128 MiB (512 MiB after a bulk free) that counted in the
 * process's RSS (issue 66: a 100,000-row CTAS of a MAP peaked at 630 MB
 * against 516 MB with these, bench/paths-breakdown.child.mjs). Real engine,
 * real DuckDB: what DuckDB itself reports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';

for (const inMemory of [true, false]) {
  test(`the engine's DuckDB returns freed memory past 8 MB (${inMemory ? 'in-memory database' : 'database file'})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rvbbit-alloc-'));
    const engine = await createEngine(inMemory ? {} : { database: join(dir, 'db.duckdb') });
    try {
      const r = await engine.query(
        `SELECT current_setting('allocator_flush_threshold') AS flush,
           current_setting('allocator_bulk_deallocation_flush_threshold') AS bulk,
           current_setting('allocator_background_threads') AS background`,
      );
      assert.equal(r.rows, [{ flush: '7.6 MiB', bulk: '7.6 MiB', background: true }]);
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test.run();
