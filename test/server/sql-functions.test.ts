/**
 * Semantic functions defined by clients of `rvbbit serve`, no file touched:
 * node-postgres creates one, another connection uses it at once, OR REPLACE
 * answers from the new prompt (new calls, the old answers unused), DROP
 * removes it; refusals carry their SQLSTATE and position; psql shows the
 * caret; a server started with readOnlyFunctions refuses CREATE and DROP
 * with 42501 while the functions already defined still run, and refuses
 * every statement that would write rvbbit.semantic_functions directly (its
 * rows become functions at the next start) while SELECTs of it still run.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../requires.js';
import { rejection, type ServerFixture, startServerFixture } from './helpers.js';
import { psql } from './py-client.js';

let f: ServerFixture;
test.before(async () => {
  f = await startServerFixture();
});
test.after(async () => {
  await f.close();
});

const Q = 'SELECT id, is_home(product_name) AS home FROM products WHERE id <= 6 ORDER BY id';

test('node-postgres: create, use from another connection, replace, drop', async () => {
  const a = await f.client();
  const b = await f.client();
  const created = await a.query(
    `CREATE SEMANTIC FUNCTION is_home(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} something for the home?'`,
  );
  assert.is(created.command, 'CREATE');
  f.sim.resetStats();
  const first = (await b.query(Q)).rows.map((r) => r.home);
  assert.is(first.length, 6);
  // Q is unannotated: since issue 67 its 6 names are packed in one call (was 6, one call per row).
  assert.is(f.sim.stats().requests, 1);
  assert.equal(
    (await b.query(Q)).rows.map((r) => r.home),
    first,
  );
  // The answers cached: no new call (was 6).
  assert.is(f.sim.stats().requests, 1);
  await a.query(
    `CREATE OR REPLACE SEMANTIC FUNCTION is_home(x VARCHAR) RETURNS BOOLEAN AS $$Would {{ x }} go in a kitchen?$$`,
  );
  await b.query(Q);
  // The new prompt's one packed call, the old answers unused (was 12).
  assert.is(f.sim.stats().requests, 2);
  const { rows } = await b.query('SELECT name, version FROM rvbbit.semantic_functions');
  assert.equal(rows, [{ name: 'is_home', version: 2 }]);
  const dropped = await a.query('DROP SEMANTIC FUNCTION is_home');
  assert.is(dropped.command, 'DROP');
  const gone = await rejection(b.query(Q));
  assert.match(gone.message, /is_home does not exist/);
});

test('node-postgres: DROP … IF EXISTS of a missing function says so as Postgres does (NOTICE 00000, hidden at client_min_messages warning)', async () => {
  const c = await f.client();
  const notices: string[] = [];
  c.on('notice', (n) => notices.push(`${n.severity} ${n.code}: ${n.message}`));
  const dropped = await c.query('DROP SEMANTIC FUNCTION IF EXISTS never_defined');
  assert.is(dropped.command, 'DROP');
  assert.equal(notices, ['NOTICE 00000: semantic function never_defined does not exist, skipping']);
  // Postgres hides a NOTICE from a session that asks for warnings and above.
  await c.query('SET client_min_messages = warning');
  await c.query('DROP SEMANTIC FUNCTION IF EXISTS never_defined');
  assert.is(notices.length, 1);
  await c.query('RESET client_min_messages');
  await c.query(`CREATE SEMANTIC FUNCTION is_bright(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} bright?'`);
  await c.query('DROP SEMANTIC FUNCTION IF EXISTS is_bright');
  assert.is(notices.length, 1);
});

const REFUSED: readonly [string, string, string][] = [
  [`CREATE SEMANTIC FUNCTION f(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x  ripe?'`, '42601', '62'],
  [`CREATE SEMANTIC FUNCTION f(x VARCHAR, y VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} ripe?'`, '42P13', '70'],
  [`CREATE SEMANTIC FUNCTION f(x VARCHRR) RETURNS BOOLEAN AS '{{ x }}'`, '42704', '30'],
  [`CREATE SEMANTIC FUNCTION lower(x VARCHAR) RETURNS BOOLEAN AS '{{ x }}'`, '42723', '26'],
  [
    `CREATE SEMANTIC FUNCTION f(a VARCHAR, b VARCHAR) RETURNS BOOLEAN OPERATOR 'MEANS' AS '{{ a }}{{ b }}'`,
    '42723',
    '76',
  ],
  [`CREATE SEMANTIC FUNCTION f(x VARCHAR) BOOLEAN AS '{{ x }}'`, '42601', '39'],
  ['DROP SEMANTIC FUNCTION nothing_here', '42883', '24'],
];

test('node-postgres: each refusal has its SQLSTATE and position; the connection goes on', async () => {
  const c = await f.client();
  const seen: [string, string, string][] = [];
  for (const [sql] of REFUSED) {
    const e = await rejection(c.query(sql));
    seen.push([sql, e.code, e.position]);
  }
  assert.equal(seen, REFUSED);
  assert.equal((await c.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
});

requires(test, 'psql')(
  'psql: defines a function, another psql uses it; a refusal shows its caret',
  async () => {
    const made = await psql(f.port, [
      '-c',
      `CREATE SEMANTIC FUNCTION is_cheap(p DOUBLE) RETURNS BOOLEAN AS 'Is a price of {{ p }} dollars cheap?'`,
    ]);
    assert.is(made.err, '');
    assert.is(made.out, 'CREATE FUNCTION\n');
    const used = await psql(f.port, [
      '-A',
      '-t',
      '-c',
      'SELECT count(*) FROM products WHERE id <= 4 AND is_cheap(price) IS NOT NULL',
    ]);
    // stderr holds the progress notices of the calls.
    assert.is(used.code, 0);
    assert.is(used.out, '4\n');
    const bad = await psql(f.port, [
      '-c',
      `CREATE SEMANTIC FUNCTION g(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ y }} ok?'`,
    ]);
    assert.is(bad.code, 1);
    assert.match(bad.err, /ERROR: {2}the prompt never reads argument "x"/);
    assert.match(bad.err, /LINE 1: .*\n\s+\^/);
    const dropped = await psql(f.port, ['-c', 'DROP SEMANTIC FUNCTION is_cheap']);
    assert.is(dropped.out, 'DROP FUNCTION\n');
  },
);

/** A server over the fixture's engine with readOnlyFunctions, closed after `body`. */
async function withReadOnlyServer(body: (port: number) => Promise<void>): Promise<void> {
  const { startServer } = await import('../../src/server/index.js');
  const ro = await startServer({ engine: f.engine, port: 0, readOnlyFunctions: true });
  try {
    await body(ro.port);
  } finally {
    await ro.close();
  }
}

