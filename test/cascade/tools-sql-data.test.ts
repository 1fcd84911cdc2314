import { fileURLToPath } from 'node:url';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDuckDbHost } from '../../src/cascade/duckdb-host.js';
import { loadCascade, loadCascadeText } from '../../src/cascade/load-cascade.js';
import { runCascade } from '../../src/cascade/run-cascade.js';
import type { LlmClient } from '../../src/llm/types.js';
import { startSimRig } from './helpers.js';

const example = fileURLToPath(new URL('../../examples/cascades/traits/analyze_batch.yaml', import.meta.url));
const noLlm: LlmClient = {
  chat: () => Promise.reject(new Error('no model calls expected')),
  close: async () => {},
};

let con: DuckDBConnection;

test.before(async () => {
  const instance = await DuckDBInstance.create(':memory:');
  con = await instance.connect();
  await con.run(`CREATE TABLE products AS SELECT * FROM (VALUES
    ('Walkman', 'electronics', 10.0), ('iPhone', 'electronics', 20.0), ('Lego', 'toys', 5.0)) t(name, category, price)`);
  await con.run('CREATE TABLE big AS SELECT range AS i FROM range(20000)');
});

test('sql_data returns rows, row_count and typed columns; BIGINT becomes a number', async () => {
  const host = createDuckDbHost(con);
  const r = await host.sqlData('SELECT category, count(*) AS n FROM products GROUP BY 1 ORDER BY 1;', 100);
  assert.equal(r, {
    columns: [
      { name: 'category', type: 'VARCHAR' },
      { name: 'n', type: 'BIGINT' },
    ],
    rows: [
      { category: 'electronics', n: 2 },
      { category: 'toys', n: 1 },
    ],
    row_count: 2,
  });
});

test('the limit is applied, and defaults to 10000 in a cell', async () => {
  const host = createDuckDbHost(con);
  assert.is((await host.sqlData('FROM big', 7)).row_count, 7);
  const c = loadCascadeText(
    'cascade_id: s\ncells:\n  - name: load\n    tool: sql_data\n    inputs: { query: "SELECT * FROM big" }\n  - name: few\n    tool: sql_data\n    inputs: { query: "SELECT * FROM big", limit: "{{ input.n }}" }\n',
    's.yaml',
  );
  const r = await runCascade(c, { n: 3 }, { llm: noLlm, defaultModel: 'm', host });
  assert.is(r.status, 'success');
  assert.is((r.outputs['load'] as { row_count: number }).row_count, 10_000);
  assert.is((r.outputs['few'] as { row_count: number }).row_count, 3);
  assert.is(r.usage.calls, 0);
});

test('read-only: anything but one query is refused, and nothing changes', async () => {
  const host = createDuckDbHost(con);
  const refused = [
    'DROP TABLE products',
    'CREATE TABLE x AS SELECT 1',
    "INSERT INTO products VALUES ('x', 'y', 1)",
    'SELECT 1); DROP TABLE products; --',
    'SELECT 1; DROP TABLE products',
    "COPY products TO '/tmp/x.csv'",
    "ATTACH ':memory:' AS other",
    'SET threads = 1',
  ];
  for (const q of refused) {
    const err = (await host.sqlData(q, 10).then(
      () => null,
      (e: unknown) => e,
    )) as { code?: string } | null;
    assert.ok(err, `accepted: ${q}`);
    assert.is(err!.code, 'SQL_DATA_NOT_READ_ONLY', q);
  }
  assert.is((await host.sqlData('SELECT count(*) AS n FROM products', 1)).rows[0]!['n'], 3);
  for (const ok of [
    'WITH t AS (SELECT 1 AS a) SELECT * FROM t',
    'FROM products',
    'VALUES (1), (2)',
    'DESCRIBE products',
    'SUMMARIZE products',
    'SHOW TABLES',
    'SELECT 1 AS a -- a trailing comment',
    "SELECT 'a; b' AS s;",
  ]) {
    const r = await host.sqlData(ok, 100);
    assert.ok(r.row_count > 0, ok);
  }
});

test('a SQL error is a failed run with the host code; no host is CASCADE_TOOL', async () => {
  const c = loadCascadeText(
    'cascade_id: e\ncells:\n  - name: q\n    tool: sql_data\n    inputs: { query: "SELECT nope FROM products" }\n',
    'e.yaml',
  );
  const r = await runCascade(c, {}, { llm: noLlm, defaultModel: 'm', host: createDuckDbHost(con) });
  assert.is(r.status, 'failed');
  assert.is(r.errors[0]!.code, 'SQL_DATA_FAILED');
  assert.match(r.errors[0]!.message, /^sql_data: Binder Error: .*nope/);
  const r2 = await runCascade(c, {}, { llm: noLlm, defaultModel: 'm' });
  assert.equal(r2.errors, [
    { cell: 'q', code: 'CASCADE_TOOL', message: 'sql_data: this run has no SQL host' },
  ]);
  const bad = loadCascadeText(
    'cascade_id: b\ncells:\n  - name: q\n    tool: sql_data\n    inputs: { query: "SELECT 1", limit: 0 }\n',
    'b.yaml',
  );
  const r3 = await runCascade(bad, {}, { llm: noLlm, defaultModel: 'm', host: createDuckDbHost(con) });
  assert.equal(r3.errors, [
    { cell: 'q', code: 'CASCADE_TOOL', message: 'sql_data: "limit" must be a positive integer (got 0)' },
  ]);
});

test('the README RUN example analyze_batch: load by SQL, summarise with one model call', async () => {
  const rig = await startSimRig({ record: true });
  try {
    const c = await loadCascade(example);
    const r = await runCascade(
      c,
      { data_table: 'products', row_count: 3 },
      { llm: rig.llm, defaultModel: 'sim-small', host: createDuckDbHost(con), sessionPrefix: 'batch' },
    );
    assert.is(r.status, 'success');
    const load = r.outputs['load'] as {
      rows: { category: string; n: number; avg_price: number }[];
      row_count: number;
    };
    assert.equal(
      [...load.rows].sort((a, b) => a.category.localeCompare(b.category)),
      [
        { category: 'electronics', n: 2, avg_price: 15 },
        { category: 'toys', n: 1, avg_price: 5 },
      ],
    );
    const analyze = r.outputs['analyze'] as { summary: string };
    assert.is(typeof analyze.summary, 'string');
    assert.is(rig.sim.stats().requests, 1);
    assert.ok(
      rig.sim.stats().promptsSeen![0]!.messages.some(
        (m) =>
          // The fixed instruction first, the table's rows last (a provider's prompt cache keys on the prefix).
          m.content.startsWith('Summarise the products below as JSON') &&
          m.content.includes('\n<text>3 products by category: [{"category":'),
      ),
    );
    assert.match(r.session_id, /^batch-[a-z]+-[a-z]+-[0-9a-f]{6}$/);
  } finally {
    await rig.close();
  }
});

test.run();
