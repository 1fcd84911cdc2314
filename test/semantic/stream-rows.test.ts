/**
 * engine.stream of a semantic statement (issue 66): its record passes let
 * their rows go, and once every answer is known the statement's rows stream
 * out of DuckDB a chunk at a time. Shown as bytes: when the first batch
 * arrives, the JS heap holds about a batch, not the 40 MB result; and as
 * outcomes: the same rows as engine.query, one call per distinct tuple, the
 * statement's line in rvbbit.queries.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import * as assert from 'uvu/assert';
import { jsonRows, semSuite } from './semantic-fixture.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const test = semSuite('semantic: engine.stream streams the answered statement');

/** 20,000 rows of ~2 KB text (40 MB as JS strings), labelled by 3 distinct tuples. */
const BIG = `-- @ cache: false
SELECT range AS id, repeat('x', 2000) || range AS big, CLASSIFY((range % 3)::VARCHAR || ' eco bottle', 'eco,steel') AS label
FROM range(20000) ORDER BY id`;

function heapMb(): number {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

test('the first batch comes with about a batch in the heap, not the whole 40 MB result', async ({ f }) => {
  const before = heapMb();
  let atFirst: number | undefined;
  let rows = 0;
  let batches = 0;
  for await (const batch of f.engine.stream(BIG)) {
    if (atFirst === undefined) atFirst = heapMb() - before;
    rows += batch.length;
    batches++;
  }
  assert.is(rows, 20_000);
  assert.ok(batches >= 10, `${batches} batches`);
  // A batch is 2,048 rows of 2 KB: ~4 MB. The whole result would be over 40 MB.
  assert.ok(atFirst! < 16, `${atFirst!.toFixed(1)} MB more heap at the first batch`);
  // The record pass asked the 3 distinct tuples, packed in 1 call (3 calls before issue 67 packed unannotated
  // statements); the streamed run asked none.
  assert.is(await f.requests(), 1);
});

test('the streamed rows are engine.query rows, and the statement logs its calls', async ({ f }) => {
  const sql = `-- @ cache: false
SELECT id, title, body MEANS 'eco friendly' AS eco, CLASSIFY(body, 'eco,sport,tech') AS label FROM docs ORDER BY id`;
  const streamed: Record<string, unknown>[] = [];
  for await (const batch of f.engine.stream(sql)) streamed.push(...batch);
  const calls = await f.requests();
  const q = await f.engine.query(
    `SELECT strategy, calls::INTEGER AS calls, status FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  assert.equal(jsonRows(q.rows), [{ strategy: 'batch', calls, status: 'ok' }]);
  // 11 bodies (one NULL) × 2 operators, each operator's 11 packed in 1 call (22 calls before issue 67 packed
  // unannotated statements).
  assert.is(calls, 2);
  assert.equal(streamed, (await f.engine.query(sql)).rows);
});

test('a filter streams only its matching rows', async ({ f }) => {
  const sql = `-- @ cache: false\nSELECT id FROM docs WHERE body MEANS 'eco friendly' ORDER BY id`;
  const streamed: Record<string, unknown>[] = [];
  for await (const batch of f.engine.stream(sql)) streamed.push(...batch);
  assert.equal(streamed, (await f.engine.query(sql)).rows);
  assert.ok(streamed.length > 0 && streamed.length < 12);
});

test('an operator error while streaming is the operator error, and the session goes on', async ({ f }) => {
  const sql = `SELECT id FROM docs WHERE id MEANS 'eco friendly'`;
  try {
    for await (const _ of f.engine.stream(sql));
    assert.unreachable('streamed an operand of the wrong type');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'SEMANTIC_OPERAND_TYPE');
  }
  assert.equal(jsonRows((await f.engine.query('SELECT 1 AS one')).rows), [{ one: 1 }]);
});

test.run();
