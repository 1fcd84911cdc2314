/**
 * A LIMIT answer is a subset of the unlimited answer (issue 51), under
 * `-- @ prefilter` too: the prefilter keeps each left value's k nearest right
 * values among all the statement's values, so the pairs are planned over the
 * statement without its LIMIT before any window (limit-window.ts) or budgeted
 * pass runs (batch-passes.ts). The data: the 300 test reviews with a skewed
 * key (half of them share key 0).
 */
import * as assert from 'uvu/assert';
import { type SemFixture, semSuite, TABLES } from './semantic-fixture.js';

const SEEDS = [1, 2, 3];
/** Per seed, about 150 reviews, a third of them on key 0, the rest spread over 8 keys. */
const DATA = `${TABLES}
CREATE TABLE rv AS SELECT id, review AS t, CASE WHEN id <= 150 THEN 0 ELSE id % 6 + 1 END AS k FROM reviews;
${SEEDS.map(
  (seed) => `CREATE TABLE rv${seed} AS SELECT id, review AS t,
  CASE WHEN hash(id, ${seed}) % 3 = 0 THEN 0 ELSE hash(id, ${seed} + 10) % 8 + 1 END AS k
  FROM reviews WHERE hash(id, ${seed} + 20) % 2 = 0 ORDER BY hash(id, ${seed} + 30);`,
).join('\n')}`;

// Pinned unpacked (operatorBatch: 1): these count a window's pairwise calls, one per pair; unannotated pair predicates pack since issue 67 (pair-plan.ts prices packed pairs and blocks then)
const test = semSuite(
  'semantic: a LIMIT answer is a subset of the unlimited answer',
  { defaultParallel: 8, operatorBatch: 1 },
  {},
  DATA,
);

const OPPOSITE = `LLM_FILTER('The two reviews express opposite sentiments', a.t, b.t)`;
const SAME = `LLM_FILTER('The two reviews express the same sentiment', a.t, b.t)`;
const SELF_JOIN = `SELECT a.id AS x, b.id AS y FROM rv a JOIN rv b ON a.k = b.k AND a.id < b.id AND ${OPPOSITE}`;
const NO_CACHE = '-- @ cache: false';
const PREFILTER = `${NO_CACHE}\n-- @ prefilter: 2`;

const key = (r: Record<string, unknown>) => `${r.x}/${r.y}`;

async function lastStrategy(f: SemFixture): Promise<string> {
  const [q] = await f.rows(
    `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  return String(q?.strategy);
}

test('the issue: a self-join ON a pair predicate under prefilter 2, LIMIT 10 asks only the unlimited plan`s pairs', async ({
  f,
}) => {
  const all = await f.rows(`${SELF_JOIN} ORDER BY x, y`, PREFILTER);
  const whole = await f.sim.stats();
  assert.equal(all, []);
  // 58 before pair plans were chosen by tokens (pair-plan.ts): 60 pairs pairwise cost fewer tokens than 58 candidate calls.
  assert.is(whole.requests, 60);
  assert.is(whole.embeddingRequests, 1);
  await f.sim.resetStats();
  const limited = await f.rows(`${SELF_JOIN} LIMIT 10`, PREFILTER);
  const s = await f.sim.stats();
  // Before: 10 rows, none of them the unlimited statement's, 71 calls and no embedding call (each window
  // planned over its own few values: a small side, every pair kept).
  assert.equal(limited, []);
  assert.is(s.embeddingRequests, 1);
  assert.is(s.requests, 60);
  assert.is(await lastStrategy(f), 'batch');
});

