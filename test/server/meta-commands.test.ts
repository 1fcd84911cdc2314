/**
 * What psql users type besides SQL: \l, \du, \df, \dt+, \dn, \dv; the
 * session functions clients call (current_database(), current_user,
 * session_user, version(), pg_backend_pid()); SET client_min_messages
 * filtering progress NOTICEs; pg_cancel_backend from another connection.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { requires } from '../requires.js';
import { type ServerFixture, startServerFixture } from './helpers.js';
import { psql } from './py-client.js';

const psqlTest = requires(test, 'psql');

let f: ServerFixture;

test.before(async () => {
  f = await startServerFixture({ noticeIntervalMs: 0 }, { latencyMs: 100 });
  await f.engine.query('CREATE VIEW cheap AS SELECT id, price FROM products WHERE price < 20');
  await f.engine.query('CREATE MACRO add_one(x) AS x + 1');
});
test.after(async () => {
  await f.close();
});

/**
 * psql \\df's rows for the shipped semantic functions, in schema rvbbit: each
 * as rvbbit.functions states its signature (aggregates as `agg`).
 */
async function shippedDf(): Promise<string[]> {
  const r = await f.engine.query(
    `SELECT name, returns, args, shape FROM rvbbit.functions WHERE source NOT IN ('sql', 'file') ORDER BY name`,
  );
  return r.rows.map(
    (x) => `rvbbit|${x.name}|${x.returns}|${x.args}|${x.shape === 'aggregate' ? 'agg' : 'func'}`,
  );
}

psqlTest('psql meta-commands answer (\\l \\du \\df \\dt+ \\dn \\dv)', async () => {
  const run = async (cmd: string) => {
    const r = await psql(f.port, ['-A', '-F', '|', '-c', cmd]);
    assert.is(r.err, '', `${cmd}: ${r.err}`);
    assert.is(r.code, 0);
    return r.out.trim().split('\n');
  };
  const l = await run('\\l');
  assert.is(l[1], 'Name|Owner|Encoding|Collate|Ctype|ICU Locale|Locale Provider|Access privileges');
  assert.is(l[2], 'psqldb|rvbbit|UTF8|C|C||libc|');
  const du = await run('\\du');
  assert.equal(du.slice(1, 4), [
    'Role name|Attributes|Member of',
    'psql|Create role, Create DB|{}',
    'rvbbit|Superuser, Create role, Create DB|{}',
  ]);
  const df = await run('\\df');
  const shipped = await shippedDf();
  assert.equal(df.slice(1), [
    'Schema|Name|Result data type|Argument data types|Type',
    'main|add_one|ANY|x|func',
    ...shipped,
    `(${1 + shipped.length} rows)`,
  ]);
  const dtPlus = await run('\\dt+');
  assert.equal(dtPlus.slice(1), [
    'Schema|Name|Type|Owner|Persistence|Access method|Size|Description',
    'main|products|table|rvbbit|permanent|||',
    '(1 row)',
  ]);
  assert.equal(await run('\\dn'), [
    'List of schemas',
    'Name|Owner',
    'main|rvbbit',
    'rvbbit|rvbbit',
    '(2 rows)',
  ]);
  assert.equal((await run('\\dv')).slice(1), ['Schema|Name|Type|Owner', 'main|cheap|view|rvbbit', '(1 row)']);
});

psqlTest(
  'psql \\df lists semantic functions made with CREATE SEMANTIC FUNCTION, and forgets a dropped one',
  async () => {
    const run = async (cmd: string) => {
      const r = await psql(f.port, ['-A', '-F', '|', '-c', cmd]);
      assert.is(r.err, '', `${cmd}: ${r.err}`);
      assert.is(r.code, 0);
      return r.out.trim().split('\n');
    };
    await run(
      "CREATE SEMANTIC FUNCTION praises_acting(review VARCHAR) RETURNS BOOLEAN AS 'Does this review praise the acting? {{ review }}'",
    );
    await run(
      "CREATE SEMANTIC FUNCTION echoes(a VARCHAR, b VARCHAR) RETURNS BOOLEAN OPERATOR 'ECHOES' AS 'Does {{ a }} echo {{ b }}?'",
    );
    try {
      const shipped = await shippedDf();
      assert.equal((await run('\\df')).slice(1), [
        'Schema|Name|Result data type|Argument data types|Type',
        'main|add_one|ANY|x|func',
        'main|echoes|BOOLEAN|a VARCHAR, b VARCHAR|func',
        'main|praises_acting|BOOLEAN|review VARCHAR|func',
        ...shipped,
        `(${3 + shipped.length} rows)`,
      ]);
      const c = await f.client();
      const r = await c.query(
        `SELECT proname, pronargs FROM pg_catalog.pg_proc WHERE proname IN ('echoes', 'praises_acting') ORDER BY proname`,
      );
      assert.equal(
        r.rows.map((x) => `${x.proname}/${x.pronargs}`),
        ['echoes/2', 'praises_acting/1'],
      );
      await run('DROP SEMANTIC FUNCTION echoes');
      assert.equal((await run('\\df')).slice(2), [
        'main|add_one|ANY|x|func',
        'main|praises_acting|BOOLEAN|review VARCHAR|func',
        ...shipped,
        `(${2 + shipped.length} rows)`,
      ]);
    } finally {
      await f.engine.query('DROP SEMANTIC FUNCTION IF EXISTS echoes');
      await f.engine.query('DROP SEMANTIC FUNCTION IF EXISTS praises_acting');
    }
  },
);

