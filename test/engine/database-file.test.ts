/**
 * The engine's database file is attached with row groups of 16,384 rows
 * (db/open-database.ts: DuckDB holds the group a transaction appends to
 * uncompressed until it fills, ~120 MB of ~1 KB rows at its default 122,880;
 * issue 66), and otherwise looks as the file opened directly does: the same
 * databases, the same name, `<file>.tmp` to spill to, every session in the
 * file. A file DuckDB made with its default groups takes rows after them, and
 * DuckDB alone reads back what the engine wrote. Real engine, real DuckDB.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BOUNDED_ROW_GROUP_ROWS } from '../../src/db/open-database.js';
import { createEngine } from '../../src/index.js';

type Rows = readonly Record<string, unknown>[];
const plain = (rows: Rows) =>
  JSON.parse(JSON.stringify(rows, (_, v) => (typeof v === 'bigint' ? Number(v) : v)));

/** The rows of each row group of `table` (its first column's segments summed), in order. */
const GROUPS = (table: string) =>
  `SELECT sum(count)::INT AS n FROM pragma_storage_info('${table}') WHERE column_path = '[0]'
   GROUP BY row_group_id ORDER BY row_group_id`;

/** Runs `use` with DuckDB alone on the file `db` (the engine closed). */
async function withDuckDb<T>(db: string, use: (read: (sql: string) => Promise<Rows>) => Promise<T>) {
  const instance = await DuckDBInstance.create(db);
  const con = await instance.connect();
  try {
    return await use(async (sql) => plain((await con.runAndReadAll(sql)).getRowObjectsJS()));
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

test('a database file: 16,384-row groups, the databases and spill folder of a direct open, DuckDB alone reads it back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-dbfile-'));
  const file = join(dir, 'shop.duckdb');
  try {
    assert.is(BOUNDED_ROW_GROUP_ROWS, 16_384);
    const engine = await createEngine({ database: file });
    try {
      const a = await engine.session();
      const b = await engine.session();
      await a.query(`CREATE TABLE t AS SELECT range AS id, repeat('x', 100) || range AS s FROM range(40000)`);
      assert.equal((await b.query(GROUPS('t'))).rows, [{ n: 16_384 }, { n: 16_384 }, { n: 7_232 }]);
      assert.equal(
        plain(
          (await b.query(`SELECT database_name AS name, path FROM duckdb_databases() WHERE NOT internal`))
            .rows,
        ),
        [{ name: 'shop', path: file }],
      );
      assert.equal(
        (await b.query(`SELECT current_database() AS db, current_setting('temp_directory') AS temp`)).rows,
        [{ db: 'shop', temp: `${file}.tmp` }],
      );
      a.close();
      b.close();
    } finally {
      await engine.close();
    }
    // Checkpointed at close, as a directly opened file is.
    assert.is(existsSync(`${file}.wal`), false);
    const back = await withDuckDb(file, async (read) => ({
      rows: await read('SELECT count(*)::INT AS n, sum(id)::DOUBLE AS ids, max(s) AS top FROM t'),
      names: await read('SELECT database_name AS name FROM duckdb_databases() WHERE NOT internal'),
    }));
    assert.equal(back.rows, [{ n: 40_000, ids: 799_980_000, top: `${'x'.repeat(100)}9999` }]);
    assert.equal(back.names, [{ name: 'shop' }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a file made by DuckDB alone with 122,880-row groups: the engine's rows go after them in 16,384-row groups", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-dbfile-'));
  const file = join(dir, 'old.duckdb');
  try {
    await withDuckDb(file, async (read) => {
      await read('CREATE TABLE t AS SELECT range AS id FROM range(150000)');
      assert.equal(await read(GROUPS('t')), [{ n: 122_880 }, { n: 27_120 }]);
    });
    const engine = await createEngine({ database: file });
    try {
      await engine.query('INSERT INTO t SELECT range FROM range(150000, 190000)');
      assert.equal((await engine.query('SELECT count(*)::INT AS n, sum(id)::DOUBLE AS s FROM t')).rows, [
        { n: 190_000, s: 18_049_905_000 },
      ]);
    } finally {
      await engine.close();
    }
    await withDuckDb(file, async (read) => {
      const groups = (await read(GROUPS('t'))).map((g) => g.n as number);
      // DuckDB's own groups kept as they were (the partial one not filled past 16,384 rows); the
      // engine's 40,000 rows in groups of at most 16,384, so at least three of them.
      assert.equal(groups.slice(0, 2), [122_880, 27_120]);
      assert.ok(
        groups.length >= 5 && groups.slice(2).every((n) => n <= 16_384),
        `groups ${groups.join(', ')}`,
      );
      assert.is(
        groups.reduce((s, n) => s + n, 0),
        190_000,
      );
      assert.equal(
        await read('SELECT count(DISTINCT id)::INT AS n, min(id)::INT AS lo, max(id)::INT AS hi FROM t'),
        [{ n: 190_000, lo: 0, hi: 189_999 }],
      );
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file named like a database DuckDB already has (memory.duckdb) opens directly, as before', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-dbfile-'));
  const file = join(dir, 'memory.duckdb');
  try {
    const engine = await createEngine({ database: file });
    try {
      await engine.query('CREATE TABLE t AS SELECT range AS id FROM range(40000)');
      assert.equal((await engine.query(GROUPS('t'))).rows, [{ n: 40_000 }]);
      assert.equal((await engine.query(`SELECT current_setting('temp_directory') AS temp`)).rows, [
        { temp: `${file}.tmp` },
      ]);
    } finally {
      await engine.close();
    }
    assert.equal(await withDuckDb(file, (read) => read('SELECT count(*)::INT AS n FROM t')), [{ n: 40_000 }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
