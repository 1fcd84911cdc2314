import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { explainText } from '../../src/cli/explain-command.js';
import { wrapText } from '../../src/output/wrap-result.js';
import { EXPLAIN_TABLE_WIDTH } from '../../src/plan/estimate.js';
import { EXPLAIN_NOTE } from '../../src/statements/semantic/explain/explain-semantic.js';
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
  assert.is(r.code, 0, r.err);
  const lines = r.out.split('\n');
  assert.is(lines[0], 'property,value');
  assert.is(lines[1], 'statement,MAP');
  assert.is(lines[2], 'strategy,batch');
  assert.is(lines[3], 'cascade,extract_brand');
});

test('wrapText breaks at spaces, keeps its lines, and cuts a word longer than the room', () => {
  assert.is(wrapText('aa bb cc dd', 5), 'aa bb\ncc dd');
  assert.is(wrapText('one\ntwo three', 9), 'one\ntwo three');
  assert.is(wrapText('x abcdefghij y', 4), 'x\nabcd\nefgh\nij y');
  assert.is(wrapText('’’’ ’’', 3), '’’’\n’’');
});

/** A semantic SELECT whose EXPLAIN has a long note, function line and rewritten SQL. */
const SEMANTIC = `SELECT x, x MEANS 'a vehicle with four wheels and an engine' AS m
  FROM (VALUES ('a red car parked by the old railway station'), ('a bicycle')) v(x)`;

test('rvbbit explain --format table: no line wider than 100 columns; the note wraps, its words all there', async () => {
  const r = await rvbbit(['explain', '--format', 'table', SEMANTIC]);
  assert.is(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  const widest = Math.max(...lines.map((l) => Array.from(l).length));
  assert.ok(widest <= EXPLAIN_TABLE_WIDTH, `${widest} columns:\n${r.out}`);
  // The note's rows, read back: │ note │ first line │, then │ │ next line │ …
  const at = lines.findIndex((l) => /^│ note +│/.test(l));
  assert.ok(at > 0, r.out);
  const cells: string[] = [];
  for (let i = at; i < lines.length; i++) {
    const [, property, value] = /^│ (.*?) +│ (.*?) *│$/.exec(lines[i]!) ?? [];
    if (i > at && property !== '') break;
    cells.push(value!);
  }
  assert.ok(cells.length > 1, 'the note is on more than one line');
  assert.is(cells.join(' '), EXPLAIN_NOTE);
});

test.run();
