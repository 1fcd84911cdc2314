/**
 * Every strategy returns the same rows: each query runs under batch,
 * sequential, vectorized and union_all (cache off, so each really calls),
 * and the four results must be identical; a few are also checked against
 * their exact expected rows.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OPERATOR_CORPUS as CASES } from './operator-corpus.js';
import { canon, type SemFixture, STRATEGIES, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: every strategy returns the same rows');

test.before(async (ctx) => {
  ctx.f = await startSemFixture({ defaultParallel: 4 });
});
test.after(async (ctx) => {
  await ctx.f.close();
});

for (const c of CASES) {
  test(c.name, async ({ f }) => {
    const ordered = /ORDER BY/i.test(c.sql);
    const results: Record<string, string[]> = {};
    for (const s of STRATEGIES) {
      const rows = await f.rows(
        c.sql,
        `-- @ strategy: ${s}\n-- @ cache: false\n${c.annotations ?? ''}`,
        c.params,
      );
      results[s] = canon(rows, !ordered);
      if (s === 'batch' && c.expect) {
        assert.equal(
          rows.map((r) => Object.values(r)[0]),
          c.expect,
        );
      }
    }
    for (const s of STRATEGIES) assert.equal(results[s], results.batch, `${s} differs from batch`);
  });
}

test('the cases cover every form and clause', () => {
  const all = CASES.map((c) => c.sql).join('\n');
  for (const form of [
    ' MEANS ',
    ' MATCHES ',
    ' ABOUT ',
    ' ALIGNS WITH ',
    ' ALIGNS ',
    ' IMPLIES ',
    ' CONTRADICTS ',
    ' ~ ',
    'RELEVANCE TO',
    'SEMANTIC JOIN',
    'LLM_SUMMARIZE',
    'LLM_SENTIMENT',
    'LLM_THEMES',
    'LLM_CLASSIFY',
    'LLM_AGG',
    'HAVING',
    'GROUP BY',
    'WITH ',
    '$1',
  ])
    assert.ok(all.includes(form), form);
  assert.ok(CASES.length >= 30);
});

test('rvbbit.queries names the strategy that ran', async ({ f }) => {
  await f.rows(`SELECT id FROM docs WHERE body MEANS 'eco' ORDER BY id`, '-- @ strategy: union_all');
  await f.rows(`SELECT id FROM docs WHERE body MEANS 'eco'`, '-- @ strategy: union_all');
  const r = await f.rows(
    `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 2`,
  );
  assert.equal(
    r.map((x) => x.strategy),
    ['union_all', 'sequential (union_all cannot split this query: the query has ORDER at the top level)'],
  );
});

test.run();
