/**
 * The sql_data guard on DuckDB's parse tree, through a real host: the tricks a
 * text check would miss (case, quoting, schema-qualified calls, calls inside
 * lambdas, CTE scope) are refused; reads of tables, views and CTEs are not.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createDuckDbHost } from '../../src/cascade/duckdb-host.js';

let con: DuckDBConnection;
let dir: string;
let csv: string;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rvbbit-guard-'));
  csv = join(dir, 'secret.csv');
  writeFileSync(csv, 'a,b\n1,2\n');
  const instance = await DuckDBInstance.create(':memory:');
  con = await instance.connect();
  await con.run("CREATE TABLE products AS SELECT 'Lego' AS name, 5 AS price; CREATE SEQUENCE seq");
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(query: string): Promise<string> {
  const err = (await createDuckDbHost(con)
    .sqlData(query, 10)
    .then(
      () => null,
      (e: unknown) => e,
    )) as { code?: string; message?: string } | null;
  assert.ok(err, `accepted: ${query}`);
  assert.is(err!.code, 'SQL_DATA_NOT_READ_ONLY', `${query}: ${err!.message}`);
  return String(err!.message);
}

test('the file is readable by DuckDB itself (so the refusals below are the guard)', async () => {
  const r = await con.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM '${csv}'`);
  assert.equal(r.getRowObjectsJS(), [{ n: 1 }]);
});

test('case, quoting, schema qualification and lambdas do not hide a call', async () => {
  assert.is(await refusal("SELECT NEXTVAL('seq') AS n"), 'refused: nextval() uses a sequence');
  assert.is(await refusal('SELECT "nextval"(\'seq\') AS n'), 'refused: nextval() uses a sequence');
  assert.is(await refusal("SELECT system.main.nextval('seq') AS n"), 'refused: nextval() uses a sequence');
  assert.is(
    await refusal("SELECT list_transform([1, 2], x -> nextval('seq')) AS l"),
    'refused: nextval() uses a sequence',
  );
  assert.is(
    await refusal(`SELECT * FROM products WHERE price > (SELECT count(*) FROM READ_CSV('${csv}'))`),
    'refused: read_csv() reads files',
  );
  assert.is(
    await refusal("SELECT current_setting('threads') AS t"),
    'refused: current_setting() reads settings, which may hold credentials',
  );
  assert.is(
    await refusal('FROM duckdb_settings()'),
    'refused: duckdb_settings() is not a permitted table function (only tables, views and computed rows)',
  );
});

test('a file named as a table is refused, also behind a CTE of the same name out of scope', async () => {
  assert.is(
    await refusal(`FROM '${csv}'`),
    `refused: ${JSON.stringify(csv)} is not a table or view of the database (reading a file or URL by name is refused)`,
  );
  assert.match(
    await refusal(`SELECT * FROM (WITH "${csv}" AS (SELECT 1 AS a) SELECT a FROM "${csv}") t, "${csv}"`),
    /is not a table or view/,
  );
  assert.match(await refusal(`SUMMARIZE '${csv}'`), /is not a table or view/);
});

test('tables, views, CTEs (recursive too) and qualified names are read', async () => {
  await con.run('CREATE OR REPLACE VIEW cheap AS SELECT * FROM products WHERE price < 10');
  const host = createDuckDbHost(con);
  const ok: [string, unknown[]][] = [
    ['FROM cheap', [{ name: 'Lego', price: 5 }]],
    ["SELECT name FROM products WHERE name GLOB 'L*' AND name LIKE 'L%'", [{ name: 'Lego' }]],
    ['SELECT name FROM memory.main.products', [{ name: 'Lego' }]],
    [`WITH "${csv}" AS (SELECT 7 AS a) FROM "${csv}"`, [{ a: 7 }]],
    [
      'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT sum(n)::INTEGER AS s FROM r',
      [{ s: 6 }],
    ],
    ['SELECT count(*)::INTEGER AS n FROM range(3) JOIN products ON true', [{ n: 3 }]],
    ['SELECT uuid() IS NOT NULL AS u, random() < 1 AS r', [{ u: true, r: true }]],
  ];
  for (const [q, rows] of ok) assert.equal((await host.sqlData(q, 10)).rows, rows, q);
  // Nothing above advanced the sequence.
  assert.equal((await con.runAndReadAll("SELECT nextval('seq')::INTEGER AS n")).getRowObjectsJS(), [
    { n: 1 },
  ]);
});

test.run();
