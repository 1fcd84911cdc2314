/** Bad input is a clear error with a position, never a crash. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RvbbitError } from '../../base/errors.js';
import { createEngine } from '../../src/index.js';
import {
  BROKEN_TEMPLATE_CASCADES,
  COLLIDE_CASCADES,
  type SemFixture,
  startSemFixture,
} from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: errors');

test.before(async (ctx) => {
  ctx.f = await startSemFixture();
});
test.after(async (ctx) => {
  await ctx.f.close();
});

async function failure(f: SemFixture, sql: string): Promise<RvbbitError> {
  try {
    await f.engine.query(sql);
  } catch (err) {
    return err as RvbbitError;
  }
  throw new Error(`expected an error from: ${sql}`);
}

test('an operator with a missing operand', async ({ f }) => {
  const e = await failure(f, `SELECT id FROM docs\nWHERE body MEANS`);
  assert.is(e.code, 'E_MISSING_OPERAND');
  assert.match(e.message, /MEANS needs a right operand/);
  assert.equal([e.detail.line, e.detail.column], [2, 17]);
});

test('a DuckDB error in a statement with operators quotes what the user wrote, not the rewrite', async ({
  f,
}) => {
  const e = await failure(f, `SELECT 1;\nSELECT id, body MEANS 'eco' AS m\nFROM docs WHERE nosuch = 1`);
  assert.is(e.code, 'DUCKDB_BINDER');
  assert.not.match(e.message, /rvbbit_/);
  assert.match(e.message, /\nLINE 3: FROM docs WHERE nosuch = 1\n {24}\^/);
  assert.equal([e.detail.line, e.detail.column], [3, 17]);
  // Inside an operator's operands the caret points at the operator the user wrote.
  const long = 'x'.repeat(90);
  const cut = await failure(f, `SELECT '${long}' AS pad, body MEANS 'eco' AS m, 1 / 'x' AS bad FROM docs`);
  assert.is(cut.code, 'DUCKDB_CONVERSION');
  assert.not.match(cut.message, /rvbbit_/);
  assert.match(
    cut.message,
    /LINE 1: \.\.\.x+' AS pad, body MEANS 'eco' AS m, 1 \/ 'x' AS bad FROM docs\n +\^/,
  );
  assert.equal(cut.detail.line, 1);
  assert.is(cut.detail.column, `SELECT '${long}' AS pad, body MEANS 'eco' AS m, 1 / `.length + 1);
});

test('a misspelt annotation key suggests the key', async ({ f }) => {
  const e = await failure(f, `-- @ paralel: 3\nSELECT id FROM docs WHERE body MEANS 'eco'`);
  assert.is(e.code, 'E_UNKNOWN_ANNOTATION');
  assert.match(e.message, /unknown annotation key 'paralel' — did you mean 'parallel'\?/);
  assert.equal([e.detail.line, e.detail.column], [1, 6]);
});

test('a bad strategy value', async ({ f }) => {
  const e = await failure(f, `-- @ strategy: fast\nSELECT id FROM docs WHERE body MEANS 'eco'`);
  assert.match(e.message, /strategy must be one of batch, sequential, union_all, vectorized, got 'fast'/);
});

test('an operand of a type the cascade cannot take: the operator, its position and the signature', async ({
  f,
}) => {
  const e = await failure(f, `SELECT id\nFROM docs WHERE rating MEANS 'good'`);
  assert.is(e.code, 'SEMANTIC_OPERAND_TYPE');
  assert.is(
    e.message.split(';')[0],
    'MEANS at line 2, column 17 takes (text VARCHAR, criterion VARCHAR) but got (INTEGER, STRING_LITERAL)',
  );
  assert.equal([e.detail.line, e.detail.column], [2, 17]);
});

test('an operator word that is a SQL keyword: that form is skipped with one warning naming file:line:col and the word; the engine runs', async () => {
  const warnings: string[] = [];
  const engine = await createEngine({
    cascadeRoots: [COLLIDE_CASCADES],
    provider: { baseUrl: 'http://127.0.0.1:9/v1', model: 'x' },
    onWarning: (m) => warnings.push(m),
  });
  try {
    assert.is(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /^operator cascade: .*semantic-collide\/select_op\.yaml:7:16: sql_function\.operators\[0\]: operator form "\{\{ a \}\} SELECT \{\{ b \}\}" skipped: operator 'SELECT': 'SELECT' is a SQL keyword$/,
    );
    assert.equal((await engine.query(`SELECT 41 + 1 AS n`)).rows, [{ n: 42 }]);
  } finally {
    await engine.close();
  }
});

test('an operator cascade that does not compile fails the statements using it, naming file and line; the engine goes on', async () => {
  const engine = await createEngine({
    cascadeRoots: [BROKEN_TEMPLATE_CASCADES],
    provider: { baseUrl: 'http://127.0.0.1:9/v1', model: 'x' },
  });
  try {
    const e = (await engine.query(`SELECT 'a' ECHOES 'b' AS x`).catch((err) => err)) as RvbbitError;
    assert.is(e.code, 'CASCADE_TEMPLATE');
    assert.match(
      e.message,
      /semantic-broken-template\/echoes\.yaml:10:54: cells\[0\]\.instructions: output "\{\{ input\.b <\/b>\? JSON" not closed/,
    );
    assert.equal((await engine.query(`SELECT 41 + 1 AS n`)).rows, [{ n: 42 }]);
  } finally {
    await engine.close();
  }
});

test('a semantic function called outside the engine’s rewrite', async ({ f }) => {
  const e = await failure(
    f,
    `SELECT id FROM docs WHERE body MEANS 'eco'; SELECT rvbbit_semantic_means(999999, 'a', 'b')`,
  );
  assert.match(e.message, /called outside an rvbbit statement/);
});

test.run();
