import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ServerFixture, startServerFixture } from './helpers.js';

let f: ServerFixture;
test.before(async () => {
  f = await startServerFixture();
});
test.after(async () => {
  await f.close();
});

test('session settings clients send on connect are acknowledged and readable with SHOW', async () => {
  const c = await f.client();
  const set = await c.query('SET extra_float_digits = 3');
  assert.is(set.command, 'SET');
  await c.query("SET application_name = 'PostgreSQL JDBC Driver'");
  assert.equal((await c.query('SHOW application_name')).rows, [
    { application_name: 'PostgreSQL JDBC Driver' },
  ]);
  assert.equal((await c.query('SHOW TRANSACTION ISOLATION LEVEL')).rows, [
    { transaction_isolation: 'repeatable read' },
  ]);
  assert.equal((await c.query('SHOW server_version')).rows, [{ server_version: '15.0 (rvbbit)' }]);
});

test('SHOW answers any setting pg_settings lists, SHOW ALL lists them as Postgres does, an unknown one is 42704', async () => {
  const c = await f.client();
  // A Postgres fact from pg_settings and a DuckDB setting (DuckDB itself reads `SHOW x` as DESCRIBE x).
  assert.equal((await c.query('SHOW max_index_keys')).rows, [{ max_index_keys: '32' }]);
  const threads = await c.query("SELECT setting FROM pg_settings WHERE name = 'threads'");
  assert.equal((await c.query('SHOW threads')).rows, [{ threads: threads.rows[0].setting }]);
  const unknown = await c.query('SHOW no_such_setting').catch((e: { code: string; message: string }) => e);
  assert.is((unknown as { code: string }).code, '42704');
  assert.match(
    (unknown as { message: string }).message,
    /unrecognized configuration parameter "no_such_setting"/,
  );
  // SHOW ALL: Postgres's three columns; a SET value and the server's parameters among them.
  await c.query('SET statement_timeout = 5000');
  const all = await c.query('SHOW ALL');
  assert.equal(
    all.fields.map((x) => x.name),
    ['name', 'setting', 'description'],
  );
  const byName = new Map(all.rows.map((r) => [r.name as string, r.setting as string]));
  assert.is(byName.get('statement_timeout'), '5000');
  assert.is(byName.get('client_min_messages'), 'notice');
  assert.is(byName.get('max_index_keys'), '32');
  assert.is(byName.get('threads'), threads.rows[0].setting);
  assert.is(all.rows.filter((r) => r.name === 'statement_timeout').length, 1);
  // DuckDB's SHOW TABLES still lists tables.
  await c.query('CREATE TABLE show_me (x INTEGER)');
  assert.ok((await c.query('SHOW TABLES')).rows.some((r) => r.name === 'show_me'));
});

test('type lookups by OID answer with Postgres type names', async () => {
  const c = await f.client();
  const r = await c.query(
    'SELECT oid, typname FROM pg_catalog.pg_type WHERE oid IN (16, 20, 23, 25, 701, 1082, 1114, 1700) ORDER BY oid',
  );
  assert.equal(
    r.rows.map((x) => [Number(x.oid), x.typname]),
    [
      [16, 'bool'],
      [20, 'int8'],
      [23, 'int4'],
      [25, 'text'],
      [701, 'float8'],
      [1082, 'date'],
      [1114, 'timestamp'],
      [1700, 'numeric'],
    ],
  );
  const one = await c.query(
    'SELECT n.nspname = ANY(current_schemas(true)) AS on_path, n.nspname, t.typname FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid WHERE t.oid = $1',
    [1114],
  );
  assert.equal(one.rows, [{ on_path: true, nspname: 'pg_catalog', typname: 'timestamp' }]);
});

test('pg_class and pg_attribute describe the user tables with Postgres type OIDs', async () => {
  const c = await f.client();
  const r =
    await c.query(`SELECT a.attname, a.atttypid, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type
    FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON a.attrelid = c.oid
    WHERE c.relname = 'products' ORDER BY a.attnum`);
  assert.equal(
    r.rows.map((x) => [x.attname, Number(x.atttypid), x.type]),
    [
      ['id', 20, 'bigint'],
      ['product_name', 25, 'text'],
      ['category', 25, 'text'],
      ['price', 701, 'double precision'],
      ['description', 25, 'text'],
    ],
  );
});

