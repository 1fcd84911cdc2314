/**
 * A MAP written to a table holds its rows in DuckDB, which keeps under the
 * memory bound the engine sets and spills the rest (db/spill-settings.ts):
 * the in-memory database to a private folder under the system's temp folder,
 * removed when the engine closes. Shown at a small size against a low
 * configured bound: a table several times the bound is written, and DuckDB's
 * own counters show it under the bound with the rest on disk. Real engine,
 * real DuckDB, real simulator.
 */
import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { ENGINE_CASCADES, startFixture } from './engine-fixture.js';

const MB = 1024 * 1024;
/** 32,000 rows of ~4 KB text (~60 MB as DuckDB stores it), against a 32 MB bound (16 MB was too tight for DuckDB's own working buffers once: its out-of-memory at 15.0 of 15.2 MiB, with both test lanes busy). */
const ROWS = 32_000;
/** Ten distinct input rows: ten calls, the rest of the rows answered from them. */
const MAP = `CREATE TABLE out AS RVBBIT MAP PARALLEL 10 'label'
  USING (SELECT range % 10 AS k, repeat('spill ', 680) || (range % 10) AS text FROM range(${ROWS}))
  WITH (limit = 0)`;

function numberOf(rows: readonly Record<string, unknown>[], key: string): number {
  return Number(rows[0]![key]);
}

test('the in-memory database spills past the memory bound into its own temp folder, removed at close', async () => {
  const f = await startFixture({}, { memoryLimit: '32MB' });
  let folder = '';
  try {
    const setting = await f.engine.query(
      `SELECT current_setting('temp_directory') AS dir, current_setting('memory_limit') AS lim`,
    );
    folder = String(setting.rows[0]!.dir);
    assert.is(dirname(folder), tmpdir());
    assert.match(basename(folder), new RegExp(`^rvbbit-duckdb-temp-${process.pid}-`));
    assert.is(statSync(folder).mode & 0o777, 0o700);
    assert.match(String(setting.rows[0]!.lim), /^30\.\d MiB$/);

    const meta = await f.engine.query(MAP);
    assert.is(numberOf(meta.rows, 'row_count'), ROWS);
    assert.is(f.sim.stats().requests, 10);
    const memory = await f.engine.query(
      `SELECT sum(memory_usage_bytes)::DOUBLE AS held, sum(temporary_storage_bytes)::DOUBLE AS spilled
       FROM duckdb_memory()`,
    );
    const held = numberOf(memory.rows, 'held');
    const spilled = numberOf(memory.rows, 'spilled');
    assert.ok(held <= 32 * MB, `DuckDB holds ${held} bytes, over its 32 MB bound`);
    assert.ok(spilled > 16 * MB, `DuckDB spilled ${spilled} bytes: the table never passed its bound`);
    // The rows are all there, in input order.
    const check = await f.engine.query(
      `SELECT count(*)::DOUBLE AS n, count(DISTINCT (k, result))::DOUBLE AS answers,
         bool_and(k = rowid % 10) AS ordered FROM out`,
    );
    // One answer per distinct input: each k's rows carry the same one.
    assert.equal(check.rows[0], { n: ROWS, answers: 10, ordered: true });
  } finally {
    await f.close();
  }
  assert.not.ok(existsSync(folder), 'the spill folder is gone after close');
});

test('memoryLimit that DuckDB cannot read is ENGINE_OPTION, naming the option', async () => {
  try {
    await createEngine({ cascadeRoots: [ENGINE_CASCADES], memoryLimit: 'lots' });
    assert.unreachable('the engine started');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'ENGINE_OPTION');
    assert.match((err as Error).message, /^options\.memoryLimit: .*Memory must have a number/);
  }
});

test.run();
