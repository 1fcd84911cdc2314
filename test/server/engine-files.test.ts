/**
 * No server client reaches the engine's own files: DuckDB lets every
 * connection open the database file, its WAL and its temp directory even
 * with file access closed, so the server guards its sessions. Each attack is
 * a real client (node-postgres) against a server on a database file; after
 * a restart the file opens and its rows are all there.
 */
import {
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/index.js';
import { type ServerHandle, type ServerOptions, startServer } from '../../src/server/index.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { start, waitFor } from '../cli/helpers.js';
import { EXAMPLE_CASCADES, rejection, startServerFixture } from './helpers.js';

const ROWS = 4000;

interface Served {
  readonly dir: string;
  readonly db: string;
  readonly engine: Engine;
  readonly server: ServerHandle;
  client(): Promise<pg.Client>;
  close(): Promise<void>;
}

let sim: SimulatorHandle;

async function open(db: string): Promise<Engine> {
  return createEngine({
    database: db,
    logs: 'private',
    cascadeRoots: [EXAMPLE_CASCADES],
    provider: { baseUrl: sim.url, model: 'sim-small' },
    threads: 2,
  });
}

/** A server on `<dir>/x.duckdb` whose table `keep` holds ROWS rows (written before the server started). */
async function serve(options: Partial<Omit<ServerOptions, 'engine'>> = {}, dir?: string): Promise<Served> {
  const home = dir ?? mkdtempSync(join(tmpdir(), 'rvbbit-engine-files-'));
  const db = join(home, 'x.duckdb');
  const engine = await open(db);
  await engine.query(`CREATE TABLE IF NOT EXISTS keep AS SELECT range AS i FROM range(${ROWS})`);
  const server = await startServer({ engine, port: 0, ...options }).catch(async (err: unknown) => {
    await engine.close();
    throw err;
  });
  const clients: pg.Client[] = [];
  return {
    dir: home,
    db,
    engine,
    server,
    async client() {
      const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'tester', database: 'rvbbit' });
      c.on('error', () => undefined);
      await c.connect();
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.allSettled(clients.map((c) => c.end()));
      await server.close();
      await engine.close();
    },
  };
}

/** Opens the database file again (a restart) and counts `keep`. */
async function rowsAfterRestart(db: string): Promise<number> {
  const engine = await open(db);
  try {
    const r = await engine.query('SELECT count(*)::INT AS n FROM keep');
    return r.rows[0]!.n as number;
  } finally {
    await engine.close();
  }
}

async function refused(c: pg.Client, sql: string, values?: unknown[]): Promise<string> {
  const err = await rejection(c.query(sql, values));
  assert.is(err.code, '42501', `${sql}: ${err.message}`);
  return err.message;
}

/** `/proc/self/fd/N` for the server's (this process's) open handle on `path`. */
function fdOf(path: string): string {
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) return fd;
    } catch {
      // Closed meanwhile.
    }
  }
  throw new Error(`no open handle on ${path}`);
}

test.before(async () => {
  sim = await startSimulator({ costPerMillion: { in: 0.15, out: 0.6 } });
});
test.after(async () => {
  await sim.close();
});

test('COPY over the database file is refused (42501) however the path is spelled; after a restart every row is there', async () => {
  const s = await serve();
  const c = await s.client();
  const path = String(
    (await c.query(`SELECT path FROM duckdb_databases() WHERE path IS NOT NULL`)).rows[0].path,
  );
  assert.is(path, s.db);
  const link = `${s.dir}-link`;
  symlinkSync(s.dir, link);
  const fd = fdOf(s.db);
  const spellings = [
    path,
    `${s.dir}/../${basename(s.dir)}/x.duckdb`,
    `${s.dir}/./x.duckdb`,
    `${s.dir}//x.duckdb`,
    `${link}/x.duckdb`,
    `/proc/self/fd/${fd}`,
    `/dev/fd/${fd}`,
    `/proc/${process.pid}/fd/${fd}`,
    `file://${path}`,
    relative(process.cwd(), path),
  ];
  for (const p of spellings) {
    await refused(c, `COPY (SELECT 'x' AS y) TO '${p}' (FORMAT csv, USE_TMP_FILE false)`);
  }
  // The same path as a quoted name, in parentheses, with escapes, split over two lines.
  const escaped = path.replaceAll('/', '\\x2f');
  for (const target of [`"${path}"`, `('${path}')`, `E'${escaped}'`, `'${s.dir}/'\n'x.duckdb'`]) {
    await refused(c, `COPY (SELECT 'x' AS y) TO ${target} (FORMAT csv, USE_TMP_FILE false)`);
  }
  // The WAL, the temp directory and the answer log beside it too.
  for (const p of [`${path}.wal`, `${path}.tmp/x.csv`, `${path}.answers`]) {
    await refused(c, `COPY (SELECT 'x' AS y) TO '${p}' (FORMAT csv, USE_TMP_FILE false)`);
  }
  // The session goes on.
  assert.equal((await c.query('SELECT count(*)::INT AS n FROM keep')).rows, [{ n: ROWS }]);
  await s.close();
  rmSync(link);
  assert.is(await rowsAfterRestart(s.db), ROWS);
  rmSync(s.dir, { recursive: true, force: true });
});

