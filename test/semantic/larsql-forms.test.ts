/**
 * Cascades in larsql's format (issue 34, the part built so far), from
 * fixtures written for these tests in test/fixtures/larsql: metadata keys
 * larsql documents load, upper-case shapes, optional arguments take their
 * default, a scalar function is called by its own name and by its call
 * forms, infix forms with a quoted right side work, and a form the grammar
 * cannot take is skipped with one warning naming file:line:col while the
 * file's other forms still work.
 */
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/index.js';

const LARSQL = fileURLToPath(new URL('../fixtures/larsql', import.meta.url));
let engine: Engine;
const warnings: string[] = [];

test.before(async () => {
  engine = await createEngine({
    provider: 'simulator',
    threads: 1,
    cascadeRoots: [LARSQL],
    onWarning: (w) => warnings.push(w),
  });
});
test.after(async () => {
  await engine.close();
});

test('the folder loads; one warning per form skipped and per file skipped, each naming file:line:col', () => {
  assert.equal(warnings, [
    `operator cascade skipped: ${LARSQL}/mood_dimension.cascade.yaml:7:3: sql_function: a dimension needs either labels (fixed) or discover (a cascade that finds them), not both`,
    `operator cascade: ${LARSQL}/rhymes.cascade.yaml:16:7: sql_function.operators[1]: operator form "RHYMES({{ word }}, {{ other }})" skipped: RHYMES is also this function's infix word`,
  ]);
});

test('a scalar function by its name, by a call form with and without its optional argument, and infix with a quoted right side', async () => {
  const r = await engine.query(
    "SELECT CLEAN('Acme corp') AS a, clean_value('Acme corp', 'upper') AS b, 'x' CLEANED AS 'lower' AS c, CLEAN('Acme corp', 'plain') AS d",
  );
  assert.equal(r.rows, [
    {
      a: 'Simulated answer: Clean this value in the plain style: Acme corp',
      b: 'Simulated answer: Clean this value in the upper style: Acme corp',
      c: 'Simulated answer: Clean this value in the lower style: x',
      d: 'Simulated answer: Clean this value in the plain style: Acme corp',
    },
  ]);
  // CLEAN(x) is CLEAN(x, 'plain'): the default makes it the same call.
  const q = await engine.query('SELECT calls FROM rvbbit.queries ORDER BY started_at DESC LIMIT 1');
  assert.equal(q.rows, [{ calls: 3n }]);
});

test('a call form over rows, in WHERE and SELECT, one call per distinct value', async () => {
  const r = await engine.query(
    "SELECT v, CLEAN(v) AS c FROM (VALUES ('b'), ('a'), ('b')) t(v) WHERE CLEAN(v) LIKE 'Simulated%' ORDER BY v",
  );
  assert.equal(
    r.rows.map((x) => x.v),
    ['a', 'b', 'b'],
  );
  const q = await engine.query('SELECT calls FROM rvbbit.queries ORDER BY started_at DESC LIMIT 1');
  assert.equal(q.rows, [{ calls: 2n }]);
});

test('a cascade whose template rvbbit cannot compile fails the statement using it, naming file:line:col', async () => {
  const err = await engine.query("SELECT TIDY('x')").then(
    () => undefined,
    (e: Error) => e.message,
  );
  assert.is(err, `${LARSQL}/tidy_single.cascade.yaml:46:7: cells[0].instructions: tag "set" not found`);
});

test.run();
