/**
 * Registered functions are the engine's, not a client's (issue 65, through
 * `rvbbit serve` and node-postgres): a client whose first semantic call runs
 * inside BEGIN … ROLLBACK leaves every operator and SQL-defined function
 * working for every other client, with and without --read-only-functions.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rejection, type ServerFixture, startServerFixture } from './helpers.js';

let f: ServerFixture;
test.before(async () => {
  f = await startServerFixture({ readOnlyFunctions: true });
  // Defined before any client: its first use is inside a client's transaction too.
  await f.engine.query(
    `CREATE SEMANTIC FUNCTION is_kitchen(x VARCHAR) RETURNS BOOLEAN AS 'Does {{ x }} go in a kitchen?'`,
  );
});
test.after(async () => {
  await f.close();
});

/** Each kind of registered function a client calls, and the count of rows it answers for the three products. */
const USES = [
  `SELECT count(*)::INT AS n FROM products WHERE id <= 3 AND (product_name MEANS 'a tool') IS NOT NULL`,
  `SELECT count(SENTIMENT(product_name))::INT AS n FROM products WHERE id <= 3`,
  `SELECT (count(*) * 3)::INT AS n FROM (SELECT LLM_CLASSIFY(product_name, 'home,office') AS c FROM products WHERE id <= 3) WHERE c IS NOT NULL`,
  `SELECT count(is_kitchen(product_name))::INT AS n FROM products WHERE id <= 3`,
];

test('first semantic calls inside BEGIN … ROLLBACK: every other client still has every function', async () => {
  const a = await f.client();
  await a.query('BEGIN');
  for (const sql of USES) assert.equal((await a.query(sql)).rows, [{ n: 3 }], sql);
  await a.query('ROLLBACK');
  const b = await f.client();
  for (const sql of USES) assert.equal((await b.query(sql)).rows, [{ n: 3 }], sql);
  // And the client that rolled back, in a transaction of its own again.
  await a.query('BEGIN');
  for (const sql of USES) assert.equal((await a.query(sql)).rows, [{ n: 3 }], sql);
  await a.query('COMMIT');
});

