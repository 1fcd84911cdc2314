/**
 * `rvbbit query` and the REPL print a query's rows as they come (issue 66):
 * the first rows of a MAP reach stdout before the simulator has been asked
 * for its last row, in csv, ndjson and json (still one JSON document); the
 * table format holds at most TABLE_HOLD_ROWS rows and says so on stderr when
 * a result is longer.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TABLE_HOLD_ROWS } from '../../src/output/result-writers.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { CASCADES, type Running, rvbbit, start } from './helpers.js';

const N = 200;
const MAP = `RVBBIT MAP PARALLEL 4 'traits/extract_brand.yaml' AS (brand VARCHAR)
  USING (SELECT range AS id, 'Brand' || range || ' phone' AS product_name FROM range(${N}))
  WITH (cache = false)`;

let sim: SimulatorHandle;
test.before(async () => {
  // 4 in flight at 30 ms: the MAP takes ~1.5 s of calls, long enough to see its first rows early.
  sim = await startSimulator({ latencyMs: 30 });
});
test.after(async () => {
  await sim.close();
});

const mapArgs = (format: string) => [
  '--format',
  format,
  '--provider-url',
  sim.url,
  '--model',
  'sim-small',
  '--cascades',
  CASCADES,
];

/** The simulator's request count when `firstRow` first matches stdout, and the run's end. */
async function requestsAtFirstRow(run: Running, firstRow: RegExp): Promise<number> {
  for (;;) {
    if (firstRow.test(run.out())) return sim.stats().requests;
    if (run.child.exitCode !== null) return sim.stats().requests;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const FIRST_ROW: Record<string, RegExp> = {
  csv: /\n0,Brand0 phone,/,
  ndjson: /^\{"id":0,/,
  json: /"id": 0,/,
};

for (const format of ['csv', 'ndjson', 'json'] as const) {
  test(`--format ${format}: a MAP's first rows are printed before its last row is asked for`, async () => {
    sim.resetStats();
    const run = start(['query', ...mapArgs(format), MAP]);
    const asked = await requestsAtFirstRow(run, FIRST_ROW[format]!);
    const r = await run.done;
    assert.is(r.code, 0, r.err);
    assert.ok(asked < N, `the first row was printed after ${asked} of ${N} calls`);
    assert.is(sim.stats().requests, N);
    // Every row, in input order, with its answer; `_error` is an empty CSV field, and no key in JSON (as engine.query gives it).
    if (format === 'csv') {
      const lines = r.out.trimEnd().split('\n');
      assert.is(lines[0], 'id,product_name,brand,_error');
      assert.is(lines.length, N + 1);
      assert.is(lines[N], `${N - 1},Brand${N - 1} phone,Brand${N - 1},`);
    } else {
      const rows =
        format === 'json'
          ? (JSON.parse(r.out) as Record<string, unknown>[])
          : r.out
              .trimEnd()
              .split('\n')
              .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.is(rows.length, N);
      assert.equal(rows[N - 1], {
        id: N - 1,
        product_name: `Brand${N - 1} phone`,
        brand: `Brand${N - 1}`,
      });
    }
  });
}

test('the REPL prints a MAP’s first rows before its last row is asked for', async () => {
  sim.resetStats();
  const run = start(['repl', ...mapArgs('csv')]);
  run.child.stdin!.end(`${MAP};\n`);
  const asked = await requestsAtFirstRow(run, FIRST_ROW.csv!);
  const r = await run.done;
  assert.is(r.code, 0, r.err);
  assert.ok(asked < N, `the first row was printed after ${asked} of ${N} calls`);
  assert.is(r.out.trimEnd().split('\n').length, N + 1);
});

test('--format json of several statements streams one document: an array of arrays', async () => {
  const r = await rvbbit([
    'query',
    '--format',
    'json',
    'SELECT range AS a FROM range(2); CREATE TABLE t (i INT); SELECT 1 AS b WHERE false; SELECT 3 AS c',
  ]);
  assert.is(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out), [[{ a: 0 }, { a: 1 }], [], [{ c: 3 }]]);
  // Laid out as JSON.stringify(…, null, 2) lays it out.
  assert.is(r.out, `${JSON.stringify(JSON.parse(r.out), null, 2)}\n`);
});

test(`the table format holds ${TABLE_HOLD_ROWS} rows: a longer result prints in blocks and says so`, async () => {
  const long = await rvbbit(['query', `SELECT range AS i FROM range(${2 * TABLE_HOLD_ROWS + 500})`]);
  assert.is(long.code, 0, long.err);
  // Three tables (each with its header), then one row count for all of them.
  assert.is(long.out.match(/│ +i +│/g)?.length, 3);
  assert.ok(long.out.endsWith(`(${2 * TABLE_HOLD_ROWS + 500} rows)\n`));
  assert.not.match(long.out, /\(1000 rows\)/);
  assert.is(
    long.err,
    `NOTICE: the table format holds ${TABLE_HOLD_ROWS} rows to size its columns; the rest print in blocks of ${TABLE_HOLD_ROWS} rows (--format csv or ndjson prints any size as it comes)\n`,
  );
  const short = await rvbbit(['query', `SELECT range AS i FROM range(${TABLE_HOLD_ROWS})`]);
  assert.is(short.out.match(/│ +i +│/g)?.length, 1);
  assert.ok(short.out.endsWith(`(${TABLE_HOLD_ROWS} rows)\n`));
  assert.is(short.err, '');
});

test.run();
