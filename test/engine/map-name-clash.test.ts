/**
 * MAP output names (docs/dialect.md, "Name clashes"): the columns a MAP adds
 * (result columns, `_error`) keep their names and hold the answers; an input
 * column of the same name (case ignored) comes out as `<name>_input`. The
 * same on every path: collected (engine.query), batch (DISTINCT), as_table,
 * engine.stream, the CLI's csv, and the Postgres server (node-postgres, psql).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as assert from 'uvu/assert';
import type { Engine } from '../../src/index.js';
import { CASCADES, rvbbit } from '../cli/helpers.js';
import { PSQL, requires } from '../requires.js';
import { startServerFixture } from '../server/helpers.js';
import { engineSuite } from './engine-fixture.js';

const test = engineSuite('engine: MAP output name clashes');
const psqlTest = requires(test, 'psql');

type Row = Record<string, unknown>;

async function result(engine: Engine, sql: string): Promise<{ names: string[]; rows: Row[] }> {
  const r = await engine.query(sql);
  return { names: r.columns.map((c) => c.name), rows: r.rows as Row[] };
}

// The simulator labels 'Acme Widget' as 'widget acme' and finds the brand 'Acme'.
const LABEL = 'widget acme';

test('the default result column holds the answer; the input `result` is result_input', async ({ f }) => {
  const using = `USING (SELECT 'from input' AS result, 'Acme Widget' AS text)`;
  for (const map of [`RVBBIT MAP 'label' ${using}`, `RVBBIT MAP DISTINCT 'label' ${using}`]) {
    const r = await result(f.engine, map);
    assert.equal(r.names, ['result_input', 'text', 'result'], map);
    assert.equal(r.rows, [{ result_input: 'from input', text: 'Acme Widget', result: LABEL }], map);
  }
  // The cascade still sees the input by its own name: a cached re-run is a hit.
  f.sim.resetStats();
  await f.engine.query(`RVBBIT MAP 'label' ${using}`);
  assert.is(f.sim.stats().requests, 0);
});

test('typed output AS (brand VARCHAR) over an input `Brand` (case ignored)', async ({ f }) => {
  const using = `USING (SELECT 'from input' AS Brand, 'Acme Widget' AS product_name)`;
  for (const map of [
    `RVBBIT MAP 'brand' AS (brand VARCHAR) ${using}`,
    `RVBBIT MAP DISTINCT 'brand' AS (brand VARCHAR) ${using}`,
  ]) {
    const r = await result(f.engine, map);
    assert.equal(r.names, ['Brand_input', 'product_name', 'brand'], map);
    assert.equal(r.rows, [{ Brand_input: 'from input', product_name: 'Acme Widget', brand: 'Acme' }], map);
  }
});

test('AS name, a taken <name>_input, and `_error` when a row failed', async ({ f }) => {
  const r = await result(
    f.engine,
    `RVBBIT MAP 'label' AS answer USING (SELECT 1 AS answer, 2 AS answer_input, 'Acme Widget' AS text)`,
  );
  assert.equal(r.names, ['answer_input_2', 'answer_input', 'text', 'answer']);
  assert.equal(r.rows, [{ answer_input_2: 1, answer_input: 2, text: 'Acme Widget', answer: LABEL }]);
  f.sim.setOptions({ errorRate: 1 });
  const failed = await result(
    f.engine,
    `RVBBIT MAP 'label' USING (SELECT 'mine' AS _error, 'Acme Widget' AS text) WITH (cache = false, retries = 0, on_error = 'null')`,
  );
  assert.equal(failed.names, ['_error_input', 'text', 'result', '_error']);
  assert.is(failed.rows[0]!._error_input, 'mine');
  assert.is(failed.rows[0]!.result, null);
  assert.match(String(failed.rows[0]!._error), /500/);
});

test('as_table and engine.stream name the columns the same way', async ({ f }) => {
  await f.engine.query(
    `RVBBIT MAP 'label' USING (SELECT 'from input' AS result, 'Acme Widget' AS text) WITH (as_table = 'clash_out')`,
  );
  const t = await result(f.engine, 'SELECT * FROM clash_out');
  assert.equal(t.names, ['result_input', 'text', 'result']);
  assert.equal(t.rows, [{ result_input: 'from input', text: 'Acme Widget', result: LABEL }]);
  const streamed: Row[] = [];
  for await (const batch of f.engine.stream(
    `RVBBIT MAP 'label' USING (SELECT 'from input' AS result, 'Acme Widget' AS text)`,
  ))
    streamed.push(...batch);
  assert.equal(streamed, [{ result_input: 'from input', text: 'Acme Widget', result: LABEL, _error: null }]);
});

test('the CLI csv shows the rename', async () => {
  const r = await rvbbit([
    'query',
    '--cascades',
    CASCADES,
    '--format',
    'csv',
    `RVBBIT MAP 'traits/extract_brand.yaml' AS (brand VARCHAR) USING (SELECT 'from input' AS brand, 'Acme Widget' AS product_name)`,
  ]);
  // Only the MAP's cost line (docs/cli.md): no warning about the rename.
  assert.match(
    r.err,
    /^cost: 1 call, 0 cache hits, \d+ tokens in, \d+ tokens out, \$ unknown, \d+\.\d ms\n$/,
  );
  const [header, row] = r.out.split('\n');
  // A streamed MAP's csv ends in `_error`, empty when the row did not fail (docs/cli.md).
  assert.is(header, 'brand_input,product_name,brand,_error');
  assert.match(row!, /^from input,Acme Widget,\w+[^,]*,$/);
  assert.not.match(row!, /^from input,Acme Widget,from input$/);
});

test('through the server: node-postgres and psql see brand_input and the answer', async () => {
  const sf = await startServerFixture();
  try {
    const sql = `RVBBIT MAP 'traits/extract_brand.yaml' AS (brand VARCHAR) USING (SELECT 'from input' AS brand, 'Acme Widget' AS product_name)`;
    const c = await sf.client();
    const r = await c.query({ text: sql, rowMode: 'array' });
    assert.equal(
      r.fields.map((x) => x.name),
      ['brand_input', 'product_name', 'brand', '_error'],
    );
    const row = r.rows[0] as string[];
    assert.equal(row.slice(0, 2), ['from input', 'Acme Widget']);
    assert.ok(row[2] !== 'from input' && String(row[2]).length > 0, String(row[2]));
    if (!psqlTest.available()) return;
    // Not execFileSync: the server answers from this process's event loop.
    const { stdout: out } = await promisify(execFile)(
      PSQL,
      [
        '-X',
        '-h',
        '127.0.0.1',
        '-p',
        String(sf.port),
        '-U',
        'tester',
        '-d',
        'rvbbit',
        '-A',
        '-F',
        ',',
        '-c',
        sql,
      ],
      { encoding: 'utf8', env: { ...process.env, PGCONNECT_TIMEOUT: '10' } },
    );
    assert.is(out.split('\n')[0], 'brand_input,product_name,brand,_error');
    assert.is(out.split('\n')[1], `from input,Acme Widget,${row[2]},`);
  } finally {
    await sf.close();
  }
});

test.run();
