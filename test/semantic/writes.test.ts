/**
 * Statements that write (CREATE TABLE … AS, INSERT … SELECT, UPDATE … SET,
 * COPY (query) TO) with semantic operators run on the batch path
 * (src/statements/semantic/run/write-passes.ts): calls in parallel, exactly the distinct
 * tuples, the effect landing once; inside a client's own transaction they
 * fall back to the blocking path, which a session that must not block
 * refuses, as it refuses the blocking strategies.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture, TABLES } from './semantic-fixture.js';

const ECO_IDS = [1, 4, 6, 10, 11];
/** Distinct non-NULL bodies of `docs`: the calls `body MEANS …` over every row makes. */
const DOCS_CALLS = 11;
const NO_CACHE = '-- @ cache: false';
const BIG = `${TABLES}
CREATE TABLE big AS SELECT range::INTEGER AS id,
  CASE WHEN range % 10 = 0 THEN 'eco friendly item ' ELSE 'plain item ' END || range AS body FROM range(400);`;

const test = suite<{ f: SemFixture; dir: string }>('semantic: writes on the batch path');

test.before(async (ctx) => {
  // Pinned unpacked (operatorBatch: 1): these count each distinct tuple's call on the write path; unannotated statements pack since issue 67
  // (test/semantic/auto-packing.test.ts).
  ctx.f = await startSemFixture({ defaultParallel: 16, operatorBatch: 1 }, { latencyMs: 5 }, BIG);
  ctx.dir = mkdtempSync(join(tmpdir(), 'rvbbit-writes-'));
});
test.after(async (ctx) => {
  await ctx.f.close();
  rmSync(ctx.dir, { recursive: true, force: true });
});
test.before.each(async ({ f }) => {
  await f.sim.resetStats();
});