/** Names and operator words DuckDB or rvbbit hold, the SQLSTATE of their refusal, and the reason's words. */
const SHADOWS: readonly [string, string, RegExp][] = [
  ['coalesce', '42939', /name COALESCE is a SQL keyword/],
  ['cast', '42939', /name CAST is a SQL keyword \(reserved\)/],
  ['extract', '42939', /name EXTRACT is a SQL keyword/],
  ['date', '42939', /name DATE is a DuckDB type name/],
  ['document_text', '42723', /name DOCUMENT_TEXT is a function in DuckDB's catalog/],
  ['image', '42723', /name IMAGE is a function in DuckDB's catalog/],
  ['range', '42723', /RANGE is a .*function/],
  ['embed', '42723', /EMBED is one of rvbbit's own functions/],
  [
    'without_secrets',
    '42723',
    /its DuckDB function rvbbit_without_secrets would take the place of a function in DuckDB's catalog/,
  ],
  // The server's Postgres catalog macros, which catalog-rewrite.ts calls for version().
  ['rvbbit_pg_version', '42723', /RVBBIT_PG_VERSION is a function in DuckDB's catalog/],
  ['rvbbit_mine', '42939', /starts with RVBBIT_, which names rvbbit's own functions/],
];
/** Operator words: DuckDB's unreserved keywords (42939); OVER and FILTER the grammar itself refuses (42723, as before). */
const WORDS: readonly [string, string][] = [
  ['RANGE', '42939'],
  ['ROWS', '42939'],
  ['NULLS', '42939'],
  ['EXCLUDE', '42939'],
  ['ZONE', '42939'],
  ['ESCAPE', '42939'],
  ['OVER', '42723'],
  ['FILTER', '42723'],
];

test('CREATE SEMANTIC FUNCTION of a name or word DuckDB or rvbbit holds: refused with the reason; built-ins still work', async () => {
  const { startServer } = await import('../../src/server/index.js');
  // Without --read-only-functions: any client may CREATE.
  const open = await startServer({ engine: f.engine, port: 0 });
  const pg = (await import('pg')).default;
  const c = new pg.Client({ host: '127.0.0.1', port: open.port, user: 'tester', database: 'rvbbit' });
  await c.connect();
  try {
    const seen: [string, string, boolean | string][] = [];
    for (const [name, , why] of SHADOWS) {
      const e = await rejection(
        c.query(`CREATE SEMANTIC FUNCTION ${name}(x VARCHAR) RETURNS VARCHAR AS 'Say {{ x }}'`),
      );
      seen.push([name, e.code, why.test(e.message) || e.message]);
    }
    assert.equal(
      seen,
      SHADOWS.map(([n, code]) => [n, code, true]),
    );
    const words: [string, string, string][] = [];
    for (const [word] of WORDS) {
      const e = await rejection(
        c.query(
          `CREATE SEMANTIC FUNCTION f_${word.toLowerCase()}(a VARCHAR, b VARCHAR) RETURNS BOOLEAN OPERATOR '${word}' AS '{{ a }} vs {{ b }}'`,
        ),
      );
      words.push([word, e.code, e.message.split('\n')[0]!]);
    }
    assert.equal(
      words.map(([w, code]) => [w, code]),
      WORDS,
    );
    assert.match(words[0]![2], /operator word RANGE is a SQL keyword \(unreserved\)/);
    const { rows } = await c.query(
      `SELECT (SELECT count(*) FROM range(5))::INT AS n, coalesce(NULL, 'b') AS b`,
    );
    assert.equal(rows, [{ n: 5, b: 'b' }]);
    const stored = await c.query('SELECT count(*)::INT AS n FROM rvbbit.semantic_functions');
    assert.equal(stored.rows, [{ n: 1 }]);
  } finally {
    await c.end();
    await open.close();
  }
});

/** Statements that drop or alter the engine's schema or its objects. */
const SCHEMA_CHANGES: readonly string[] = [
  'DROP SCHEMA rvbbit CASCADE',
  'DROP TABLE rvbbit.semantic_functions',
  'DROP TABLE IF EXISTS "RVBBIT".queries',
  'ALTER TABLE rvbbit.functions RENAME TO kept',
  'TRUNCATE rvbbit.unified_logs',
  `CREATE OR REPLACE TABLE rvbbit.semantic_functions AS SELECT 'evil' AS name`,
  'EXPLAIN ANALYZE DROP SCHEMA rvbbit CASCADE',
];

test("the rvbbit schema is the engine's: DROP / ALTER / TRUNCATE / replace refused with 42501 without --read-only-functions; CREATE still works", async () => {
  const { startServer } = await import('../../src/server/index.js');
  const open = await startServer({ engine: f.engine, port: 0 });
  const pg = (await import('pg')).default;
  const c = new pg.Client({ host: '127.0.0.1', port: open.port, user: 'tester', database: 'rvbbit' });
  await c.connect();
  try {
    const seen: [string, string][] = [];
    for (const sql of SCHEMA_CHANGES) seen.push([sql, (await rejection(c.query(sql))).code]);
    // Unqualified, after USE rvbbit: the engine's table all the same.
    await c.query('USE rvbbit');
    seen.push([
      'DROP TABLE semantic_functions',
      (await rejection(c.query('DROP TABLE semantic_functions'))).code,
    ]);
    await c.query('USE memory.main');
    assert.equal(
      seen,
      [...SCHEMA_CHANGES, 'DROP TABLE semantic_functions'].map((sql) => [sql, '42501']),
    );
    const e = await rejection(c.query('DROP SCHEMA rvbbit CASCADE'));
    assert.match(e.message, /the rvbbit schema is the engine's/);
    // Every other schema is still the client's; the engine's tables may be read.
    await c.query('CREATE SCHEMA scratch; CREATE TABLE scratch.t (x INT); DROP SCHEMA scratch CASCADE');
    assert.equal((await c.query('SELECT count(*)::INT AS n FROM rvbbit.semantic_functions')).rows, [
      { n: 1 },
    ]);
    await c.query(
      `CREATE SEMANTIC FUNCTION is_garden(x VARCHAR) RETURNS BOOLEAN AS 'Is {{ x }} for a garden?'`,
    );
    await c.query('DROP SEMANTIC FUNCTION is_garden');
  } finally {
    await c.end();
    await open.close();
  }
});

test('pg_cancel_backend under an alias, with a bound pid, over rows, pg_catalog-qualified; not from a library session', async () => {
  const victim = await f.client();
  const other = await f.client();
  const pid = (victim as unknown as { processID: number }).processID;
  const running = victim
    .query('SELECT sum(a.range * b.range) AS s FROM range(1000000) a, range(1000000) b')
    .then(
      () => undefined,
      (e: Error & { code: string }) => e,
    );
  // Cancelled again until it has stopped: a cancel before the statement starts cancels nothing.
  const answers: unknown[] = [];
  let settled: (Error & { code: string }) | undefined | 'running' = 'running';
  void running.then((e) => {
    settled = e;
  });
  while (settled === 'running') {
    answers.push((await other.query('SELECT pg_cancel_backend($1) AS ok', [pid])).rows);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(answers[0], [{ ok: true }]);
  assert.is((await running)?.code, '57014');
  assert.equal((await victim.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
  assert.equal((await other.query('SELECT pg_cancel_backend(999999) AS ok')).rows, [{ ok: false }]);
  assert.equal((await other.query('SELECT pg_catalog.pg_cancel_backend(999999) AS ok')).rows, [
    { ok: false },
  ]);
  assert.equal(
    (
      await other.query(
        `SELECT pid, pg_cancel_backend(pid) AS ok FROM (VALUES (${pid}), (999999)) v(pid) ORDER BY ok DESC`,
      )
    ).rows,
    [
      { pid, ok: true },
      { pid: 999999, ok: false },
    ],
  );
  // The bare form keeps Postgres's column name.
  assert.equal((await other.query('SELECT pg_cancel_backend(999999)')).rows, [{ pg_cancel_backend: false }]);
  const library = await rejection<Error & { code: string }>(
    f.engine.query('SELECT pg_cancel_backend(1) AS ok'),
  );
  assert.is(library.code, 'CANCEL_NOT_SERVED');
});

test.run();
