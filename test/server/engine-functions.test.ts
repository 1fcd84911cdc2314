/**
 * Registered functions are the engine's, not a client's (issue 65, through
 * `rvbbit serve` and node-postgres): a client whose first semantic call runs
 * inside BEGIN … ROLLBACK leaves every operator and SQL-defined function
 * working for every other client, with and without --read-only-functions.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ServerFixture, startServerFixture } from './helpers.js';

let f: ServerFixture;
test.before(async () => {
  f = await startServerFixture({ readOnlyFunctions: true });
  // Defined before any client: its first use is inside a client's transaction too.
  await f.engine.query(
    `CREATE SEMANTIC FUNCTION is_kitchen(x VARCHAR) RETURNS BOOLEAN AS 'Does {{ x }} go in a kitchen?'`,
  );
});
test.after(async () => {
  await f.close();
});

/** Each kind of registered function a client calls, and the count of rows it answers for the three products. */
const USES = [
  `SELECT count(*)::INT AS n FROM products WHERE id <= 3 AND (product_name MEANS 'a tool') IS NOT NULL`,
  `SELECT count(SENTIMENT(product_name))::INT AS n FROM products WHERE id <= 3`,
  `SELECT (count(*) * 3)::INT AS n FROM (SELECT LLM_CLASSIFY(product_name, 'home,office') AS c FROM products WHERE id <= 3) WHERE c IS NOT NULL`,
  `SELECT count(is_kitchen(product_name))::INT AS n FROM products WHERE id <= 3`,
];

test('first semantic calls inside BEGIN … ROLLBACK: every other client still has every function', async () => {
  const a = await f.client();
  await a.query('BEGIN');
  for (const sql of USES) assert.equal((await a.query(sql)).rows, [{ n: 3 }], sql);
  await a.query('ROLLBACK');
  const b = await f.client();
  for (const sql of USES) assert.equal((await b.query(sql)).rows, [{ n: 3 }], sql);
  // And the client that rolled back, in a transaction of its own again.
  await a.query('BEGIN');
  for (const sql of USES) assert.equal((await a.query(sql)).rows, [{ n: 3 }], sql);
  await a.query('COMMIT');
});

test.run();
