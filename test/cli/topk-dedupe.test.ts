/**
 * Semantic top-k and ENTITY through the `rvbbit` CLI with no configuration
 * (the built-in simulator): argv and stdin give the library's rows, and
 * EXPLAIN shows the prefilter.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { simulatorEnv } from '../../src/llm/config.js';
import { rvbbit } from './helpers.js';

const DOCS = `(SELECT range::INTEGER AS id,
  CASE range WHEN 17 THEN 'solar lantern kettle' WHEN 90 THEN 'solar lantern' WHEN 151 THEN 'solar'
  ELSE printf('row%04d note%04d', range, range) END AS body FROM range(300))`;
const TOPK = `-- @ prefilter: 10
SELECT id FROM ${DOCS} ORDER BY body RELEVANCE TO 'solar lantern kettle' LIMIT 3`;
const ENTITIES = `SELECT ENTITY(name) AS who, count(*)::INTEGER AS n FROM (VALUES
  ('Maria Kowalczyk, Brightline Labs'), ('maria kowalczyk brightline labs'),
  ('Tomas Ferreira, Quillon Foods'), ('Ferreira Tomas Quillon'), ('Anna Berg, Velora Studio')) v(name)
GROUP BY 1 ORDER BY 1`;

test('argv and stdin: the rows the library gives', async () => {
  const engine = await createEngine();
  const topk = (await engine.query(TOPK)).rows.map((r) => String(r['id']));
  const groups = (await engine.query(ENTITIES)).rows.map((r) => `"${r['who']}",${r['n']}`);
  await engine.close();
  assert.equal(topk, ['17', '90', '151']);
  assert.equal(groups, [
    '"Anna Berg, Velora Studio",1',
    '"Maria Kowalczyk, Brightline Labs",2',
    '"Tomas Ferreira, Quillon Foods",2',
  ]);
  const env = simulatorEnv();
  const argv = await rvbbit(['query', '--format', 'csv', TOPK], { env });
  assert.is(argv.code, 0, argv.err);
  assert.equal(argv.out.trim().split('\n'), ['id', ...topk]);
  const stdin = await rvbbit(['query', '--format', 'csv'], { env, input: `${ENTITIES};\n` });
  assert.is(stdin.code, 0, stdin.err);
  assert.equal(stdin.out.trim().split('\n'), ['who,n', ...groups]);
});

test('EXPLAIN through the CLI shows the relevance prefilter', async () => {
  // csv: each figure on one line (the table wraps EXPLAIN's long values at 100 columns).
  const r = await rvbbit(['explain', '--format', 'csv', TOPK], { env: simulatorEnv() });
  assert.is(r.code, 0, r.err);
  assert.match(
    r.out,
    'relevance prefilter 10: 300 values; the 10 nearest the topic by embedding scored by the model (10 calls at most), 290 sorted after them unscored',
  );
});

test.run();
