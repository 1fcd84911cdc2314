/**
 * rvbbit.queries' proxy-guarantee columns (src/obs/guarantee-columns.ts): a database
 * file written before them gains them last, its rows kept with NULLs; a statement's
 * row fills them (an infinite threshold kept as DuckDB's infinity), a statement
 * without a proxy leaves them NULL. The engine filling them from a real run is
 * test/semantic/proxy-accuracy.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConnectionQueue } from '../../src/db/connection-queue.js';
import { GUARANTEE_COLUMNS, type GuaranteeColumns } from '../../src/obs/guarantee-columns.js';
import { LogWriter, type QueryLog } from '../../src/obs/log-writer.js';
import { ensureRvbbitSchema } from '../../src/obs/schema.js';

/** rvbbit.queries as files before the guarantee columns have it (owner and chunks_by added by ALTER). */
const OLD_LAYOUT = `CREATE TABLE rvbbit.queries (
  query_id VARCHAR, text VARCHAR, kind VARCHAR, strategy VARCHAR,
  rows_in BIGINT, rows_out BIGINT, calls BIGINT, cache_hits BIGINT, cost DOUBLE,
  started_at TIMESTAMP, duration_ms DOUBLE, status VARCHAR, error VARCHAR, owner VARCHAR, chunks_by VARCHAR
)`;

const query = (id: string, guarantee?: GuaranteeColumns): QueryLog => ({
  query_id: id,
  text: 'SELECT 1',
  kind: 'semantic',
  strategy: 'batch',
  rows_in: 0,
  rows_out: 1,
  calls: 3,
  cache_hits: 0,
  cost: 0.001,
  started_at: 1_700_000_000_000,
  duration_ms: 4,
  status: 'ok',
  error: null,
  owner: null,
  ...(guarantee ? { guarantee } : {}),
});

const SUPG: GuaranteeColumns = {
  proxy_model: 'small-fast',
  target_recall: 0.9,
  target_precision: 0.9,
  target_accuracy: null,
  target_delta: 0.05,
  sample_draws: 200,
  sample_tuples: 190,
  sample_positives: 41,
  sample_agreement: null,
  threshold_reject: 0.21,
  threshold_accept: Number.POSITIVE_INFINITY,
  error_bound: null,
  proxy_answered: 700,
  big_model_tuples: 1300,
  guarantee_fallback: null,
};

const ACCURACY: GuaranteeColumns = {
  ...SUPG,
  target_recall: null,
  target_precision: null,
  target_accuracy: 0.9,
  sample_positives: null,
  sample_agreement: 0.8,
  threshold_reject: null,
  threshold_accept: 0.83,
  error_bound: 0.095,
};

test('a database file made before: rvbbit.queries gains the guarantee columns last; old rows NULL, new rows filled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-old-queries-'));
  try {
    const file = join(dir, 'old.duckdb');
    {
      const instance = await DuckDBInstance.create(file);
      const con = await instance.connect();
      await con.run('CREATE SCHEMA rvbbit');
      await con.run(OLD_LAYOUT);
      await con.run(
        `INSERT INTO rvbbit.queries VALUES ('old', 'SELECT 0', 'semantic', 'batch', 0, 1, 2, 0, 0.5,
         epoch_ms(1700000000000), 3, 'ok', NULL, NULL, NULL)`,
      );
      con.closeSync();
      instance.closeSync();
    }
    const instance = await DuckDBInstance.create(file);
    const con = await instance.connect();
    try {
      const store = await ensureRvbbitSchema(con);
      // Again: every ALTER is IF NOT EXISTS.
      await ensureRvbbitSchema(con);
      const columns = await con.runAndReadAll(
        `SELECT column_name, column_type FROM (DESCRIBE rvbbit.queries)`,
      );
      assert.equal(columns.getRowObjectsJS().slice(13), [
        { column_name: 'owner', column_type: 'VARCHAR' },
        { column_name: 'chunks_by', column_type: 'VARCHAR' },
        ...GUARANTEE_COLUMNS.map(([column_name, column_type]) => ({ column_name, column_type })),
      ]);
      const logs = new LogWriter(new ConnectionQueue(con), store);
      await logs.query(query('supg', SUPG));
      await logs.query(query('accuracy', ACCURACY));
      await logs.query(query('plain'));
      await logs.query({ ...query('failed'), status: 'error', error: 'x', guarantee: null });
      // Buffered until a reader asks (the engine's: a statement that names the log, engine/system-tables.ts).
      await logs.flush();
      const names = GUARANTEE_COLUMNS.map(([n]) => n).join(', ');
      const r = await con.runAndReadAll(
        `SELECT query_id, calls::INTEGER AS calls, ${names} FROM rvbbit.queries ORDER BY query_id`,
      );
      const nulls = Object.fromEntries(GUARANTEE_COLUMNS.map(([n]) => [n, null]));
      const big = (g: GuaranteeColumns) =>
        Object.fromEntries(
          GUARANTEE_COLUMNS.map(([n, type]) => {
            const v = g[n];
            return [n, type === 'BIGINT' && typeof v === 'number' ? BigInt(v) : v];
          }),
        );
      assert.equal(r.getRowObjectsJS(), [
        { query_id: 'accuracy', calls: 3, ...big(ACCURACY) },
        { query_id: 'failed', calls: 3, ...nulls },
        { query_id: 'old', calls: 2, ...nulls },
        { query_id: 'plain', calls: 3, ...nulls },
        { query_id: 'supg', calls: 3, ...big(SUPG) },
      ]);
      await logs.close();
    } finally {
      con.closeSync();
      instance.closeSync();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
