import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { format } from '../../grammar/index.js';
import { err, ok, one, using } from './helpers.js';

test('RUN with WITH (spec example 3)', () => {
  const sql =
    "RVBBIT RUN 'traits/analyze_batch.yaml'\nUSING (SELECT * FROM products WHERE category = 'electronics' LIMIT 500)\nWITH (as_table = 'electronics_batch');";
  assert.equal(one(sql), {
    kind: 'RunStatement',
    annotations: [],
    async: false,
    cascade: { kind: 'CascadeRef', value: 'traits/analyze_batch.yaml' },
    using: using("SELECT * FROM products WHERE category = 'electronics' LIMIT 500", true),
    with: {
      kind: 'WithClause',
      options: [{ kind: 'WithOption', key: 'as_table', value: 'electronics_batch' }],
    },
  });
});

test('RUN ASYNC', () => {
  assert.equal(one("rvbbit run async 'registered-id' using (select 1)"), {
    kind: 'RunStatement',
    annotations: [],
    async: true,
    cascade: { kind: 'CascadeRef', value: 'registered-id' },
    using: using('select 1'),
    with: null,
  });
});

test('RUN takes no MAP modifiers and no output clause', () => {
  assert.is(err("RVBBIT RUN PARALLEL 2 'x' USING (select 1)").code, 'E_MISSING_CASCADE');
  assert.is(err("RVBBIT RUN 'x' AS y USING (select 1)").code, 'E_MISSING_USING');
});

test('MAP-only WITH keys are refused on RUN, listing the RUN keys', () => {
  const e = err("RVBBIT RUN 'x' USING (select 1) WITH (on_error = 'null')");
  assert.is(e.code, 'E_WITH_KEY_NOT_ALLOWED');
  assert.is(
    e.message,
    'on_error applies to MAP only; valid keys for RUN: as_table, persist, replace, limit, cache, model, timeout, budget_dollars, budget_tokens, retries, max_tokens, delivery',
  );
});

test('persist and replace: RUN only, TRUE or FALSE, and only with as_table', () => {
  const parsed = ok(
    "RVBBIT RUN 'x' USING (select 1) WITH (replace = TRUE, as_table = 'kept', persist = true)",
  );
  const w = (parsed[0] as unknown as { with: { options: { key: string; value: unknown }[] } }).with;
  assert.equal(
    w.options.map((o) => [o.key, o.value]),
    [
      ['as_table', 'kept'],
      ['persist', true],
      ['replace', true],
    ],
  );
  assert.is(
    format(parsed[0]!),
    "RVBBIT RUN 'x'\nUSING (select 1)\nWITH (as_table = 'kept', persist = TRUE, replace = TRUE);",
  );
  const onMap = err("RVBBIT MAP 'x' USING (select 1) WITH (persist = true)");
  assert.is(onMap.code, 'E_WITH_KEY_NOT_ALLOWED');
  assert.match(onMap.message, /^persist applies to RUN only; valid keys for MAP: as_table, result_column,/);
  const notBool = err("RVBBIT RUN 'x' USING (select 1) WITH (as_table = 't', replace = 'yes')");
  assert.is(notBool.code, 'E_BAD_WITH_VALUE');
  assert.is(notBool.message, "replace must be TRUE or FALSE, got 'yes'");
  const alone = err("RVBBIT RUN 'x' USING (select 1)\nWITH (persist = true)");
  assert.is(alone.code, 'E_WITH_KEY_NOT_ALLOWED');
  assert.is(alone.message, 'persist needs as_table (it says what happens to the table RUN names)');
  assert.equal([alone.line, alone.column], [2, 7]);
  const schema = err("RVBBIT RUN 'x' USING (select 1) WITH (as_table = 's.t')");
  assert.equal(
    [schema.code, schema.message, schema.column],
    [
      'E_BAD_WITH_VALUE',
      "as_table 's.t' names a schema, but RUN's input table is TEMP (no schema) unless persist = true",
      39,
    ],
  );
  ok("RVBBIT RUN 'x' USING (select 1) WITH (as_table = 's.t', persist = true)");
});

test('RUN without a cascade or USING', () => {
  assert.is(err('RVBBIT RUN USING (select 1)').code, 'E_MISSING_CASCADE');
  assert.is(err("RVBBIT RUN 'x'").code, 'E_MISSING_USING');
});

test.run();
