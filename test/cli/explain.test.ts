import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { explainText } from '../../src/cli/explain-command.js';
import { CASCADES, rvbbit } from './helpers.js';

test('EXPLAIN is added unless present; --json asks for FORMAT JSON', () => {
  assert.is(explainText("RVBBIT MAP 'x' USING (SELECT 1)", false), "EXPLAIN RVBBIT MAP 'x' USING (SELECT 1)");
  assert.is(
    explainText("RVBBIT MAP 'x' USING (SELECT 1)", true),
    "EXPLAIN (FORMAT JSON) RVBBIT MAP 'x' USING (SELECT 1)",
  );
  assert.is(
    explainText("explain RVBBIT MAP 'x' USING (SELECT 1)", true),
    "explain RVBBIT MAP 'x' USING (SELECT 1)",
  );
});

test('rvbbit explain prints the plan without calling the model', async () => {
  const r = await rvbbit([
    'explain',
    '--cascades',
    CASCADES,
    '--format',
    'csv',
    "RVBBIT MAP PARALLEL 10 'traits/extract_brand.yaml' USING (SELECT 'x' AS product_name)",
  ]);
  assert.is(r.code, 0);
  const lines = r.out.split('\n');
  assert.is(lines[0], 'property,value');
  assert.is(lines[1], 'statement,MAP');
  assert.is(lines[2], 'strategy,batch');
  assert.is(lines[3], 'cascade,extract_brand');
});

test.run();