test('prefilter 8, LIMIT 5: the window still meets the LIMIT from its first rows, asking only pairs the plan keeps', async ({
  f,
}) => {
  const sql = `SELECT a.id AS x, b.id AS y FROM rv a JOIN rv b ON a.k = b.k AND a.id < b.id AND ${SAME}`;
  const options = `${NO_CACHE}\n-- @ prefilter: 8`;
  const all = await f.rows(sql, options);
  const whole = await f.sim.stats();
  assert.is(all.length, 303);
  // 352 before issue 67 priced the small side per call: one call per b value listing the a values that kept it.
  assert.is(whole.requests, 139);
  await f.sim.resetStats();
  const limited = await f.rows(`${sql} LIMIT 5`, options);
  const s = await f.sim.stats();
  const allKeys = new Set(all.map(key));
  // ['10/13', '4/14', '8/15', '9/14', '9/16'] before issue 67 windowed both sides (the first 16 rows of each).
  assert.equal(limited.map(key).sort(), ['2/104', '2/119', '2/132', '2/27', '2/5']);
  assert.ok(limited.every((r) => allKeys.has(key(r))));
  // The plan over every value (one embedding call), then the pairs it keeps of the first 2 rows of a (the pair's
  // left item alone is windowed, each row with its 8 kept pairs: limit-window.ts), one small side call per a value.
  assert.is(s.embeddingRequests, 1);
  // 7 before issue 67 (the first 16 rows of each side, their kept pairs pairwise); 6 before pair plans were chosen by tokens.
  assert.is(s.requests, 2);
  assert.is(await lastStrategy(f), 'batch (LIMIT met from the first 2 rows)');
});

/** The statement of one operator kind over table `rv<seed>`: rows (x, y), unique. */
/** Each kind's ORDER BY of the source's own columns: the window of its first rows in that order (limit-window.ts). */
const ORDER_KEYS: Record<string, string> = { filter: 'a.id', pair: 'a.id, b.id', tilde: 'a.id, b.id' };
const KINDS: Record<string, (table: string) => string> = {
  filter: (t) =>
    `SELECT a.id AS x, 0 AS y FROM ${t} a WHERE LLM_FILTER('The review is positive about the movie', a.t)`,
  pair: (t) => `SELECT a.id AS x, b.id AS y FROM ${t} a JOIN ${t} b ON a.k = b.k AND a.id < b.id AND ${SAME}`,
  tilde: (t) =>
    `SELECT a.id AS x, b.id AS y FROM ${t} a JOIN ${t} b ON a.k = b.k AND a.id < b.id AND a.t ~ b.t`,
};

/**
 * Pair predicates also under `-- @ batch`, where the planner takes blocks (pair-blocks.ts), packed pairs or the
 * small side by tokens (pair-plan.ts): batch 16 over every pair takes blocks; batch 4 over a prefilter's few kept
 * pairs per value takes packed pairs or blocks, whichever is fewer tokens (pair-blocks.test.ts shows each plan).
 */
const PAIR_OPTIONS = [`${NO_CACHE}\n-- @ batch: 16`, `${PREFILTER}\n-- @ batch: 4`];

for (const [kind, statement] of Object.entries(KINDS)) {
  test(`property, ${kind}: LIMIT k rows ⊆ the unlimited rows, with and without prefilter${kind === 'filter' ? '' : ', blocks and packing'}, ORDER BY: its first k (seeds ${SEEDS.join(', ')})`, async ({
    f,
  }) => {
    for (const seed of SEEDS) {
      const sql = statement(`rv${seed}`);
      const limit = 2 + 3 * seed;
      for (const options of [NO_CACHE, PREFILTER, ...(kind === 'filter' ? [] : PAIR_OPTIONS)]) {
        const all = await f.rows(`${sql} ORDER BY x, y`, options);
        const allKeys = new Set(all.map(key));
        const where = `${kind}, seed ${seed}, ${options.replaceAll('\n', ' ')}`;
        const limited = await f.rows(`${sql} LIMIT ${limit}`, options);
        assert.is(limited.length, Math.min(limit, all.length), `${where}: rows`);
        for (const r of limited)
          assert.ok(allKeys.has(key(r)), `${where}: ${key(r)} is not an unlimited row`);
        assert.is(new Set(limited.map(key)).size, limited.length, `${where}: a row twice`);
        const ordered = await f.rows(`${sql} ORDER BY x, y LIMIT ${limit}`, options);
        assert.equal(
          ordered.map(key),
          all.slice(0, limit).map(key),
          `${where}: ORDER BY x, y LIMIT ${limit}`,
        );
        const keys = ORDER_KEYS[kind]!;
        const windowed = await f.rows(`${sql} ORDER BY ${keys} LIMIT ${limit}`, options);
        assert.equal(
          windowed.map(key),
          all.slice(0, limit).map(key),
          `${where}: ORDER BY ${keys} LIMIT ${limit}`,
        );
      }
    }
  });
}

test.run();
