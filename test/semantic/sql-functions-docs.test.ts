/**
 * docs/semantic-sql.md's "Your own operators in SQL": the ```sql block of
 * that section, statement by statement as written, on an engine with no
 * configuration (the built-in simulator) over examples/data/reviews.csv.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { REVIEWS_CSV } from './semantic-fixture.js';

const DOC = fileURLToPath(new URL('../../docs/semantic-sql.md', import.meta.url));
const SECTION = '### Your own operators in SQL: CREATE SEMANTIC FUNCTION';

function example(): string {
  const text = readFileSync(DOC, 'utf8');
  const at = text.indexOf(SECTION);
  assert.ok(at >= 0, `${SECTION} is in docs/semantic-sql.md`);
  const block = /```sql\n([\s\S]*?)```/.exec(text.slice(at));
  assert.ok(block, 'the section has a sql block');
  return block![1]!;
}

test('every statement of the example runs; the listing and the stored rows say what it did', async () => {
  const engine = await createEngine({ threads: 2, cascadeRoots: [] });
  try {
    await engine.query(`CREATE TABLE reviews AS SELECT * FROM read_csv('${REVIEWS_CSV}')`);
    const results = [];
    for (const sql of example()
      .split(/;\n/)
      .map((s) => s.trim())
      .filter(Boolean)) {
      results.push({ sql, rows: (await engine.query(sql)).rows });
    }
    const select = results.find((r) => r.sql.startsWith('SELECT id'))!;
    assert.ok(select.rows.length > 0 && select.rows.length <= 3);
    assert.equal(Object.keys(select.rows[0]!), ['id', 'acting', 'stars']);
    const listed = results.find((r) => r.sql.includes('rvbbit.functions'))!;
    assert.equal(
      listed.rows.map((r) => r['name']),
      ['echoes', 'praises_acting', 'stars_of'],
    );
    const stored = await engine.query('SELECT name, version FROM rvbbit.semantic_functions ORDER BY name');
    assert.equal(
      stored.rows.map((r) => [r['name'], r['version']]),
      [
        ['praises_acting', 2],
        ['stars_of', 1],
      ],
    );
  } finally {
    await engine.close();
  }
});

test.run();