test('read_blob, read_text, read_csv of the database, its WAL and the logs database are refused, computed paths too', async () => {
  const s = await serve();
  const c = await s.client();
  // A commit the checkpoint has not taken yet: the WAL exists.
  await c.query(`CREATE TABLE fresh AS SELECT range AS i FROM range(10)`);
  const logs = join(s.dir, 'x.rvbbit-logs.duckdb');
  for (const file of [s.db, `${s.db}.wal`, logs]) {
    for (const fn of ['read_blob', 'read_text', 'read_csv', 'read_json', 'read_parquet', 'glob']) {
      await refused(c, `SELECT * FROM ${fn}('${file}')`);
    }
    await refused(c, `SELECT * FROM read_blob(['${file}'])`);
    await refused(c, `SELECT * FROM '${file}'`);
  }
  // Paths computed in the statement cannot be checked: refused whatever they name.
  await c.query(`SET VARIABLE p = '${s.db}'`);
  for (const sql of [
    `SELECT size FROM read_blob(getvariable('p'))`,
    `SELECT size FROM read_blob('${s.dir}/' || 'x.duckdb')`,
    `SELECT size FROM read_blob(current_setting('temp_directory'))`,
    `SELECT * FROM query('SELECT size FROM read_blob(''${s.db}'')')`,
    `SELECT * FROM query_table(getvariable('p'))`,
    `SELECT size FROM "READ_BLOB"('${s.db}')`,
    `SELECT size FROM system.main.read_blob('${s.db}')`,
    `CREATE VIEW leak AS SELECT content FROM read_blob(getvariable('p'))`,
    `CREATE MACRO leak(p) AS TABLE SELECT content FROM read_blob(p)`,
  ]) {
    await refused(c, sql);
  }
  // A parameter (extended protocol), a cursor: the same guard.
  await refused(c, 'SELECT size FROM read_blob($1)', [s.db]);
  await c.query('BEGIN');
  await refused(c, `DECLARE leak CURSOR FOR SELECT content FROM read_blob('${s.db}')`);
  await c.query('ROLLBACK');
  // Reading what a client may read still works.
  assert.equal((await c.query('SELECT count(*)::INT AS n FROM fresh')).rows, [{ n: 10 }]);
  await s.close();
  rmSync(s.dir, { recursive: true, force: true });
});