async function lastStrategy(f: SemFixture): Promise<unknown> {
  const q = await f.rows(
    `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  return q[0]?.strategy;
}

test('CREATE TABLE … AS: each distinct tuple called once, in parallel; the table made once', async ({
  f,
}) => {
  await f.rows(`CREATE TABLE eco_docs AS SELECT id FROM docs WHERE body MEANS 'eco friendly'`, NO_CACHE);
  assert.is(await f.requests(), DOCS_CALLS);
  assert.equal(
    (await f.rows(`SELECT id FROM eco_docs ORDER BY id`)).map((r) => r.id),
    ECO_IDS,
  );
  assert.is(await lastStrategy(f), 'batch (a write: passes that missed calls rolled back)');
  await f.sim.resetStats();
  await f.rows(`CREATE TABLE big_m AS SELECT id, body MEANS 'eco friendly' AS m FROM big`, NO_CACHE);
  const stats = await f.sim.stats();
  assert.is(stats.requests, 400);
  assert.ok(stats.maxInFlight > 1, `calls ran one at a time (max in flight ${stats.maxInFlight})`);
  assert.equal(await f.rows(`SELECT count(*)::INT AS n, count(*) FILTER (WHERE m)::INT AS yes FROM big_m`), [
    { n: 400, yes: 40 },
  ]);
});

test('INSERT … SELECT inserts each row once, with the answers', async ({ f }) => {
  await f.rows(`CREATE TABLE ins (id INTEGER, eco BOOLEAN)`);
  await f.rows(`INSERT INTO ins SELECT id, body MEANS 'eco friendly' FROM docs WHERE id <= 6`, NO_CACHE);
  assert.is(await f.requests(), 6);
  assert.equal(await f.rows(`SELECT id, eco FROM ins ORDER BY id`), [
    { id: 1, eco: true },
    { id: 2, eco: false },
    { id: 3, eco: false },
    { id: 4, eco: true },
    { id: 5, eco: false },
    { id: 6, eco: true },
  ]);
});

test('WITH … INSERT is a write: each row inserted once, not once per record pass', async ({ f }) => {
  await f.rows(`CREATE TABLE with_ins (id INTEGER, eco BOOLEAN)`);
  await f.rows(
    `WITH d AS (SELECT id, body FROM docs WHERE id <= 6) INSERT INTO with_ins SELECT id, body MEANS 'eco friendly' FROM d`,
    NO_CACHE,
  );
  assert.is(await f.requests(), 6);
  assert.equal(await f.rows(`SELECT id, eco FROM with_ins ORDER BY id`), [
    { id: 1, eco: true },
    { id: 2, eco: false },
    { id: 3, eco: false },
    { id: 4, eco: true },
    { id: 5, eco: false },
    { id: 6, eco: true },
  ]);
  assert.is(await lastStrategy(f), 'batch (a write: passes that missed calls rolled back)');
});

test('INSERT … SELECT writes once: its record passes read the query, so a sequence the write draws from is drawn once a row', async ({
  f,
}) => {
  // DuckDB's sequences are not rolled back with a transaction: a record pass run as the INSERT itself
  // (then rolled back) drew ids 1-6 for nothing, and the rows written got 7-12 (issue 66).
  await f.rows(
    `CREATE SEQUENCE ins_ids; CREATE TABLE ins_seq (n BIGINT DEFAULT nextval('ins_ids'), id INTEGER, eco BOOLEAN)`,
  );
  await f.rows(
    `INSERT INTO ins_seq (id, eco) SELECT id, body MEANS 'eco friendly' FROM docs WHERE id <= 6`,
    NO_CACHE,
  );
  assert.is(await f.requests(), 6);
  assert.equal(await f.rows(`SELECT n::INT AS n, id, eco FROM ins_seq ORDER BY n`), [
    { n: 1, id: 1, eco: true },
    { n: 2, id: 2, eco: false },
    { n: 3, id: 3, eco: false },
    { n: 4, id: 4, eco: true },
    { n: 5, id: 5, eco: false },
    { n: 6, id: 6, eco: true },
  ]);
  assert.equal(await f.rows(`SELECT currval('ins_ids')::INT AS n`), [{ n: 6 }]);
  // Every answer cached: the first pass reads the query, misses nothing, and the write follows in the same pass.
  await f.sim.resetStats();
  // Another phrase: the later tests count 'eco friendly' calls with nothing cached.
  const cached = `INSERT INTO ins_seq (id, eco) SELECT id, body MEANS 'sustainable product' FROM docs WHERE id <= 6`;
  await f.rows(cached);
  await f.rows(cached);
  assert.is(await f.requests(), 6, 'the first cached INSERT asks, the second reads the cache');
  assert.equal(
    await f.rows(
      `SELECT currval('ins_ids')::INT AS n, count(*)::INT AS rows, count(eco)::INT AS answered FROM ins_seq`,
    ),
    [{ n: 18, rows: 18, answered: 18 }],
  );
  // The cached INSERT wrote the answers the asking one got: ids 13-18 repeat 7-12.
  assert.equal(
    await f.rows(
      `SELECT count(*)::INT AS differ FROM (SELECT n + 6 AS n, id, eco FROM ins_seq WHERE n BETWEEN 7 AND 12
         EXCEPT SELECT n, id, eco FROM ins_seq WHERE n > 12)`,
    ),
    [{ differ: 0 }],
  );
});

test('UPDATE … SET c = operator(…) updates with the answers', async ({ f }) => {
  await f.rows(`CREATE TABLE upd AS SELECT id, body, NULL::BOOLEAN AS eco FROM docs`);
  await f.rows(`UPDATE upd SET eco = body MEANS 'eco friendly' WHERE id BETWEEN 3 AND 8`, NO_CACHE);
  assert.is(await f.requests(), 6);
  assert.equal(
    (await f.rows(`SELECT id FROM upd WHERE eco ORDER BY id`)).map((r) => r.id),
    [4, 6],
  );
  assert.equal(await f.rows(`SELECT count(eco)::INT AS n FROM upd`), [{ n: 6 }]);
});

test('COPY (query) TO a file writes the answered rows', async ({ f, dir }) => {
  const file = join(dir, 'eco.csv');
  await f.rows(
    `COPY (SELECT id, body MEANS 'eco friendly' AS eco FROM docs WHERE id <= 4 ORDER BY id) TO '${file}' (HEADER)`,
    NO_CACHE,
  );
  assert.is(await f.requests(), 4);
  assert.is(readFileSync(file, 'utf8'), 'id,eco\n1,true\n2,false\n3,false\n4,true\n');
});

test('EXPLAIN of a write counts its calls, makes none and changes nothing', async ({ f }) => {
  const rows = await f.rows(
    `EXPLAIN CREATE TABLE never AS SELECT id FROM docs WHERE body MEANS 'eco friendly'`,
  );
  const prop = (k: string) => rows.find((r) => r.property === k)?.value;
  assert.is(prop('statement'), 'CREATE');
  assert.is(prop('strategy'), 'batch (a write: passes that missed calls rolled back)');
  assert.is(prop('est_calls'), String(DOCS_CALLS));
  assert.is(await f.requests(), 0);
  assert.equal(await f.rows(`SELECT count(*)::INT AS n FROM duckdb_tables() WHERE table_name = 'never'`), [
    { n: 0 },
  ]);
  const s = await f.engine.session();
  try {
    await s.query('BEGIN');
    const err = await s.query(`EXPLAIN INSERT INTO big SELECT id, body FROM docs WHERE body MEANS 'x'`).then(
      () => undefined,
      (e: unknown) => e as { code?: string },
    );
    assert.is(err?.code, 'EXPLAIN_WRITE_IN_TRANSACTION');
    await s.query('ROLLBACK');
  } finally {
    s.close();
  }
});

test('inside BEGIN … COMMIT a write runs on the blocking path and the transaction stays usable', async ({
  f,
}) => {
  const s = await f.engine.session();
  try {
    await s.query(`CREATE TABLE tx_docs (id INTEGER, eco BOOLEAN)`);
    await s.query('BEGIN');
    await s.query(`INSERT INTO tx_docs SELECT id, body MEANS 'eco friendly' FROM docs WHERE id <= 4`);
    await s.query(`INSERT INTO tx_docs VALUES (99, NULL)`);
    await s.query('ROLLBACK');
    assert.equal((await s.query(`SELECT count(*)::INT AS n FROM tx_docs`)).rows, [{ n: 0 }]);
    await s.query('BEGIN');
    await s.query(`INSERT INTO tx_docs SELECT id, body MEANS 'eco friendly' FROM docs WHERE id <= 4`);
    await s.query('COMMIT');
    assert.equal((await s.query(`SELECT id FROM tx_docs WHERE eco ORDER BY id`)).rows, [
      { id: 1 },
      { id: 4 },
    ]);
    const q = await s.query(
      `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
    );
    assert.equal(q.rows, [
      { strategy: 'vectorized (a write inside an open transaction cannot run rolled-back record passes)' },
    ]);
  } finally {
    s.close();
  }
});

