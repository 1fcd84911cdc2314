/** Which statements run over growing windows of their table (src/semantic/limit-window.ts). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { limitWindow } from '../../src/semantic/limit-window.js';

const windowed = (sql: string) => limitWindow(sql, sql)?.sql(40) ?? null;

test('one table, WHERE and LIMIT: the table becomes its first rows', () => {
  assert.is(
    windowed(`SELECT id FROM items WHERE f(body) LIMIT 10`),
    `SELECT id FROM (SELECT * FROM items LIMIT 40) AS items WHERE f(body) LIMIT 10`,
  );
  assert.is(
    windowed(`SELECT i.id FROM main.items AS i WHERE f(i.body) LIMIT 3 OFFSET 2`),
    `SELECT i.id FROM (SELECT * FROM main.items LIMIT 40) AS i WHERE f(i.body) LIMIT 3 OFFSET 2`,
  );
  assert.is(
    windowed(`SELECT * FROM "My Items" m LIMIT 2;`),
    `SELECT * FROM (SELECT * FROM "My Items" LIMIT 40) AS m LIMIT 2;`,
  );
  const w = limitWindow(
    `SELECT 1 FROM t WHERE x LIMIT 5 OFFSET 3`,
    `SELECT 1 FROM t WHERE x LIMIT 5 OFFSET 3`,
  );
  assert.equal([w?.limit, w?.wanted, w?.table], [5, 8, 't']);
});

test('anything else runs unwindowed', () => {
  for (const sql of [
    `SELECT id FROM items WHERE f(body)`,
    `SELECT id FROM items WHERE f(body) ORDER BY id LIMIT 3`,
    `SELECT a.id FROM a JOIN b ON a.x = b.x WHERE f(a.y) LIMIT 3`,
    `SELECT a.id FROM a, b WHERE f(a.y) LIMIT 3`,
    `SELECT * FROM read_csv('x.csv') WHERE f(a) LIMIT 3`,
    `SELECT * FROM (SELECT * FROM t) WHERE f(a) LIMIT 3`,
    `SELECT grp, count(*) FROM t WHERE f(a) GROUP BY grp LIMIT 3`,
    `SELECT * FROM t WHERE f(a) LIMIT 0`,
    `SELECT * FROM t AS x(a, b) WHERE f(a) LIMIT 3`,
  ]) {
    assert.is(windowed(sql), null, sql);
  }
});

test.run();
