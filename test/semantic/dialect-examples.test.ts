/**
 * docs/dialect.md's "Ten analyst questions": every ```sql block of that
 * section, as written, on an engine with no configuration (the built-in
 * simulator) over the shipped examples/data/reviews.csv. Each question is
 * written directly — no string gluing, no rescaled operator — and answers
 * with rows of the shape it promises.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type Engine } from '../../src/index.js';
import { REVIEWS_CSV } from './semantic-fixture.js';

const DIALECT = fileURLToPath(new URL('../../docs/dialect.md', import.meta.url));
const SECTION = '### Ten analyst questions, written directly';

/** The section's sql blocks, each with the line of its fence. */
function examples(): { line: number; sql: string }[] {
  const lines = readFileSync(DIALECT, 'utf8').split('\n');
  const start = lines.indexOf(SECTION);
  assert.ok(start >= 0, `${SECTION} is in docs/dialect.md`);
  const out: { line: number; sql: string }[] = [];
  for (let i = start + 1; i < lines.length && !/^#{1,3} /.test(lines[i]!); i++) {
    if (lines[i] !== '```sql') continue;
    const body: string[] = [];
    const line = i + 1;
    for (i++; lines[i] !== '```'; i++) body.push(lines[i]!);
    out.push({ line, sql: body.join('\n') });
  }
  return out;
}

const test = suite<{ engine: Engine }>('docs/dialect.md: ten analyst questions');

test.before(async (ctx) => {
  ctx.engine = await createEngine({ threads: 2 });
  await ctx.engine.query(`CREATE TABLE reviews AS SELECT * FROM read_csv('${REVIEWS_CSV}')`);
});
test.after(async (ctx) => {
  await ctx.engine.close();
});

const plain = (v: unknown) => (typeof v === 'bigint' ? Number(v) : v);

/** What each question's answer must look like: its columns, and a check of its rows. */
const SHAPES: [string[], (rows: Record<string, unknown>[]) => void][] = [
  [['id', 'movie'], (rows) => assert.ok(rows.length > 0 && rows.length < 300)],
  [
    ['movie', 'positive', 'ratio'],
    (rows) => {
      assert.is(rows.length, 10);
      for (const r of rows) assert.ok(Number(r.ratio) >= 0 && Number(r.ratio) <= 1);
    },
  ],
  [
    ['id', 'score'],
    (rows) => {
      assert.is(rows.length, 300);
      assert.ok(
        rows.every((r) => Number.isInteger(r.score) && (r.score as number) >= 1 && (r.score as number) <= 5),
      );
    },
  ],
  [['movie', 'avg_score'], (rows) => assert.is(rows.length, 10)],
  [
    ['id', 'aspect', 'liked'],
    (rows) => {
      assert.is(rows.length, 20);
      assert.ok(rows.every((r) => typeof r.aspect === 'string' && typeof r.liked === 'boolean'));
    },
  ],
  [['first', 'second'], (rows) => assert.is(rows.length, 10)],
  [['first', 'second'], (rows) => assert.ok(rows.every((r) => plain(r.first)! < plain(r.second)!))],
  // Eight reviews in the fixture carry stars that contradict their words (a wrong click): exactly those.
  [
    ['id', 'stars'],
    (rows) =>
      assert.equal(
        rows.map((r) => [plain(r.id), plain(r.stars)]),
        [
          [38, 1],
          [49, 5],
          [119, 1],
          [133, 5],
          [172, 5],
          [195, 1],
          [234, 5],
          [269, 1],
        ],
      ),
  ],
  [['id'], (rows) => assert.is(rows.length, 10)],
  [
    ['movie', 'complaints'],
    (rows) => assert.ok(rows.length > 0 && rows.every((r) => typeof r.complaints === 'string')),
  ],
];

const found = examples();
test('the section has the ten questions, none gluing strings or rescaling a score', () => {
  assert.is(found.length, 10);
  for (const { sql, line } of found) {
    assert.not.match(sql, /\|\|/, `docs/dialect.md:${line} glues strings`);
    assert.not.match(sql, /(ABOUT|ALIGNS)[^;]*\*\s*\d/, `docs/dialect.md:${line} rescales a score`);
  }
});

found.forEach(({ line, sql }, i) => {
  test(`docs/dialect.md:${line}: ${sql.split('\n')[0]}`, async ({ engine }) => {
    const r = await engine.query(sql);
    const [columns, check] = SHAPES[i]!;
    assert.equal(
      r.columns.map((c) => c.name),
      columns,
    );
    check(r.rows as Record<string, unknown>[]);
  });
});

test.run();