test('a session that must not block refuses the blocking strategies and a write in a transaction', async ({
  f,
}) => {
  const s = await f.engine.session({ allowBlocking: false });
  try {
    for (const strategy of ['sequential', 'vectorized', 'union_all']) {
      const err = await s
        .query(`-- @ strategy: ${strategy}\nSELECT id FROM docs WHERE body MEANS 'eco friendly'`)
        .then(
          () => undefined,
          (e: unknown) => e as { code?: string; message?: string },
        );
      assert.is(err?.code, 'STRATEGY_BLOCKS', strategy);
      assert.match(String(err?.message), `strategy ${strategy} runs its calls one at a time`);
    }
    await s.query(`CREATE TABLE nb (id INTEGER)`);
    await s.query('BEGIN');
    const err = await s.query(`INSERT INTO nb SELECT id FROM docs WHERE body MEANS 'eco friendly'`).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message?: string },
    );
    assert.is(err?.code, 'STRATEGY_BLOCKS');
    assert.match(String(err?.message), 'run it outside BEGIN … COMMIT');
    await s.query('ROLLBACK');
    // The default strategy, and a write outside a transaction, run.
    await s.query(`INSERT INTO nb SELECT id FROM docs WHERE body MEANS 'eco friendly'`);
    assert.equal(
      (await s.query(`SELECT id FROM nb ORDER BY id`)).rows.map((r) => (r as { id: number }).id),
      ECO_IDS,
    );
  } finally {
    s.close();
  }
});

test.run();
