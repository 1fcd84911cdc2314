/**
 * `LLM(… RETURNING ENUM('a', …))` through `rvbbit query` with no configuration
 * (the built-in simulator): the rows the library gives, every answer one of the
 * labels over all 300 reviews, the column typed as DuckDB's ENUM, and a bad
 * label list refused at its line and column with no call made.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { simulatorEnv } from '../../src/llm/config.js';
import { ROOT, rvbbit } from './helpers.js';

const REVIEWS = `read_csv('${ROOT}examples/data/reviews.csv')`;
const LABELS = ['positive', 'negative', 'neutral'];
const SQL = `SELECT id, LLM('The sentiment', review RETURNING ENUM('positive', 'negative', 'neutral')) AS s
FROM ${REVIEWS} ORDER BY id`;

test('every row of 300 answers a label; the CLI prints the library rows; the column is an ENUM', async () => {
  const engine = await createEngine();
  const lib = (await engine.query(SQL)).rows.map((r) => `${r.id},${r.s}`);
  await engine.close();
  assert.is(lib.length, 300);
  const counts = Object.fromEntries(LABELS.map((l) => [l, lib.filter((r) => r.endsWith(`,${l}`)).length]));
  // Polarity sentence by sentence since issue 68 (one rule for labels and pair conditions); 204, 68, 28 before.
  assert.equal(counts, { positive: 149, negative: 124, neutral: 27 });
  assert.equal(lib.slice(17, 21), ['18,positive', '19,positive', '20,neutral', '21,neutral']);
  const env = simulatorEnv();
  const argv = await rvbbit(['query', '--format', 'csv', SQL], { env });
  assert.is(argv.code, 0, argv.err);
  assert.equal(argv.out.trim().split('\n'), ['id,s', ...lib]);
  const typed = await rvbbit(
    [
      'query',
      '--format',
      'csv',
      `SELECT typeof(LLM('The sentiment', review RETURNING ENUM('positive', 'it''s mixed'))) AS t FROM ${REVIEWS} WHERE id = 1`,
    ],
    { env },
  );
  assert.is(typed.code, 0, typed.err);
  assert.equal(typed.out.trim().split('\n'), ['t', `"ENUM('positive', 'it''s mixed')"`]);
});

test('a label listed twice: exit 1, the error at its line and column', async () => {
  const r = await rvbbit(
    ['query', `SELECT LLM('x', review\n  RETURNING ENUM('a', 'b', 'a')) FROM ${REVIEWS}`],
    { env: simulatorEnv() },
  );
  assert.is(r.code, 1);
  assert.is(r.out, '');
  assert.match(r.err, 'E_BAD_AGGREGATE_ARGS');
  assert.match(r.err, "ENUM label 'a' is listed twice");
  assert.match(r.err, '--> 2:28');
});

test.run();
