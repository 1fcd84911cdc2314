/**
 * LLM_SCORE and LLM(… RETURNING type) through the `rvbbit` CLI with no
 * configuration (the built-in simulator): an INTEGER score from argv, a
 * STRUCT from stdin in DuckDB's text (csv) and as a JSON object (json), and
 * an unknown RETURNING type refused at its line and column.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { simulatorEnv } from '../../src/llm/config.js';
import { ROOT, rvbbit } from './helpers.js';

const REVIEWS = `${ROOT}examples/data/reviews.csv`;
const SCORE = `SELECT id, LLM_SCORE(review, 'how positive the review is', 1, 5) AS s FROM read_csv('${REVIEWS}') WHERE id <= 5 ORDER BY id`;
const STRUCT = `SELECT id, LLM('The aspect discussed', review RETURNING STRUCT(aspect VARCHAR, liked BOOLEAN)) AS v
FROM read_csv('${REVIEWS}') WHERE id <= 3 ORDER BY id`;

/** The library's rows for `sql`, against the engine's own simulator (what the CLI starts with no configuration). */
async function library(
  sql: string,
): Promise<{ columns: string[]; rows: readonly Record<string, unknown>[] }> {
  const engine = await createEngine();
  try {
    const r = await engine.query(sql);
    return { columns: r.columns.map((c) => `${c.name} ${c.type}`), rows: r.rows };
  } finally {
    await engine.close();
  }
}

test('argv: LLM_SCORE with whole bounds prints the library integers, each within 1..5', async () => {
  const lib = await library(SCORE);
  assert.equal(lib.columns, ['id BIGINT', 's INTEGER']);
  const scores = lib.rows.map((r) => r.s);
  assert.is(scores.length, 5);
  assert.ok(
    scores.every((s) => Number.isInteger(s) && (s as number) >= 1 && (s as number) <= 5),
    String(scores),
  );
  const ran = await rvbbit(['query', '--format', 'csv', SCORE], { env: simulatorEnv() });
  assert.is(ran.code, 0, ran.err);
  const lines = ran.out.trim().split('\n');
  assert.equal(lines, ['id,s', ...scores.map((s, i) => `${i + 1},${s}`)]);
  for (const line of lines.slice(1)) assert.match(line, /^[1-5],[1-5]$/);
  // json keeps the type: numbers, not strings.
  const json = await rvbbit(['query', '--format', 'json', SCORE], { env: simulatorEnv() });
  assert.is(json.code, 0, json.err);
  assert.equal(
    JSON.parse(json.out),
    scores.map((s, i) => ({ id: i + 1, s })),
  );
});

test('stdin: a STRUCT prints as DuckDB casts it to text (csv) and as a JSON object (json), one line per row', async () => {
  const lib = await library(STRUCT);
  assert.equal(lib.columns, ['id BIGINT', 'v STRUCT("aspect" VARCHAR, "liked" BOOLEAN)']);
  const values = lib.rows.map((r) => r.v as { aspect: string; liked: boolean });
  assert.is(values.length, 3);
  for (const v of values) {
    assert.equal(Object.keys(v), ['aspect', 'liked']);
    assert.type(v.aspect, 'string');
    assert.type(v.liked, 'boolean');
  }
  const csv = await rvbbit(['query', '--format', 'csv'], { env: simulatorEnv(), input: `${STRUCT};\n` });
  assert.is(csv.code, 0, csv.err);
  const lines = csv.out.trim().split('\n');
  // DuckDB's STRUCT-to-VARCHAR text: quoted field names, the string bare, the boolean true/false (not t/f).
  assert.equal(lines, [
    'id,v',
    ...values.map((v, i) => `${i + 1},"{'aspect': ${v.aspect}, 'liked': ${v.liked}}"`),
  ]);
  for (const line of lines.slice(1)) assert.match(line, /^\d,"\{'aspect': [^']+, 'liked': (true|false)\}"$/);
  const json = await rvbbit(['query', '--format', 'json'], { env: simulatorEnv(), input: `${STRUCT};\n` });
  assert.is(json.code, 0, json.err);
  assert.equal(
    JSON.parse(json.out),
    values.map((v, i) => ({ id: i + 1, v })),
  );
});

test('RETURNING MAP: exit 1, E_BAD_AGGREGATE_ARGS at its line and column (argv and stdin); nothing runs', async () => {
  const argv = await rvbbit(
    ['query', '--format', 'csv', `SELECT LLM('x', review RETURNING MAP) FROM read_csv('${REVIEWS}')`],
    { env: simulatorEnv() },
  );
  assert.is(argv.code, 1);
  assert.is(argv.out, '');
  const lines = argv.err.split('\n');
  assert.match(
    lines[0]!,
    /^error\[E_BAD_AGGREGATE_ARGS\]: LLM: RETURNING MAP: unknown type MAP: RETURNING takes /,
  );
  assert.is(lines[1], ' --> 1:34');
  // The caret under MAP.
  assert.is(lines[4], `  | ${' '.repeat(33)}^`);
  // A script: the position is in the whole input; the statement before it does not run either.
  const stdin = await rvbbit(['query', '--format', 'csv'], {
    env: simulatorEnv(),
    input: `SELECT 1 AS one;\nSELECT LLM('x', review\n    RETURNING MAP) FROM read_csv('${REVIEWS}');\n`,
  });
  assert.is(stdin.code, 1);
  assert.is(stdin.out, '');
  assert.match(stdin.err, /^error\[E_BAD_AGGREGATE_ARGS\]: .*unknown type MAP/);
  assert.match(stdin.err, /\n --> 3:15\n/);
});

test.run();
