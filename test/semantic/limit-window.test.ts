/** Which statements run over growing windows of their source (src/statements/semantic/rewrite/limit-window.ts). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { limitWindow } from '../../src/statements/semantic/rewrite/limit-window.js';

const windowed = (sql: string) => limitWindow(sql, sql)?.sql(40) ?? null;

test('one table, WHERE and LIMIT: the table becomes its first rows, under its own name', () => {
  assert.is(
    windowed(`SELECT id FROM items WHERE f(body) LIMIT 10`),
    `SELECT id FROM (SELECT * FROM items LIMIT 40) AS items WHERE f(body) LIMIT 10`,
  );
  assert.is(
    windowed(`SELECT i.id FROM main.items AS i WHERE f(i.body) LIMIT 3 OFFSET 2`),
    `SELECT i.id FROM (SELECT * FROM main.items AS i LIMIT 40) AS i WHERE f(i.body) LIMIT 3 OFFSET 2`,
  );
  assert.is(
    windowed(`SELECT * FROM "My Items" m LIMIT 2;`),
    `SELECT * FROM (SELECT * FROM "My Items" m LIMIT 40) AS m LIMIT 2;`,
  );
  const w = limitWindow(
    `SELECT 1 FROM t WHERE x LIMIT 5 OFFSET 3`,
    `SELECT 1 FROM t WHERE x LIMIT 5 OFFSET 3`,
  );
  assert.equal([w?.limit, w?.wanted, w?.source], [5, 8, 't']);
});

test('any first FROM item: a subquery, a CTE, a table function, a file, column aliases', () => {
  assert.is(
    windowed(`SELECT id FROM (SELECT i AS id, 'x' AS t FROM range(9)) WHERE f(t) LIMIT 5`),
    `SELECT id FROM (SELECT * FROM (SELECT i AS id, 'x' AS t FROM range(9)) LIMIT 40) WHERE f(t) LIMIT 5`,
  );
  assert.is(
    windowed(`SELECT s.id FROM (SELECT 1 AS id) AS s WHERE f(s.id) LIMIT 5`),
    `SELECT s.id FROM (SELECT * FROM (SELECT 1 AS id) AS s LIMIT 40) AS s WHERE f(s.id) LIMIT 5`,
  );
  assert.is(
    windowed(`WITH s AS (SELECT * FROM t WHERE a > 1) SELECT id FROM s WHERE f(t) LIMIT 5`),
    `WITH s AS (SELECT * FROM t WHERE a > 1) SELECT id FROM (SELECT * FROM s LIMIT 40) AS s WHERE f(t) LIMIT 5`,
  );
  assert.is(
    windowed(`SELECT range FROM range(3000) WHERE f(range) LIMIT 5`),
    `SELECT range FROM (SELECT * FROM range(3000) LIMIT 40) AS range WHERE f(range) LIMIT 5`,
  );
  assert.is(
    windowed(`SELECT i FROM range(3000) AS r(i) WHERE f(i) LIMIT 5`),
    `SELECT i FROM (SELECT * FROM range(3000) AS r(i) LIMIT 40) AS r WHERE f(i) LIMIT 5`,
  );
  assert.is(
    windowed(`SELECT id FROM read_csv('x.csv', header = true) WHERE f(t) LIMIT 5`),
    `SELECT id FROM (SELECT * FROM read_csv('x.csv', header = true) LIMIT 40) AS read_csv WHERE f(t) LIMIT 5`,
  );
  assert.is(
    windowed(`SELECT c.id FROM 'x.csv' c WHERE f(c.t) LIMIT 5`),
    `SELECT c.id FROM (SELECT * FROM 'x.csv' c LIMIT 40) AS c WHERE f(c.t) LIMIT 5`,
  );
  assert.is(
    windowed(`FROM items SELECT id WHERE f(body) LIMIT 5`),
    `FROM (SELECT * FROM items LIMIT 40) AS items SELECT id WHERE f(body) LIMIT 5`,
  );
});

test('joins that make each row from one row of the first item: that item is windowed', () => {
  assert.is(
    windowed(`SELECT a.id FROM a JOIN b ON a.x = b.x WHERE f(a.y) LIMIT 3`),
    `SELECT a.id FROM (SELECT * FROM a LIMIT 40) AS a JOIN b ON a.x = b.x WHERE f(a.y) LIMIT 3`,
  );
  assert.is(
    windowed(`SELECT a.id FROM a LEFT JOIN b ON rvbbit_llm_filter(1, 'p', a.y || b.y) WHERE f(a.y) LIMIT 3`),
    `SELECT a.id FROM (SELECT * FROM a LIMIT 40) AS a LEFT JOIN b ON rvbbit_llm_filter(1, 'p', a.y || b.y) WHERE f(a.y) LIMIT 3`,
  );
  for (const sql of [
    `SELECT 1 FROM a LEFT OUTER JOIN b USING (x) NATURAL JOIN c CROSS JOIN d LIMIT 3`,
    `SELECT 1 FROM a ANTI JOIN b ON left(a.s, 2) = b.s SEMI JOIN c ON a.full = c.x LIMIT 3`,
    `SELECT 1 FROM a ASOF LEFT JOIN b ON a.t >= b.t, LATERAL (SELECT a.x) l WHERE f(l.x) LIMIT 3`,
    `SELECT 1 FROM a JOIN (SELECT * FROM b RIGHT JOIN c USING (x)) bc ON a.x = bc.x LIMIT 3`,
    `SELECT 1 FROM a JOIN 'b.csv' ON a.x = b.x LIMIT 3`,
  ]) {
    assert.ok(windowed(sql)?.startsWith('SELECT 1 FROM (SELECT * FROM a LIMIT 40) AS a '), sql);
  }
});

test('a pair predicate: items joined by a comma, CROSS, or INNER ON a semantic call are windowed too', () => {
  const pair = `rvbbit_llm_filter(1, 'same', a.t || b.t)`;
  assert.is(
    windowed(`SELECT a.id, b.id FROM r a JOIN r b ON a.id < b.id AND ${pair} LIMIT 3`),
    `SELECT a.id, b.id FROM (SELECT * FROM r a LIMIT 40) AS a JOIN (SELECT * FROM r AS b LIMIT 40) AS b ON a.id < b.id AND ${pair} LIMIT 3`.replace(
      'FROM r AS b',
      'FROM r b',
    ),
  );
  assert.is(
    windowed(`SELECT 1 FROM r a, r b CROSS JOIN s WHERE ${pair} LIMIT 3`),
    `SELECT 1 FROM (SELECT * FROM r a LIMIT 40) AS a, (SELECT * FROM r b LIMIT 40) AS b CROSS JOIN (SELECT * FROM s LIMIT 40) AS s WHERE ${pair} LIMIT 3`,
  );
  const w = limitWindow(
    `SELECT 1 FROM r a, r b WHERE ${pair} LIMIT 3`,
    `SELECT 1 FROM r a, r b WHERE ${pair} LIMIT 3`,
  );
  assert.equal([w?.items, w?.source], [2, 'r a, r b']);
  // A lookup joined on plain keys is read whole: windowing it would only drop matches.
  const lookup = limitWindow(
    `SELECT 1 FROM r a JOIN k ON a.k = k.k WHERE ${pair} LIMIT 3`,
    `SELECT 1 FROM r a JOIN k ON a.k = k.k WHERE ${pair} LIMIT 3`,
  );
  assert.is(lookup?.items, 1);
});

test('the count query: the largest windowed item, under the statement`s WITH clause', () => {
  const sql = `WITH s AS (SELECT 1 AS id) SELECT id FROM s x JOIN t ON x.id = t.id WHERE f(t) LIMIT 5`;
  assert.is(
    limitWindow(sql, sql)?.countSql(41),
    `WITH s AS (SELECT 1 AS id) SELECT max(n)::DOUBLE AS n FROM (SELECT count(*) AS n FROM (SELECT 1 FROM s x LIMIT 41))`,
  );
  const pairs = `SELECT 1 FROM s x, t WHERE rvbbit_f(1, x.a, t.b) LIMIT 5`;
  assert.is(
    limitWindow(pairs, pairs)?.countSql(41),
    `SELECT max(n)::DOUBLE AS n FROM (SELECT count(*) AS n FROM (SELECT 1 FROM s x LIMIT 41) UNION ALL SELECT count(*) AS n FROM (SELECT 1 FROM t LIMIT 41))`,
  );
});

test('ORDER BY plain columns of the source: its first rows in that order, ties with the last included', () => {
  assert.is(
    windowed(`SELECT id, f(body) AS s FROM items ORDER BY id LIMIT 3`),
    `SELECT id, f(body) AS s FROM (SELECT * FROM items QUALIFY rank() OVER (ORDER BY id) <= 40) AS items ORDER BY id LIMIT 3`,
  );
  const sql = `SELECT i.id, i.id AS id FROM main.items AS i JOIN owners o ON o.id = i.id WHERE f(i.body) ORDER BY i.k DESC NULLS FIRST, "Id" LIMIT 3 OFFSET 2`;
  const w = limitWindow(sql, sql);
  assert.is(
    w?.sql(40),
    `SELECT i.id, i.id AS id FROM (SELECT * FROM main.items AS i QUALIFY rank() OVER (ORDER BY i.k DESC NULLS FIRST, "Id") <= 40) AS i JOIN owners o ON o.id = i.id WHERE f(i.body) ORDER BY i.k DESC NULLS FIRST, "Id" LIMIT 3 OFFSET 2`,
  );
  assert.equal([w?.limit, w?.wanted, w?.items, w?.orderBy], [3, 5, 1, 'i.k DESC NULLS FIRST, "Id"']);
  // The rows it sorts, at positions OFFSET - 1 … OFFSET + LIMIT: any repeated key there is a tie that matters.
  assert.is(
    w?.tiesSql?.(40),
    `SELECT count(*)::DOUBLE AS n FROM (SELECT 1 FROM (SELECT i.k AS rvbbit_k0, "Id" AS rvbbit_k1 FROM (SELECT * FROM main.items AS i QUALIFY rank() OVER (ORDER BY i.k DESC NULLS FIRST, "Id") <= 40) AS i JOIN owners o ON o.id = i.id WHERE f(i.body)  ORDER BY rvbbit_k0 DESC NULLS FIRST, rvbbit_k1 LIMIT 5 OFFSET 1) GROUP BY rvbbit_k0, rvbbit_k1 HAVING count(*) > 1)`,
  );
  // A self-join's pair predicate: the joined item is read whole (every row before the cut pairs with any of its rows).
  const pairs = `SELECT a.id FROM t a, t b WHERE f(a.x, b.x) ORDER BY a.id LIMIT 3`;
  assert.is(limitWindow(pairs, pairs)?.items, 1);
  assert.is(limitWindow(`SELECT * FROM t LIMIT 3`, `SELECT * FROM t LIMIT 3`)?.orderBy, undefined);
});

test('anything else runs unwindowed', () => {
  for (const sql of [
    `SELECT id FROM items WHERE f(body)`,
    // ORDER BY anything but plain columns of the source, or a name a SELECT item gives.
    `SELECT id FROM items WHERE f(body) ORDER BY id + 1 LIMIT 3`,
    `SELECT id FROM items WHERE f(body) ORDER BY 1 LIMIT 3`,
    `SELECT id FROM items WHERE f(body) ORDER BY ALL LIMIT 3`,
    `SELECT id FROM items WHERE f(body) ORDER BY body COLLATE nocase LIMIT 3`,
    `SELECT f(body) AS id FROM items ORDER BY id LIMIT 3`,
    `SELECT f(body) id FROM items ORDER BY id LIMIT 3`,
    `SELECT title AS "ID" FROM items WHERE f(body) ORDER BY id LIMIT 3`,
    `SELECT * REPLACE (f(body) AS id) FROM items ORDER BY id LIMIT 3`,
    `SELECT id FROM items WHERE f(body) ORDER BY main.items.id LIMIT 3`,
    `FROM items WHERE f(body) ORDER BY id LIMIT 3`,
    `SELECT grp, count(*) FROM t WHERE f(a) GROUP BY grp LIMIT 3`,
    `SELECT * FROM t WHERE f(a) LIMIT 0`,
    // Joins that add rows of their own: over a window, rows full evaluation never returns.
    `SELECT a.id FROM a RIGHT JOIN b ON a.x = b.x WHERE f(a.y) LIMIT 3`,
    `SELECT a.id FROM a JOIN b ON a.x = b.x FULL OUTER JOIN c ON c.x = a.x LIMIT 3`,
    `SELECT a.id FROM a POSITIONAL JOIN b LIMIT 3`,
    `SELECT 1 FROM (a JOIN b ON a.x = b.x) WHERE f(a.y) LIMIT 3`,
    // A sample over a window samples other rows.
    `SELECT * FROM t TABLESAMPLE 10% WHERE f(a) LIMIT 3`,
    `SELECT * FROM t WHERE f(a) USING SAMPLE 10 LIMIT 3`,
    // A file's default name is DuckDB's to derive.
    `SELECT * FROM 'x.csv' WHERE f(a) LIMIT 3`,
    `SELECT * FROM t AT (VERSION => 2) WHERE f(a) LIMIT 3`,
    // Semantic calls in the source or the WITH clause: their record passes read every row.
    `SELECT * FROM (SELECT * FROM t WHERE rvbbit_semantic_means(7, a, 'x')) WHERE f(a) LIMIT 3`,
    `WITH s AS (SELECT * FROM t WHERE rvbbit_semantic_means(7, a, 'x')) SELECT * FROM s WHERE f(a) LIMIT 3`,
  ]) {
    assert.is(windowed(sql), null, sql);
  }
});

test.run();
