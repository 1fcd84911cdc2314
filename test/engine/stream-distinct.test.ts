/**
 * `engine.stream` of a DISTINCT or dedupe_by MAP streams (issue 66): the
 * input is deduplicated in a DuckDB TEMP table, then read back in input
 * order a chunk at a time, so the first batch comes before the simulator was
 * asked for the last distinct row; the rows are those `engine.query` gives,
 * in the same order; the TEMP table is gone afterwards, also when the
 * consumer stops early. Real engine, real DuckDB, real simulator.
 */
import * as assert from 'uvu/assert';
import { engineSuite, type Fixture, productsSql } from './engine-fixture.js';

type Row = Record<string, unknown>;
const st = engineSuite('engine: stream of DISTINCT and dedupe_by');

/** 1,000 rows, 500 distinct names: each name twice, 500 calls. */
const N = 1000;
const DISTINCT_NAMES = 500;
const dedupeMap = (how: 'DISTINCT' | 'dedupe_by') =>
  `RVBBIT MAP PARALLEL 4 ${how === 'DISTINCT' ? 'DISTINCT ' : ''}'label' AS label
   USING (SELECT ${how === 'DISTINCT' ? '' : 'id, '}product_name AS text FROM (${productsSql(N, DISTINCT_NAMES)}))
   WITH (cache = false, limit = 0${how === 'dedupe_by' ? ", dedupe_by = 'text'" : ''})`;

const withoutError = ({ _error, ...row }: Row) => row;

async function tempTables(f: Fixture): Promise<number> {
  const r = await f.engine.query(
    `SELECT count(*)::INT AS n FROM duckdb_tables() WHERE table_name LIKE '__rvbbit_in_%'`,
  );
  return Number(r.rows[0]!.n);
}

for (const how of ['DISTINCT', 'dedupe_by'] as const) {
  st(
    `${how}: the first batch comes before the last distinct row is asked for; rows and order as engine.query`,
    async ({ f }) => {
      f.sim.setOptions({ latencyMs: 5 });
      let askedAtFirst = -1;
      const rows: Row[] = [];
      for await (const batch of f.engine.stream(dedupeMap(how))) {
        if (askedAtFirst < 0) askedAtFirst = f.sim.stats().requests;
        rows.push(...batch);
      }
      assert.ok(
        askedAtFirst >= 0 && askedAtFirst < DISTINCT_NAMES,
        `the first batch after ${askedAtFirst} of ${DISTINCT_NAMES} calls`,
      );
      assert.is(f.sim.stats().requests, DISTINCT_NAMES);
      assert.is(rows.length, DISTINCT_NAMES);
      assert.equal(
        rows.map((r) => r.text),
        Array.from({ length: DISTINCT_NAMES }, (_, i) => `Acme Widget ${i}`),
      );
      assert.ok(rows.every((r) => r._error === null));
      f.sim.setOptions({ latencyMs: 0 });
      const whole = await f.engine.query(dedupeMap(how).replace('cache = false', 'cache = true'));
      assert.equal(rows.map(withoutError), whole.rows as Row[]);
      assert.is(await tempTables(f), 0);
    },
  );
}

st(
  'a consumer that stops after the first batch: the MAP stops and its TEMP table is dropped',
  async ({ f }) => {
    f.sim.setOptions({ latencyMs: 5 });
    for await (const batch of f.engine.stream(dedupeMap('DISTINCT'))) {
      assert.ok(batch.length > 0);
      break;
    }
    assert.ok(f.sim.stats().requests < DISTINCT_NAMES);
    assert.is(await tempTables(f), 0);
  },
);

st.run();