test('version(), current_schema() and pg_backend_pid() answer as Postgres clients expect', async () => {
  const c = await f.client();
  assert.equal((await c.query('SELECT current_schema() AS s')).rows, [{ s: 'main' }]);
  assert.equal((await c.query('SELECT version() AS v')).rows, [
    { v: 'PostgreSQL 15.0 (rvbbit, DuckDB inside)' },
  ]);
  const pid = (c as unknown as { processID: number }).processID;
  assert.equal((await c.query('SELECT pg_backend_pid()')).rows, [{ pg_backend_pid: pid }]);
});

/** The session's temporary views (the emulated catalog's views and its batch markers among them). */
async function tempViews(c: { query: (sql: string) => Promise<{ rows: Record<string, unknown>[] }> }) {
  const { rows } = await c.query(
    'SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal ORDER BY view_name',
  );
  return rows.map((r) => r.view_name as string);
}

test('a login makes no catalog; a statement makes what it names, with what that needs (it made 78 views and macros at every login)', async () => {
  const c = await f.client();
  assert.equal(await tempViews(c), []);
  assert.equal((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  assert.equal(await tempViews(c), []);
  // One macro and its batch's marker view.
  assert.equal((await c.query('SELECT current_schema() AS s')).rows, [{ s: 'main' }]);
  assert.equal(await tempViews(c), ['pg_rvbbit_catalog_batch_0']);
  // pg_namespace, and nothing it does not read.
  await c.query('CREATE TABLE lazy_catalog (x INTEGER)');
  const ns = await c.query("SELECT nspname FROM pg_namespace WHERE nspname = 'main'");
  assert.equal(ns.rows, [{ nspname: 'main' }]);
  assert.equal(await tempViews(c), [
    'pg_namespace',
    'pg_rvbbit_catalog_batch_0',
    'pg_rvbbit_catalog_batch_1',
  ]);
  // pg_class reads pg_namespace (made), the keys' views and more: made in a third batch.
  const cls = await c.query("SELECT relname FROM pg_class WHERE relname = 'lazy_catalog'");
  assert.equal(cls.rows, [{ relname: 'lazy_catalog' }]);
  const views = await tempViews(c);
  assert.ok(views.includes('pg_class') && views.includes('pg_rvbbit_catalog_batch_2'), views.join());
  assert.not.ok(views.includes('pg_database'), views.join());
  // A plain query naming one of its macros (not a catalog query: it streams) finds it made.
  assert.equal((await c.query("SELECT quote_ident('A b') AS q")).rows, [{ q: '"A b"' }]);
});

test("a ROLLBACK takes the catalog made inside the block: the next statement makes it again (psycopg2's first statements)", async () => {
  const c = await f.client();
  await c.query('BEGIN');
  assert.equal(
    (await c.query("SELECT count(*)::INTEGER AS n FROM pg_namespace WHERE nspname = 'main'")).rows,
    [{ n: 1 }],
  );
  assert.ok((await tempViews(c)).includes('pg_namespace'));
  await c.query('ROLLBACK');
  assert.equal(await tempViews(c), []);
  assert.equal(
    (await c.query("SELECT count(*)::INTEGER AS n FROM pg_namespace WHERE nspname = 'main'")).rows,
    [{ n: 1 }],
  );
  assert.equal(await tempViews(c), ['pg_namespace', 'pg_rvbbit_catalog_batch_1']);
  // Made outside a block, it outlives a later ROLLBACK.
  await c.query('BEGIN');
  await c.query('SELECT 1');
  await c.query('ROLLBACK');
  assert.equal(
    (await c.query("SELECT count(*)::INTEGER AS n FROM pg_namespace WHERE nspname = 'main'")).rows,
    [{ n: 1 }],
  );
  assert.equal(await tempViews(c), ['pg_namespace', 'pg_rvbbit_catalog_batch_1']);
});

test.run();
