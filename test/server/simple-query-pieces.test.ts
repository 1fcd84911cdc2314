/**
 * The server cuts a Query into statements without parsing it
 * (src/server/sql-pieces.ts); it must cut where the grammar cuts, annotations
 * included, whatever quotes, comments and dollar quotes hide a `;`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from '../../grammar/index.js';
import { sqlPieces } from '../../src/server/sql-pieces.js';
import { threadCpuMs } from '../thread-cpu.js';

/** What the grammar makes of `sql`: each statement's text with its annotations, and where it starts. */
function grammarPieces(sql: string): { text: string; start: number }[] {
  return parse(sql).statements.map((s) => {
    const start = Math.min(s.span.start, ...s.annotations.map((a) => a.span.start));
    return { text: sql.slice(start, s.span.end), start };
  });
}

const CASES = [
  'SELECT 1; SELECT 2',
  "SELECT 'a;b'; SELECT E'it\\'s; here'; SELECT \"odd;name\" FROM t",
  'SELECT $$ ; $$; SELECT $tag$ a ; $$ b $tag$; SELECT $1, $name',
  'SELECT 1 -- comment ; not a cut\n; SELECT /* a ; /* nested ; */ still */ 2',
  '-- @ parallel: 5\nSELECT 1;\n-- @ model: x\n-- plain comment\nSELECT 2;;;  ; SELECT 3',
  "SELECT a$b, 1e5, .5, x::INT FROM t WHERE s LIKE 'x''y;'; SELECT 'é€😀;'",
  "RVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT product_name FROM products LIMIT 2); SELECT 1",
  'SELECT 1 +--2\n; SELECT 2',
];

test('statements are cut where the grammar cuts them, annotations and offsets included', () => {
  for (const sql of CASES) {
    const ours = [...sqlPieces(sql)].map(({ text, start }) => ({ text, start }));
    assert.equal(ours, grammarPieces(sql), sql);
  }
});

test('an unterminated string or comment keeps the rest as one statement (the grammar reports it when it runs)', () => {
  assert.equal(
    [...sqlPieces("SELECT 1; SELECT 'open; SELECT 2")].map((p) => p.text),
    ['SELECT 1', "SELECT 'open; SELECT 2"],
  );
  assert.equal(
    [...sqlPieces('SELECT 1; /* open; SELECT 2')].map((p) => p.text),
    ['SELECT 1', '/* open; SELECT 2'],
  );
});

test('an annotation after the last statement is its own (dangling) piece; alone it is an empty query', () => {
  assert.equal(
    [...sqlPieces('SELECT 1; -- @ parallel: 5\n')].map((p) => [p.text, p.trailing ?? false]),
    [
      ['SELECT 1', false],
      ['-- @ parallel: 5\n', true],
    ],
  );
  assert.equal([...sqlPieces('-- @ parallel: 5')], []);
  assert.equal([...sqlPieces('  ;; -- nothing\n')], []);
});

test('parameters are noted per statement: the highest $n, and whether DuckDB numbers some itself', () => {
  const [a, b, c] = [...sqlPieces("SELECT $2, $10, '$99' -- $98\n; SELECT ?; SELECT $name")];
  assert.equal([a!.maxParam, a!.otherParams], [10, false]);
  assert.equal([b!.maxParam, b!.otherParams], [0, true]);
  assert.equal([c!.maxParam, c!.otherParams], [0, true]);
});

test('a million statements are cut lazily, in linear time', () => {
  const sql = 'SELECT 1;'.repeat(1_000_000);
  // This thread's CPU, not the wall clock: on a busy machine the cutting waits for a core.
  const t0 = threadCpuMs();
  let n = 0;
  for (const _ of sqlPieces(sql)) n++;
  assert.is(n, 1_000_000);
  const ms = threadCpuMs() - t0;
  assert.ok(ms < 5000, `${ms} ms of CPU`);
});

test.run();