/** A node-postgres client of `port`, ended after `body`. */
async function withClient(port: number, body: (c: import('pg').Client) => Promise<void>): Promise<void> {
  const pg = (await import('pg')).default;
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'tester', database: 'rvbbit' });
  await c.connect();
  try {
    await body(c);
  } finally {
    await c.end();
  }
}

test('readOnlyFunctions: CREATE and DROP refused with 42501; defined functions still run', async () => {
  await f.engine.query(
    `CREATE SEMANTIC FUNCTION is_tech(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} a gadget?'`,
  );
  try {
    await withReadOnlyServer((port) =>
      withClient(port, async (c) => {
        const create = await rejection(
          c.query(`CREATE SEMANTIC FUNCTION f(x VARCHAR) RETURNS BOOLEAN AS '{{ x }}'`),
        );
        assert.is(create.code, '42501');
        const drop = await rejection(c.query('DROP SEMANTIC FUNCTION is_tech'));
        assert.is(drop.code, '42501');
        const { rows } = await c.query(
          'SELECT count(*)::INT AS n FROM products WHERE id <= 3 AND is_tech(product_name) IS NOT NULL',
        );
        assert.equal(rows, [{ n: 3 }]);
      }),
    );
  } finally {
    await f.engine.query('DROP SEMANTIC FUNCTION is_tech');
  }
});

/** Statements that would write rvbbit.semantic_functions, each refused under readOnlyFunctions. */
const TABLE_WRITES: readonly string[] = [
  `INSERT INTO rvbbit.semantic_functions (name, cascade_yaml) VALUES ('evil', 'x')`,
  `INSERT INTO "RVBBIT"."SEMANTIC_FUNCTIONS" (name) VALUES ('evil')`,
  `UPDATE rvbbit.semantic_functions SET definition = 'x'`,
  'DELETE FROM Rvbbit.Semantic_Functions',
  'DROP TABLE rvbbit.semantic_functions',
  'ALTER TABLE rvbbit.semantic_functions RENAME TO kept',
  `CREATE OR REPLACE TABLE rvbbit.semantic_functions AS SELECT 'evil' AS name`,
  `WITH x AS (SELECT 1) INSERT INTO semantic_functions (name) SELECT 'evil' FROM x`,
  // Which database the catalog is under does not matter: a name qualified by it is still the table.
  `DELETE FROM memory.rvbbit."semantic_functions"`,
  // One statement of several: the SELECT before it runs, the DELETE is refused.
  'SELECT 1; DELETE FROM rvbbit.semantic_functions',
];

