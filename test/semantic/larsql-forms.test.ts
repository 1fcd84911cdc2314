/**
 * Cascades in larsql's format (issue 34), from
 * fixtures written for these tests in test/fixtures/larsql: metadata keys
 * larsql documents load, upper-case shapes, optional arguments take their
 * default, a scalar function is called by its own name and by its call
 * forms, infix forms with a quoted right side work, and a form the grammar
 * cannot take is skipped with one warning naming file:line:col while the
 * file's other forms still work; Jinja templates render (an undefined
 * variable is an error naming file:line:col); a `mode: mapping` dimension
 * labels every distinct value from one call. Through the library, the CLI, and the
 * server with node-postgres (extended protocol) and psql (simple).
 */
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/index.js';
import { startServer } from '../../src/server/index.js';
import { rvbbit } from '../cli/helpers.js';
import { requires } from '../requires.js';
import { psql } from '../server/py-client.js';

const psqlTest = requires(test, 'psql');

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

test('the folder loads with no warning: every form of its files is one the grammar reads', () => {
  assert.equal(warnings, []);
});

test('a call name that is also its infix word: the call where no left operand precedes it, else the operator', async () => {
  const r = await engine.query(
    "SELECT RHYMES('cat', 'hat') AS call, 'cat' RHYMES WITH 'hat' AS infix, 'cat' NOT RHYMES WITH 'hat' AS negated",
  );
  const [row] = r.rows as { call: boolean; infix: boolean; negated: boolean }[];
  assert.is(typeof row!.call, 'boolean');
  assert.equal([row!.infix, row!.negated], [row!.call, !row!.call]);
  // One call: the three spellings are the same (word, other) pair.
  const q = await engine.query('SELECT calls FROM rvbbit.queries ORDER BY started_at DESC LIMIT 1');
  assert.equal(q.rows, [{ calls: 1n }]);
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

test('a Jinja template (set, default, length, if/elif/else) renders: TIDY by its forms', async () => {
  const r = await engine.query(
    "SELECT TIDY('acme corp') AS t, TIDY('x', 'upper') AS u, 'y' TIDIED AS 'lower' AS l",
  );
  assert.equal(r.rows, [
    {
      t: 'Simulated answer: Tidy this value (9 characters). Use Title Case. VALUE: acme corp',
      u: 'Simulated answer: Tidy this value (1 characters). Use UPPER CASE. VALUE: x',
      l: 'Simulated answer: Tidy this value (1 characters). Use lower case. VALUE: y',
    },
  ]);
});

test('an undefined variable in a Jinja template fails the statement, naming file:line:col', async () => {
  const err = await engine.query("SELECT nickname('bob')").then(
    () => undefined,
    (e: Error) => e.message,
  );
  assert.is(
    err,
    `nickname failed: CASCADE_TEMPLATE: ${LARSQL}/nickname_single.cascade.yaml:16:17: cells[0].instructions: undefined variable "input.style"`,
  );
});

test('a mapping dimension: one call sees every distinct value, each row gets its label, GROUP BY groups them', async () => {
  const r = await engine.query(
    "SELECT MOOD(v) AS mood, count(*) AS n FROM (VALUES ('happy day'), ('sad rain'), ('happy day'), ('happy song')) t(v) GROUP BY 1 ORDER BY 1",
  );
  assert.equal(r.rows, [
    { mood: 'Happy', n: 3n },
    { mood: 'Sad', n: 1n },
  ]);
  const q = await engine.query('SELECT calls FROM rvbbit.queries ORDER BY started_at DESC LIMIT 1');
  assert.equal(q.rows, [{ calls: 1n }]);
});

const CLEAN_ROW =
  "SELECT CLEAN('Acme corp') AS a, 'x' CLEANED AS 'lower' AS c, clean_value('Acme corp', 'upper') AS b";
const ANSWERS = {
  a: 'Simulated answer: Clean this value in the plain style: Acme corp',
  c: 'Simulated answer: Clean this value in the lower style: x',
  b: 'Simulated answer: Clean this value in the upper style: Acme corp',
};

/** A Jinja operator and a mapping dimension in one statement. */
const JINJA_AND_MAPPING =
  "SELECT MOOD(v) AS mood, TIDY(min(v)) AS tidy FROM (VALUES ('happy day'), ('sad rain'), ('happy day')) t(v) GROUP BY 1 ORDER BY 1";
const JINJA_AND_MAPPING_ROWS = [
  {
    mood: 'Happy',
    tidy: 'Simulated answer: Tidy this value (9 characters). Use Title Case. VALUE: happy day',
  },
  { mood: 'Sad', tidy: 'Simulated answer: Tidy this value (8 characters). Use Title Case. VALUE: sad rain' },
];

test('the CLI: the forms, a Jinja operator and a mapping dimension run on the built-in simulator, the warnings on stderr', async () => {
  const r = await rvbbit(['query', '--cascades', LARSQL, '--format', 'json', CLEAN_ROW]);
  assert.is(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out), [ANSWERS]);
  const j = await rvbbit(['query', '--cascades', LARSQL, '--format', 'json', JINJA_AND_MAPPING]);
  assert.is(j.code, 0, j.err);
  assert.equal(JSON.parse(j.out), JINJA_AND_MAPPING_ROWS);
  assert.equal(
    r.err.split('\n').filter((l) => l.startsWith('rvbbit: warning:')),
    warnings.map((w) => `rvbbit: warning: ${w}`),
  );
});

test('the server: node-postgres with a parameter (extended protocol) and psql (simple protocol), a Jinja operator and a mapping dimension too', async () => {
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
      const j = await client.query(JINJA_AND_MAPPING);
      assert.equal(j.rows, JINJA_AND_MAPPING_ROWS);
    } finally {
      await client.end();
    }
    if (!psqlTest.available()) return;
    const r = await psql(server.port, ['-A', '-t', '-c', CLEAN_ROW]);
    assert.is(r.code, 0, r.err);
    assert.is(r.out, `${ANSWERS.a}|${ANSWERS.c}|${ANSWERS.b}\n`);
    const j = await psql(server.port, ['-A', '-t', '-c', JINJA_AND_MAPPING]);
    assert.is(j.code, 0, j.err);
    assert.is(j.out, JINJA_AND_MAPPING_ROWS.map((x) => `${x.mood}|${x.tidy}\n`).join(''));
  } finally {
    await server.close();
  }
});

test.run();
