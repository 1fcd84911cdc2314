/**
 * What an error shows a client. A provider key that comes back inside a
 * model's answer never shows: not in the statement's error (library and
 * node-postgres), not in `rvbbit.queries.error`, not in a MAP row's
 * `_error` (the simulator answers a brand field with the first capitalised
 * word of the prompt's text, so a row that quotes the key gets the key back
 * as its answer). And a server client sees cascade paths relative to their
 * root, in a row's `_error` and EXPLAIN's `cascade_file` as in errors.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/index.js';
import { type ServerHandle, startServer } from '../../src/server/index.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { rejection } from './helpers.js';

const KEY = 'Zq7-test-KEY-4f9c2e81a7';

let sim: SimulatorHandle;
let engine: Engine;
let server: ServerHandle;
let dir: string;

test.before(async () => {
  sim = await startSimulator();
  dir = mkdtempSync(join(tmpdir(), 'rvbbit-redact-'));
  mkdirSync(join(dir, 'ops'));
  // A BOOLEAN function whose cascade answers with a brand: the answer is quoted in the error.
  writeFileSync(
    join(dir, 'ops', 'names_brand.yaml'),
    `cascade_id: names_brand
inputs_schema: { text: "the text" }
sql_function:
  name: names_brand
  shape: scalar
  args: [ { name: text, type: VARCHAR } ]
  returns: BOOLEAN
cells:
  - name: judge
    instructions: |
      Which brand does the text name? Answer as JSON with "brand".
      <text>{{ input.text }}</text>
    output_schema:
      type: object
      required: [brand]
      properties: { brand: { type: string } }
`,
  );
  writeFileSync(
    join(dir, 'ops', 'brand_number.yaml'),
    `cascade_id: brand_number
inputs_schema: { text: "the text" }
cells:
  - name: judge
    instructions: |
      Which brand does the text name? Answer as JSON with "brand".
      <text>{{ input.text }}</text>
    output_schema:
      type: object
      required: [brand]
      properties: { brand: { type: string } }
`,
  );
  // A Jinja template (larsql's `is defined` test) that fails on every row at run time.
  writeFileSync(
    join(dir, 'ops', 'deep.yaml'),
    `cascade_id: deep
inputs_schema: { text: "the text" }
cells:
  - name: judge
    instructions: |
      {% if input.text is defined %}{{ input.text.nothing.deeper }}{% endif %}
`,
  );
  // The same for a RUN, whose input is the table.
  writeFileSync(
    join(dir, 'ops', 'deep_run.yaml'),
    `cascade_id: deep_run
inputs_schema: { data_table: "the table" }
cells:
  - name: judge
    instructions: |
      {% if input.data_table is defined %}{{ input.data_table.nothing.deeper }}{% endif %}
`,
  );
  engine = await createEngine({
    cascadeRoots: [dir],
    provider: { baseUrl: sim.url, apiKey: KEY, model: 'sim-small' },
  });
  server = await startServer({ engine, port: 0 });
});

test.after(async () => {
  await server.close();
  await engine.close();
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the statement error and rvbbit.queries.error show [redacted], not the key (library)', async () => {
  const err = await rejection(engine.query(`SELECT names_brand('${KEY} makes phones') AS b`));
  assert.not.ok(err.message.includes(KEY), err.message);
  assert.match(err.message, /expected a boolean answer, got "\[redacted\]"/);
  const r = await engine.query(
    `SELECT error FROM rvbbit.queries WHERE status = 'error' ORDER BY started_at DESC LIMIT 1`,
  );
  const logged = String(r.rows[0]!.error);
  assert.not.ok(logged.includes(KEY), logged);
  assert.match(logged, /\[redacted\]/);
});

test('a MAP row whose answer cannot be read: its _error shows [redacted] (library)', async () => {
  const r = await engine.query(
    `RVBBIT MAP 'ops/brand_number.yaml' AS (brand INTEGER) USING (SELECT '${KEY} makes phones' AS text)`,
  );
  const error = String(r.rows[0]!._error);
  assert.ok(error.length > 0, 'the row failed');
  assert.not.ok(error.includes(KEY), error);
  assert.match(error, /\[redacted\]/);
});

test('node-postgres: the ErrorResponse shows [redacted], not the key', async () => {
  const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'tester', database: 'rvbbit' });
  await c.connect();
  try {
    const err = await rejection(c.query(`SELECT names_brand('${KEY} sells cars') AS b`));
    assert.not.ok(err.message.includes(KEY), err.message);
    assert.match(err.message, /\[redacted\]/);
    const r = await c.query(`SELECT error FROM rvbbit.queries WHERE status = 'error'`);
    for (const row of r.rows) assert.not.ok(String(row.error).includes(KEY), String(row.error));
  } finally {
    await c.end();
  }
});

test("node-postgres: a row's _error, a RUN's error and EXPLAIN's cascade_file name the cascade relative to its root", async () => {
  const c = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'tester', database: 'rvbbit' });
  await c.connect();
  try {
    const r = await c.query(`RVBBIT MAP 'ops/deep.yaml' USING (SELECT 'x' AS text)`);
    const error = String(r.rows[0]._error);
    assert.match(error, /^ops\/deep\.yaml:6:40: cells\[0\]\.instructions: /, error);
    assert.not.ok(error.includes(dir), error);
    const explain = await c.query(`EXPLAIN RVBBIT MAP 'ops/deep.yaml' USING (SELECT 'x' AS text)`);
    const file = explain.rows.find((row) => row.property === 'cascade_file');
    assert.is(file?.value, 'ops/deep.yaml');
    // A cursor streams the same rows.
    await c.query('BEGIN');
    await c.query(`DECLARE cur CURSOR FOR RVBBIT MAP 'ops/deep.yaml' USING (SELECT 'y' AS text)`);
    const fetched = await c.query('FETCH ALL FROM cur');
    assert.match(String(fetched.rows[0]._error), /^ops\/deep\.yaml:6:40:/);
    await c.query('COMMIT');
    // A RUN's error column too.
    const run = await c.query(`RVBBIT RUN 'ops/deep_run.yaml' USING (SELECT 'x' AS text)`);
    const runError = String(run.rows[0].error);
    assert.is(run.rows[0].status, 'failed', runError);
    assert.match(
      runError,
      /^CASCADE_TEMPLATE: ops\/deep_run\.yaml:6:46: cells\[0\]\.instructions: /,
      runError,
    );
  } finally {
    await c.end();
  }
  // The library (the owner's own process) keeps the absolute path.
  const own = await engine.query(`EXPLAIN RVBBIT MAP 'ops/deep.yaml' USING (SELECT 'x' AS text)`);
  assert.ok(String(own.rows.find((row) => row.property === 'cascade_file')?.value).startsWith('/'));
});

test.run();