const CONTENT = 'SELECT name, definition, version FROM rvbbit.semantic_functions ORDER BY name';

test('readOnlyFunctions: every write of rvbbit.semantic_functions is refused (42501); reads still run', async () => {
  await f.engine.query(`CREATE SEMANTIC FUNCTION is_kept(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} kept?'`);
  const before = (await f.engine.query(CONTENT)).rows;
  assert.is(before.length, 1);
  try {
    await withReadOnlyServer((port) =>
      withClient(port, async (c) => {
        const seen: [string, string, string][] = [];
        for (const sql of TABLE_WRITES) {
          const e = await rejection(c.query(sql));
          seen.push([sql, e.code, e.message]);
        }
        const message =
          'semantic functions are read-only on this server (rvbbit serve --read-only-functions): a statement that writes rvbbit.semantic_functions, or is not a plain query naming it, is refused';
        assert.equal(
          seen,
          TABLE_WRITES.map((sql) => [sql, '42501', message]),
        );
        // The extended protocol, a parameter bound: refused the same.
        const bound = await rejection(
          c.query('INSERT INTO rvbbit.semantic_functions (name, definition) VALUES ($1, $2)', ['evil', 'x']),
        );
        assert.is(bound.code, '42501');
        const updated = await rejection(
          c.query('UPDATE rvbbit.semantic_functions SET definition = $1 WHERE name = $2', ['x', 'is_kept']),
        );
        assert.is(updated.code, '42501');
        // Reads go on: plain, with a parameter, and the content is unchanged.
        assert.equal((await c.query(CONTENT)).rows, before);
        assert.equal(
          (
            await c.query('SELECT count(*)::INT AS n FROM rvbbit.semantic_functions WHERE name = $1', [
              'is_kept',
            ])
          ).rows,
          [{ n: 1 }],
        );
      }),
    );
    assert.equal((await f.engine.query(CONTENT)).rows, before);
  } finally {
    await f.engine.query('DROP SEMANTIC FUNCTION is_kept');
  }
});

requires(test, 'psql')(
  'psql under readOnlyFunctions: quoted names, several statements and COPY FROM STDIN are refused; SELECT runs',
  async () => {
    await f.engine.query(`CREATE SEMANTIC FUNCTION is_kept(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} kept?'`);
    const before = (await f.engine.query(CONTENT)).rows;
    try {
      await withReadOnlyServer(async (port) => {
        const quoted = await psql(port, ['-c', `DELETE FROM "RVBBIT"."SEMANTIC_FUNCTIONS"`]);
        assert.is(quoted.code, 1);
        assert.match(quoted.err, /ERROR: {2}semantic functions are read-only on this server/);
        const several = await psql(port, [
          '-A',
          '-t',
          '-c',
          `SELECT 7; UPDATE rvbbit.semantic_functions SET definition = 'x'; SELECT 8`,
        ]);
        assert.is(several.code, 1);
        assert.match(several.err, /rvbbit\.semantic_functions/);
        const copied = await psql(
          port,
          ['-c', 'COPY rvbbit.semantic_functions (name, definition) FROM STDIN'],
          'evil\tx\n\\.\n',
        );
        assert.is(copied.code, 1);
        assert.match(copied.err, /read-only-functions/);
        const read = await psql(port, ['-A', '-t', '-c', 'SELECT count(*) FROM rvbbit.semantic_functions']);
        assert.is(read.code, 0);
        assert.is(read.out, '1\n');
      });
      assert.equal((await f.engine.query(CONTENT)).rows, before);
    } finally {
      await f.engine.query('DROP SEMANTIC FUNCTION is_kept');
    }
  },
);

test("without readOnlyFunctions the table is the client's to write: an INSERT is not refused", async () => {
  const c = await f.client();
  const n = async () =>
    (await c.query('SELECT count(*)::INT AS n FROM rvbbit.semantic_functions')).rows[0].n as number;
  const was = await n();
  const inserted = await c.query(
    `INSERT INTO rvbbit.semantic_functions (name, definition) VALUES ('written_row', 'x')`,
  );
  assert.is(inserted.rowCount, 1);
  assert.is(await n(), was + 1);
  await c.query(`DELETE FROM rvbbit.semantic_functions WHERE name = 'written_row'`);
  assert.is(await n(), was);
});

test.run();
