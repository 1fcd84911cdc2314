/**
 * The adversarial round's file attacks on `rvbbit serve`, in each file mode
 * (closed, `--allow-files DIR`, `--allow-all-files`): a hard link to the
 * database reached through ATTACH's `duckdb:` prefix, the logs database
 * attached the same way, the answer log read through a glob, the folder
 * that holds the database written with `PARTITION_BY … OVERWRITE` (which
 * empties it first). Each is refused with 42501; the server is then killed
 * with SIGKILL and the database opens again with every row.
 */
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { start, waitFor } from '../cli/helpers.js';
import { rejection } from './helpers.js';

const ROWS = 3000;

async function refused(c: pg.Client, sql: string): Promise<string> {
  const err = await rejection(c.query(sql));
  assert.is(err.code, '42501', `${sql}: ${err.message}`);
  return err.message;
}

async function rowsAfterRestart(db: string): Promise<number> {
  const engine = await createEngine({ database: db, logs: 'private' });
  try {
    return (await engine.query('SELECT count(*)::INT AS n FROM keep')).rows[0]!.n as number;
  } finally {
    await engine.close();
  }
}

for (const mode of ['closed', 'allow-files', 'allow-all-files'] as const) {
  test(`${mode}: hard link, duckdb: prefix, glob and the database's folder are refused; after kill -9 every row is there`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rvbbit-attack-'));
    const db = join(dir, 'x.duckdb');
    const logs = join(dir, 'x.rvbbit-logs.duckdb');
    const data = `${dir}-data`;
    mkdirSync(data);
    writeFileSync(join(data, 'in.csv'), 'a\n1\n');
    const flags =
      mode === 'allow-files'
        ? ['--allow-files', data]
        : mode === 'allow-all-files'
          ? ['--allow-all-files']
          : [];
    const run = start(['serve', '--db', db, '--port', '0', '--sim', ...flags]);
    try {
      await waitFor(run.out, /listening on postgresql:\/\/127\.0\.0\.1:\d+/);
      const port = Number(/:(\d+) /.exec(run.out())![1]);
      const c = new pg.Client({ host: '127.0.0.1', port, user: 'tester', database: 'rvbbit' });
      c.on('error', () => undefined);
      await c.connect();
      await c.query(`CREATE TABLE keep AS SELECT range AS i FROM range(${ROWS})`);
      // A model call, so that the answer log exists beside the database.
      await c.query(`SELECT 'a red sports car' MEANS 'a vehicle' AS m`);
      assert.ok(existsSync(`${db}.answers`), 'the answer log exists');
      // Hard links made after the server started (the allowed folder is vetted at start only).
      linkSync(db, join(data, 'hard_db'));
      linkSync(logs, join(data, 'hard_logs'));
      const attacks = [
        `ATTACH 'duckdb:${data}/hard_db' AS h`,
        `ATTACH 'duckdb:${data}/hard_logs' AS h`,
        `ATTACH 'duckdb:${db}' AS h`,
        `ATTACH 'duckdb:${logs}' AS l`,
        `ATTACH 'duckdb:${relative(process.cwd(), logs)}' AS l`,
        `SELECT * FROM read_blob('${data}/hard*')`,
        `SELECT * FROM read_blob('${data}/*')`,
        `SELECT * FROM read_text('${dir}/[x].duckdb.answers')`,
        `SELECT * FROM read_text('${dir}/x.duckdb.answ?rs')`,
        `SELECT * FROM glob('${dir}/*')`,
        `SELECT * FROM read_blob('${dir}/x.rvbbit-logs.duck*')`,
        `COPY (SELECT 1 AS a, 2 AS b) TO '${dir}' (FORMAT csv, PARTITION_BY (a), OVERWRITE)`,
        `COPY (SELECT 1 AS a, 2 AS b) TO '${dir}/sub/..' (FORMAT csv, PARTITION_BY (a), OVERWRITE_OR_IGNORE)`,
        `EXPORT DATABASE '${dir}'`,
      ];
      for (const sql of attacks) await refused(c, sql);
      if (mode !== 'closed') {
        // What clients may do still works: the allowed folder, written and read.
        await c.query(
          `COPY (SELECT 1 AS a, 2 AS b) TO '${data}/out' (FORMAT csv, PARTITION_BY (a), OVERWRITE)`,
        );
        assert.equal(readdirSync(join(data, 'out')), ['a=1']);
        const r = await c.query(`SELECT a::INT AS a FROM read_csv('${data}/in*.csv')`);
        assert.equal(r.rows, [{ a: 1 }]);
      }
      await c.query(`INSERT INTO keep SELECT range + ${ROWS} FROM range(${ROWS})`);
      run.child.kill('SIGKILL');
      await run.done;
      await c.end().catch(() => undefined);
      assert.ok(existsSync(db), 'the database file is there');
      assert.is(await rowsAfterRestart(db), 2 * ROWS);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      rmSync(data, { recursive: true, force: true });
    }
  });
}

test.run();