test('CHECKPOINT, COPY over the WAL, commit, kill -9: after a restart the committed rows are there', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-engine-wal-'));
  const db = join(dir, 'w.duckdb');
  const run = start(['serve', '--db', db, '--port', '0', '--sim']);
  try {
    await waitFor(run.out, /listening on postgresql:\/\/127\.0\.0\.1:\d+/);
    const port = Number(/:(\d+) /.exec(run.out())![1]);
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'tester', database: 'rvbbit' });
    c.on('error', () => undefined);
    await c.connect();
    await refused(c, 'CHECKPOINT');
    await c.query(`CREATE TABLE keep AS SELECT range AS i FROM range(${ROWS})`);
    await refused(c, `COPY (SELECT 'junk' AS j) TO '${db}.wal' (FORMAT csv, USE_TMP_FILE false)`);
    await refused(c, `ATTACH '${db}.wal' AS w`);
    run.child.kill('SIGKILL');
    await run.done;
    await c.end().catch(() => undefined);
    assert.is(await rowsAfterRestart(db), ROWS);
  } finally {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('commands that write, detach or replace the database: each refused or allowed as README says', async () => {
  const s = await serve();
  const allowed = join(s.dir, 'exports');
  mkdirSync(allowed);
  const c = await s.client();
  // Refused: checkpoints, IMPORT, the server's own database, storage settings.
  for (const sql of [
    'CHECKPOINT',
    'FORCE CHECKPOINT',
    'CHECKPOINT x',
    'PRAGMA force_checkpoint',
    'CALL checkpoint()',
    'CALL force_checkpoint()',
    `ATTACH '${s.db}' AS again`,
    `IMPORT DATABASE '${allowed}'`,
    `EXPORT DATABASE '${s.db}.tmp'`,
    "SET wal_autocheckpoint = '1GB'",
    "SET checkpoint_threshold = '1GB'",
    `SET temp_directory = '${allowed}'`,
    "SET max_temp_directory_size = '1GB'",
    `SET profile_output = '${s.db}'`,
    `CALL enable_logging(storage = 'file', storage_path = '${allowed}')`,
  ]) {
    await refused(c, sql);
  }
  // DETACH of the server's database, even after USE of another one.
  await c.query(`ATTACH ':memory:' AS scratch`);
  await c.query('USE scratch');
  assert.match(await refused(c, 'DETACH x'), /detach database "x"/);
  await c.query('USE x');
  // Allowed: an in-memory ATTACH and its DETACH, VACUUM.
  await c.query('DETACH scratch');
  await c.query('VACUUM');
  await c.query('VACUUM ANALYZE keep');
  assert.equal((await c.query('SELECT count(*)::INT AS n FROM keep')).rows, [{ n: ROWS }]);
  await s.close();
  assert.is(await rowsAfterRestart(s.db), ROWS);
  rmSync(s.dir, { recursive: true, force: true });
});

test('allowFiles: a folder that holds the database or /proc is refused; a link in an allowed folder does not reach the database', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-engine-allow-'));
  for (const folder of [dir, '/proc', '/']) {
    const err = await rejection(serve({ allowFiles: [folder] }, dir));
    assert.is((err as unknown as { code: string }).code, 'SERVER_OPTION', folder);
    assert.match(err.message, /allowFiles/);
  }
  const data = join(dir, 'data');
  mkdirSync(data);
  writeFileSync(join(data, 'in.csv'), 'a\n1\n');
  symlinkSync(join(dir, 'x.duckdb'), join(data, 'db.csv'));
  linkSync(join(dir, 'x.duckdb'), join(data, 'hard.csv'));
  const s = await serve({ allowFiles: [data] }, dir);
  const c = await s.client();
  assert.equal((await c.query(`SELECT a::INT AS a FROM read_csv('${data}/in.csv')`)).rows, [{ a: 1 }]);
  await c.query(`EXPORT DATABASE '${data}/export'`);
  await refused(c, `SELECT * FROM read_blob('${data}/db.csv')`);
  await refused(c, `SELECT * FROM read_blob('${data}/hard.csv')`);
  await refused(c, `COPY (SELECT 'x' AS y) TO '${data}/db.csv' (FORMAT csv, USE_TMP_FILE false)`);
  await s.close();
  assert.is(await rowsAfterRestart(join(dir, 'x.duckdb')), ROWS);
  rmSync(dir, { recursive: true, force: true });
});

test("an in-memory engine: its temp directory and its rvbbit log database are the server's own too", async () => {
  const f = await startServerFixture();
  const c = await f.client();
  await refused(c, `COPY (SELECT 1 AS x) TO '.tmp/x.csv'`);
  await c.query('USE memory');
  assert.match(await refused(c, 'DETACH rvbbit'), /detach database "rvbbit"/);
  await c.query(`ATTACH ':memory:' AS scratch`);
  await c.query('DETACH scratch');
  assert.equal((await c.query('SELECT count(*)::INT > 0 AS ok FROM products')).rows, [{ ok: true }]);
  await f.close();
});

test.run();