psqlTest(
  'psql \\df lists the shipped semantic functions with their signatures (LLM_SUMMARIZE, MEANS behind semantic_means)',
  async () => {
    const run = async (cmd: string) => {
      const r = await psql(f.port, ['-A', '-F', '|', '-c', cmd]);
      assert.is(r.err, '', `${cmd}: ${r.err}`);
      assert.is(r.code, 0);
      return r.out.trim().split('\n');
    };
    assert.equal((await run('\\df llm_summarize')).slice(1), [
      'Schema|Name|Result data type|Argument data types|Type',
      'rvbbit|llm_summarize|VARCHAR|texts VARCHAR[], prompt VARCHAR|agg',
      '(1 row)',
    ]);
    assert.equal((await run('\\df rvbbit.semantic_m*')).slice(1), [
      'Schema|Name|Result data type|Argument data types|Type',
      'rvbbit|semantic_means|BOOLEAN|text VARCHAR, criterion VARCHAR|func',
      '(1 row)',
    ]);
    // Every shipped function is listed by a plain \\df, none twice.
    const listed = (await run('\\df')).filter((l) => l.startsWith('rvbbit|'));
    assert.equal(listed, await shippedDf());
    assert.ok(listed.length >= 19, `${listed.length} rows`);
  },
);

test('current_database(), current_user, session_user, version(), pg_backend_pid() answer as Postgres does', async () => {
  const c = await f.client({ user: 'alice', database: 'shop' });
  const pid = (c as unknown as { processID: number }).processID;
  const r = await c.query(
    'SELECT current_database(), current_user, session_user, version(), pg_backend_pid(), current_schema()',
  );
  assert.equal(
    r.fields.map((x) => x.name),
    ['current_database', 'current_user', 'session_user', 'version', 'pg_backend_pid', 'current_schema'],
  );
  assert.equal(r.rows, [
    {
      current_database: 'shop',
      current_user: 'alice',
      session_user: 'alice',
      version: 'PostgreSQL 15.0 (rvbbit, DuckDB inside)',
      pg_backend_pid: pid,
      current_schema: 'main',
    },
  ]);
  // The same through the extended protocol.
  const e = await c.query({ text: 'SELECT current_user AS u, pg_backend_pid() AS p', values: [] });
  assert.equal(e.rows, [{ u: 'alice', p: pid }]);
});

const MAP = (n: number) =>
  `RVBBIT MAP 'traits/extract_brand.yaml' AS (brand VARCHAR) USING (SELECT id, product_name FROM products ORDER BY id LIMIT ${n}) WITH (cache = false)`;

test('SET client_min_messages = warning (or error) stops the progress NOTICEs; notice brings them back', async () => {
  const c = await f.client();
  const notices: string[] = [];
  c.on('notice', (n) => notices.push(n.message ?? ''));
  await c.query(MAP(2));
  assert.ok(notices.some((m) => m.startsWith('rvbbit progress:')));
  for (const level of ['warning', 'error', "'WARNING'"]) {
    notices.length = 0;
    await c.query(`SET client_min_messages = ${level}`);
    await c.query(MAP(2));
    assert.equal(notices, [], level);
  }
  await c.query('SET client_min_messages TO notice');
  notices.length = 0;
  await c.query(MAP(2));
  assert.ok(notices.length > 0);
});

test('pg_cancel_backend(pid) from another connection cancels its statement; false for an unknown pid', async () => {
  const victim = await f.client();
  const other = await f.client();
  const pid = (victim as unknown as { processID: number }).processID;
  const running = victim.query(MAP(40)).catch((e) => e);
  // Cancel once the MAP has started calling the LLM.
  const t0 = Date.now();
  while (f.sim.stats().requests === 0 && Date.now() - t0 < 20_000)
    await new Promise((r) => setTimeout(r, 20));
  const r = await other.query(`SELECT pg_cancel_backend(${pid})`);
  assert.equal(r.rows, [{ pg_cancel_backend: true }]);
  const err = await running;
  assert.is(err.code, '57014');
  assert.equal((await victim.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
  assert.equal((await other.query('SELECT pg_cancel_backend(12345)')).rows, [{ pg_cancel_backend: false }]);
});

test.run();
