/**
 * What a semantic statement holds while it runs (issue 66): each distinct
 * tuple's key is a digest of a fixed size whatever its operands' size, and a
 * record pass holds at most `tuplesPerPass` tuples waiting for their answers
 * (engine option): past it, the rest wait for the next pass. The bound is
 * shown as steps (the passes the strategy names), and the statement still
 * makes exactly one call per distinct tuple and gives the unbounded rows.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import type { SemanticFunction } from '../../src/plan/operator-catalog.js';
import {
  callKey,
  liveStatements,
  type StatementCalls,
} from '../../src/statements/semantic/state/statement-calls.js';
import { type SemFixture, semSuite } from './semantic-fixture.js';

const ITEMS = `CREATE TABLE items AS SELECT range::INTEGER AS id,
  CASE WHEN range % 5 = 0 THEN 'eco friendly bottle number ' ELSE 'plain steel part number ' END || range AS body
  FROM range(1000);`;

// Pinned unpacked (operatorBatch: 1): the passes' calls are counted one per tuple held; unannotated statements pack since issue 67
// (test/semantic/auto-packing.test.ts).
const test = semSuite('semantic: tuples held per pass', { tuplesPerPass: 100, operatorBatch: 1 }, {}, ITEMS);

/** The strategy rvbbit.queries records for `engine`'s last semantic statement. */
async function lastStrategy(engine: Pick<SemFixture['engine'], 'query'>) {
  const r = await engine.query(
    `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  return (r.rows[0] as { strategy: string }).strategy;
}

/** The same statement's rows from an engine without the bound (its own cache off too). */
async function unboundedRows(url: string, sql: string) {
  const e = await createEngine({
    cascadeRoots: [],
    provider: { baseUrl: url, model: 'sim-small', maxConcurrency: 1000 },
    threads: 2,
    operatorBatch: 1,
  });
  try {
    await e.query(ITEMS);
    return (await e.query(sql)).rows;
  } finally {
    await e.close();
  }
}

test('a key is a digest: the same size for a 1 MB operand as for one letter, and distinct per value', () => {
  const fn = { name: 'means' } as SemanticFunction;
  const big = 'x'.repeat(1 << 20);
  const k = callKey(fn, [big, 'positive']);
  assert.is(k.length, callKey(fn, ['x', 'positive']).length);
  assert.ok(k.length <= 64, `key of ${k.length} characters`);
  assert.is.not(k, callKey(fn, [`${big}y`, 'positive']));
  assert.is(k, callKey(fn, [big, 'positive']));
  // Arguments stay apart: ('ab', 'c') is not ('a', 'bc').
  assert.is.not(callKey(fn, ['ab', 'c']), callKey(fn, ['a', 'bc']));
});

test('a filter over 1000 distinct texts holds 100 tuples at once: 2 passes, 1000 calls, the unbounded rows', async ({
  f,
}) => {
  const sql = `-- @ cache: false\nSELECT id FROM items WHERE body MEANS 'eco friendly bottle' ORDER BY id`;
  const rows = await f.rows(sql);
  assert.is(await f.requests(), 1000);
  assert.is(
    await lastStrategy(f.engine),
    'batch (at most 100 tuples held at once, 900 more asked from a spill file: 2 passes)',
  );
  assert.equal(rows, await unboundedRows(f.sim.url, sql));
  assert.is(rows.length, 200);
});

/**
 * Calls `sample` with each live statement every millisecond while `run` runs:
 * the main thread is free between DuckDB's chunks and while a pass's calls are
 * out, so the samples see every pass.
 */
async function sampleWhile(run: () => Promise<unknown>, sample: (s: StatementCalls) => void): Promise<void> {
  const sampler = setInterval(() => {
    for (const s of liveStatements()) sample(s);
  }, 1);
  try {
    await run();
  } finally {
    clearInterval(sampler);
  }
}

/** The most tuple keys a live statement held at once (recorded and missed), and how many samples saw a pass holding some. */
async function heldWhile(run: () => Promise<unknown>): Promise<{ most: number; samples: number }> {
  let most = 0;
  let samples = 0;
  await sampleWhile(run, (s) => {
    const held = s.recorded.size + s.missed.size;
    if (held > 0) samples++;
    most = Math.max(most, held);
  });
  return { most, samples };
}

test('a count over 1000 distinct texts holds at most 100 tuple keys at any moment: misses past the 100 of a pass are spilled to a file, not kept', async ({
  f,
}) => {
  const sql = `-- @ cache: false\nSELECT count(*)::INTEGER AS n FROM items WHERE body MEANS 'eco friendly bottle'`;
  let rows: Record<string, unknown>[] = [];
  const held = await heldWhile(async () => {
    rows = await f.rows(sql);
  });
  // Every pass but the last held its 100 recorded tuples while their calls were out.
  assert.ok(held.samples > 0, 'no sample saw a pass holding tuples');
  assert.is(held.most, 100);
  assert.equal(rows, [{ n: 200 }]);
  assert.is(await f.requests(), 1000);
  assert.is(
    await lastStrategy(f.engine),
    'batch (at most 100 tuples held at once, 900 more asked from a spill file: 2 passes)',
  );
});

test('CLASSIFY over 1000 texts: 1000 calls, 100 held per pass, the unbounded labels', async ({ f }) => {
  const sql = `-- @ cache: false\nSELECT id, CLASSIFY(body, 'eco,steel') AS label FROM items ORDER BY id`;
  const rows = await f.rows(sql);
  assert.is(await f.requests(), 1000);
  assert.is(
    await lastStrategy(f.engine),
    'batch (at most 100 tuples held at once, 900 more asked from a spill file: 2 passes)',
  );
  assert.equal(rows, await unboundedRows(f.sim.url, sql));
});

test('a statement within the bound runs as before: one record pass, strategy batch', async ({ f }) => {
  await f.rows(
    `-- @ cache: false\nSELECT count(*) FROM items WHERE id < 50 AND body MEANS 'eco friendly bottle'`,
  );
  assert.is(await f.requests(), 50);
  assert.is(await lastStrategy(f.engine), 'batch');
});

test('passes do not grow with rows: 300 or 1000 distinct texts at 100 held take 2 passes, the misses past 100 asked from the spill file', async ({
  f,
}) => {
  for (const n of [300, 1000]) {
    await f.sim.resetStats();
    const sql = `-- @ cache: false\nSELECT count(*)::INTEGER AS n FROM items WHERE id < ${n} AND body MEANS 'eco friendly bottle'`;
    assert.equal(await f.rows(sql), [{ n: n / 5 }]);
    assert.is(await f.requests(), n);
    assert.is(
      await lastStrategy(f.engine),
      `batch (at most 100 tuples held at once, ${n - 100} more asked from a spill file: 2 passes)`,
    );
  }
});

test('a tuple met many times past the bound is asked once: 5 distinct texts over 1000 rows at 2 held', async ({
  f,
}) => {
  const e = await createEngine({
    cascadeRoots: [],
    provider: { baseUrl: f.sim.url, model: 'sim-small', maxConcurrency: 1000 },
    threads: 2,
    tuplesPerPass: 2,
    operatorBatch: 1,
  });
  try {
    const r = await e.query(
      `-- @ cache: false\nSELECT count(*)::INTEGER AS n FROM range(1000) t(i) WHERE (['eco friendly bottle', 'plain steel part', 'rusty iron nail', 'oak chair leg', 'glass window pane'][i % 5 + 1]) MEANS 'eco friendly bottle'`,
    );
    assert.equal(r.rows, [{ n: 200 }]);
    assert.is(await f.requests(), 5);
    assert.is(
      await lastStrategy(e),
      'batch (at most 2 tuples held at once, 3 more asked from a spill file: 2 passes)',
    );
  } finally {
    await e.close();
  }
});

test('nested operators (CLASSIFY of a generation) over 1000 texts at 100 held: 3 passes, the unbounded rows and calls', async ({
  f,
}) => {
  const sql = `-- @ cache: false\nSELECT id, CLASSIFY(LLM('A short title for the text', body RETURNING VARCHAR), 'eco,steel') AS label FROM items ORDER BY id`;
  const rows = await f.rows(sql);
  const calls = await f.requests();
  assert.match(
    await lastStrategy(f.engine),
    /^batch \(at most 100 tuples held at once, \d+ more asked from a spill file: 3 passes\)$/,
  );
  assert.equal(rows, await unboundedRows(f.sim.url, sql));
  assert.is((await f.requests()) - calls, calls, 'the unbounded run made as many calls');
  assert.ok(calls > 1000, `${calls} calls: 1000 generations and their labels`);
});

test('CTAS into a file database over 1000 texts at 100 held: 2 passes (one rolled back), 1000 calls, every row written once committed', async ({
  f,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-held-ctas-'));
  const e = await createEngine({
    cascadeRoots: [],
    database: join(dir, 'f.duckdb'),
    provider: { baseUrl: f.sim.url, model: 'sim-small', maxConcurrency: 1000 },
    threads: 2,
    tuplesPerPass: 100,
    operatorBatch: 1,
  });
  try {
    await e.query(ITEMS);
    await e.query(
      `-- @ cache: false\nCREATE TABLE marked AS SELECT id, body MEANS 'eco friendly bottle' AS eco FROM items`,
    );
    assert.is(await f.requests(), 1000);
    const r = await e.query(
      `SELECT count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids, count(*) FILTER (eco)::INTEGER AS eco FROM marked`,
    );
    assert.equal(r.rows, [{ n: 1000, ids: 1000, eco: 200 }]);
    assert.is(
      await lastStrategy(e),
      'batch (a write: passes that missed calls rolled back) (at most 100 tuples held at once, 900 more asked from a spill file: 2 passes)',
    );
  } finally {
    await e.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The most rounds of a spilled pass a live statement had out at once, sampled every millisecond while `run` runs. */
async function roundsOutWhile(run: () => Promise<unknown>): Promise<number> {
  let most = 0;
  await sampleWhile(run, (s) => {
    most = Math.max(most, s.roundsOut);
  });
  return most;
}

test('CTAS of a typed generation over 1000 texts at 100 held: at most 100 tuples held at any moment, two rounds of 50 out at once, 1000 calls, the unbounded table', async ({
  f,
}) => {
  const sql = `-- @ cache: false\nCREATE TABLE titled AS SELECT id, LLM('A short title for the text', body RETURNING VARCHAR) AS title FROM items`;
  let rounds = 0;
  const held = await heldWhile(async () => {
    rounds = await roundsOutWhile(() => f.engine.query(sql));
  });
  // The pass held its first 100 (the bound); the spill's 900 were asked 50 at a time, a round
  // started while the one before it still had calls out: never all 1000, never a round alone.
  assert.is(held.most, 100);
  assert.is(rounds, 2);
  assert.is(await f.requests(), 1000);
  assert.is(
    await lastStrategy(f.engine),
    'batch (a write: passes that missed calls rolled back) (at most 100 tuples held at once, 900 more asked from a spill file: 2 passes)',
  );
  const read = `SELECT id, title FROM titled ORDER BY id`;
  const rows = (await f.engine.query(read)).rows;
  assert.is(rows.length, 1000);
  assert.ok(
    rows.every((r) => typeof r['title'] === 'string' && r['title'] !== ''),
    'every row has its title',
  );
  const e = await createEngine({
    cascadeRoots: [],
    provider: { baseUrl: f.sim.url, model: 'sim-small', maxConcurrency: 1000 },
    threads: 2,
    operatorBatch: 1,
  });
  try {
    await e.query(ITEMS);
    await e.query(sql);
    assert.equal(rows, (await e.query(read)).rows);
  } finally {
    await e.close();
  }
});

test('a failed round ends a spilled pass with its error: no round read after it, the spill folder removed', async ({
  f,
}) => {
  const mine = () => readdirSync(tmpdir()).filter((x) => x.startsWith(`rvbbit-tuple-spill-${process.pid}-`));
  await f.sim.setOptions({ errorRate: 1 });
  try {
    await f.engine.query(
      `-- @ cache: false\n-- @ retries: 1\nSELECT count(*) FROM items WHERE body MEANS 'eco friendly bottle'`,
    );
    assert.unreachable('the statement ran with every call failing');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'SEMANTIC_CALL_FAILED');
    assert.match(String(err), /HTTP 500/);
  } finally {
    await f.sim.setOptions({ errorRate: 0 });
  }
  // The pass held 100 (two rounds of 50, one attempt each at most); the 900 spilled were never asked.
  const calls = await f.requests();
  assert.ok(calls >= 1 && calls <= 100, `${calls} calls`);
  assert.equal(mine(), []);
});

test('the spill folder is removed after the statement, and after one that fails', async ({ f }) => {
  const mine = () => readdirSync(tmpdir()).filter((x) => x.startsWith(`rvbbit-tuple-spill-${process.pid}-`));
  await f.rows(`-- @ cache: false\nSELECT count(*) FROM items WHERE body MEANS 'steel part'`);
  assert.equal(mine(), []);
  try {
    await f.rows(
      `-- @ cache: false\nSELECT count(*) FROM items WHERE body MEANS 'steel part' AND 1 / (id - 999) > 5`,
    );
  } catch {
    // either way, no folder left
  }
  assert.equal(mine(), []);
});

/** Sampled every millisecond while `run` runs: the most answers a live statement held in memory, and in its file. */
async function answersWhile(run: () => Promise<unknown>): Promise<{ inMemory: number; inFile: number }> {
  const most = { inMemory: 0, inFile: 0 };
  await sampleWhile(run, (s) => {
    // mostInMemory is the store's own high-water mark: a sample misses no moment of it.
    most.inMemory = Math.max(most.inMemory, s.results.mostInMemory, s.results.heldInMemory);
    most.inFile = Math.max(most.inFile, s.results.inFile);
  });
  return most;
}

test("CTAS of a typed generation over 1000 texts at 100 answers in memory: never more held, the rest read back from the statement's file, 1000 calls, the unbounded table; within the bound no file", async ({
  f,
}) => {
  const sql = `-- @ cache: false\nCREATE TABLE titled AS SELECT id, LLM('A short title for the text', body RETURNING VARCHAR) AS title FROM items`;
  const read = `SELECT id, title FROM titled ORDER BY id`;
  const e = await createEngine({
    cascadeRoots: [],
    provider: { baseUrl: f.sim.url, model: 'sim-small', maxConcurrency: 1000 },
    threads: 2,
    tuplesPerPass: 100,
    answersInMemory: 100,
    operatorBatch: 1,
  });
  try {
    await e.query(ITEMS);
    const answers = await answersWhile(() => e.query(sql));
    assert.is(answers.inMemory, 100);
    // The 1000 answers moved out 100 at a time: the last move left 900 in the file, 100 in memory.
    assert.is(answers.inFile, 900);
    assert.is(await f.requests(), 1000);
    const rows = (await e.query(read)).rows;
    assert.is(rows.length, 1000);
    const unbounded = await createEngine({
      cascadeRoots: [],
      provider: { baseUrl: f.sim.url, model: 'sim-small', maxConcurrency: 1000 },
      threads: 2,
      operatorBatch: 1,
    });
    try {
      await unbounded.query(ITEMS);
      const within = await answersWhile(() => unbounded.query(sql));
      // The default bound (65,536) holds these 1000: no file.
      assert.equal(within, { inMemory: 1000, inFile: 0 });
      assert.equal(rows, (await unbounded.query(read)).rows);
    } finally {
      await unbounded.close();
    }
  } finally {
    await e.close();
  }
});

test('answersInMemory must be a positive integer', async () => {
  for (const answersInMemory of [0, 2.5, -1]) {
    try {
      await createEngine({ cascadeRoots: [], answersInMemory });
      assert.unreachable(`answersInMemory ${answersInMemory} was taken`);
    } catch (err) {
      assert.is((err as { code?: string }).code, 'ENGINE_OPTION');
      assert.match(String(err), /answersInMemory must be a positive integer/);
    }
  }
});

test('tuplesPerPass must be a positive integer', async () => {
  for (const tuplesPerPass of [0, 1.5, -3]) {
    try {
      await createEngine({ cascadeRoots: [], tuplesPerPass });
      assert.unreachable(`tuplesPerPass ${tuplesPerPass} was taken`);
    } catch (err) {
      assert.is((err as { code?: string }).code, 'ENGINE_OPTION');
      assert.match(String(err), /tuplesPerPass must be a positive integer/);
    }
  }
});

test.run();
