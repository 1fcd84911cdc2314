/**
 * Cascades in larsql's format (issue 34, the part built so far), from
 * fixtures written for these tests in test/fixtures/larsql: metadata keys
 * larsql documents load, upper-case shapes, optional arguments take their
 * default, a scalar function is called by its own name and by its call
 * forms, infix forms with a quoted right side work, and a form the grammar
 * cannot take is skipped with one warning naming file:line:col while the
 * file's other forms still work. Through the library, the CLI, and the
 * server with node-postgres (extended protocol) and psql (simple).
 */
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/index.js';
import { startServer } from '../../src/server/index.js';
import { rvbbit } from '../cli/helpers.js';
import { psql } from '../server/py-client.js';

const LARSQL = fileURLToPath(new URL('../fixtures/larsql', import.meta.url));
let engine: Engine;
const warnings: string[] = [];

test.before(async () => {
  engine = await createEngine({
    provider: 'simulator',
    threads: 1,
    cascadeRoots: [LARSQL],
    onWarning: (w) => warnings.push(w),
  });
});
test.after(async () => {
  await engine.close();
});

test('the folder loads; one warning per form skipped and per file skipped, each naming file:line:col', () => {
  assert.equal(warnings, [
    `operator cascade skipped: ${LARSQL}/mood_dimension.cascade.yaml:7:3: sql_function: a dimension needs either labels (fixed) or discover (a cascade that finds them), not both`,
    `operator cascade: ${LARSQL}/rhymes.cascade.yaml:16:7: sql_function.operators[1]: operator form "RHYMES({{ word }}, {{ other }})" skipped: RHYMES is also this function's infix word`,
  ]);
});

test('a scalar function by its name, by a call form with and without its optional argument, and infix with a quoted right side', async () => {
  const r = await engine.query(
    "SELECT CLEAN('Acme corp') AS a, clean_value('Acme corp', 'upper') AS b, 'x' CLEANED AS 'lower' AS c, CLEAN('Acme corp', 'plain') AS d",
  );
  assert.equal(r.rows, [
    {
      a: 'Simulated answer: Clean this value in the plain style: Acme corp',
      b: 'Simulated answer: Clean this value in the upper style: Acme corp',
      c: 'Simulated answer: Clean this value in the lower style: x',
      d: 'Simulated answer: Clean this value in the plain style: Acme corp',
    },
  ]);
  // CLEAN(x) is CLEAN(x, 'plain'): the default makes it the same call.
  const q = await engine.query('SELECT calls FROM rvbbit.queries ORDER BY started_at DESC LIMIT 1');
  assert.equal(q.rows, [{ calls: 3n }]);
});

test('a call form over rows, in WHERE and SELECT, one call per distinct value', async () => {
  const r = await engine.query(
    "SELECT v, CLEAN(v) AS c FROM (VALUES ('b'), ('a'), ('b')) t(v) WHERE CLEAN(v) LIKE 'Simulated%' ORDER BY v",
  );
  assert.equal(
    r.rows.map((x) => x.v),
    ['a', 'b', 'b'],
  );
  const q = await engine.query('SELECT calls FROM rvbbit.queries ORDER BY started_at DESC LIMIT 1');
  assert.equal(q.rows, [{ calls: 2n }]);
});

test('a cascade whose template rvbbit cannot compile fails the statement using it, naming file:line:col', async () => {
  const err = await engine.query("SELECT TIDY('x')").then(
    () => undefined,
    (e: Error) => e.message,
  );
  assert.is(err, `${LARSQL}/tidy_single.cascade.yaml:46:7: cells[0].instructions: tag "set" not found`);
});

const CLEAN_ROW =
  "SELECT CLEAN('Acme corp') AS a, 'x' CLEANED AS 'lower' AS c, clean_value('Acme corp', 'upper') AS b";
const ANSWERS = {
  a: 'Simulated answer: Clean this value in the plain style: Acme corp',
  c: 'Simulated answer: Clean this value in the lower style: x',
  b: 'Simulated answer: Clean this value in the upper style: Acme corp',
};

test('the CLI: the forms run on the built-in simulator, the warnings on stderr', async () => {
  const r = await rvbbit(['query', '--cascades', LARSQL, '--format', 'json', CLEAN_ROW]);
  assert.is(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out), [ANSWERS]);
  assert.equal(
    r.err.split('\n').filter((l) => l.startsWith('rvbbit: warning:')),
    warnings.map((w) => `rvbbit: warning: ${w}`),
  );
});

test('the server: node-postgres with a parameter (extended protocol) and psql (simple protocol)', async () => {
  const server = await startServer({ engine, port: 0 });
  try {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: server.port,
      user: 'larsql',
      database: 'larsql',
    });
    await client.connect();
    try {
      const r = await client.query('SELECT CLEAN($1) AS a, CLEAN($1, $2) AS b', ['Acme corp', 'upper']);
      assert.equal(r.rows, [{ a: ANSWERS.a, b: ANSWERS.b }]);
    } finally {
      await client.end();
    }
    const hasPsql = (await psql(server.port, ['--version']).catch(() => ({ code: 1 }))).code === 0;
    if (!hasPsql && process.env.CI) assert.unreachable('psql is missing: .ci/run installs postgresql-client');
    if (!hasPsql)
      return console.warn('larsql-forms.test.ts: psql not installed, simple protocol not checked');
    const r = await psql(server.port, ['-A', '-t', '-c', CLEAN_ROW]);
    assert.is(r.code, 0, r.err);
    assert.is(r.out, `${ANSWERS.a}|${ANSWERS.c}|${ANSWERS.b}\n`);
  } finally {
    await server.close();
  }
});

test.run();
