import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { err, one, using } from './helpers.js';

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
    'on_error applies to MAP only; valid keys for RUN: as_table, limit, cache, model, timeout, budget_dollars, budget_tokens, retries',
  );
});

test('RUN without a cascade or USING', () => {
  assert.is(err('RVBBIT RUN USING (select 1)').code, 'E_MISSING_CASCADE');
  assert.is(err("RVBBIT RUN 'x'").code, 'E_MISSING_USING');
});

test.run();
