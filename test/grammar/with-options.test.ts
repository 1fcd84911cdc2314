import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MapStatement, RunStatement } from '../../grammar/index.js';
import { parseDuration, withValues } from '../../grammar/index.js';
import { err, ok } from './helpers.js';

const opts = (w: string) => {
  const s = ok(`RVBBIT MAP 'x' USING (select 1) WITH (${w})`)[0] as MapStatement;
  return withValues(s.with?.options);
};
const bad = (w: string) => err(`RVBBIT MAP 'x' USING (select 1) WITH (${w})`);

test('every key with a valid value, typed', () => {
  assert.equal(
    opts(
      "as_table = 't', result_column = 'r', dedupe_by = 'id', limit = 0, cache = '30m', model = 'm', on_error = 'fail', timeout = '2h', budget_dollars = 0.25, retries = 20",
    ),
    {
      as_table: 't',
      result_column: 'r',
      dedupe_by: 'id',
      limit: 0,
      cache: { enabled: true, ttl: { text: '30m', ms: 1_800_000 } },
      model: 'm',
      on_error: 'fail',
      timeout: { text: '2h', ms: 7_200_000 },
      budget_dollars: 0.25,
      retries: 20,
    },
  );
});

test('cache takes TRUE/FALSE or a duration', () => {
  assert.equal(opts('cache = true').cache, { enabled: true, ttl: null });
  assert.equal(opts('CACHE = FALSE').cache, { enabled: false, ttl: null });
  assert.equal(opts("cache = '60s'").cache, { enabled: true, ttl: { text: '60s', ms: 60_000 } });
});

test('options are kept in canonical key order with their spans', () => {
  const s = ok("RVBBIT MAP 'x' USING (select 1) WITH (retries = 1, limit = 2)")[0] as MapStatement;
  assert.equal(
    s.with!.options.map((o) => [o.key, o.span.start, o.span.end]),
    [
      ['limit', 51, 60],
      ['retries', 38, 49],
    ],
  );
  assert.equal([s.with!.span.start, s.with!.span.end], [32, 61]);
});

test('durations', () => {
  assert.equal(parseDuration('1d'), { text: '1d', ms: 86_400_000 });
  assert.equal(parseDuration('500ms'), { text: '500ms', ms: 500 });
  assert.equal(parseDuration('1.5h'), { text: '1.5h', ms: 5_400_000 });
  assert.is(parseDuration('0s'), null);
  assert.is(parseDuration('10 minutes'), null);
  assert.is(parseDuration('s'), null);
});

test('unknown key names the key and lists the valid keys', () => {
  const e = bad("colour = 'red'");
  assert.is(e.code, 'E_UNKNOWN_WITH_KEY');
  assert.is(
    e.message,
    "unknown WITH option 'colour'; valid keys: as_table, result_column, infer_schema, dedupe_by, limit, cache, model, on_error, timeout, budget_dollars, budget_tokens, retries, max_tokens, delivery",
  );
  assert.equal([e.line, e.column], [1, 39]);
  assert.ok(bad("tmeout = '2s'").message.endsWith(", delivery — did you mean 'timeout'?"));
});

test("delivery: 'batch' or 'sync', any case; the value is kept lower-case", () => {
  assert.is(opts("delivery = 'batch'").delivery, 'batch');
  assert.is(opts("DELIVERY = 'Sync'").delivery, 'sync');
  const run = ok("RVBBIT RUN 'x' USING (select 1) WITH (delivery = 'batch')")[0] as RunStatement;
  assert.equal(withValues(run.with?.options), { delivery: 'batch' });
});

test('a bad delivery names the key and the values, at the value', () => {
  const e = err("RVBBIT MAP 'x'\nUSING (select 1)\nWITH (limit = 5, delivery = 'async')");
  assert.equal(
    [e.code, e.message, e.line, e.column],
    ['E_BAD_WITH_VALUE', "delivery must be one of 'batch', 'sync', got 'async'", 3, 29],
  );
  assert.is(bad('delivery = TRUE').message, "delivery must be one of 'batch', 'sync', got TRUE");
  assert.is(bad('delivery = NULL').message, "delivery must be one of 'batch', 'sync', got NULL");
});

test('duplicate key', () => {
  const e = bad('limit = 1, LIMIT = 2');
  assert.is(e.code, 'E_DUPLICATE_WITH_KEY');
  assert.is(e.message, 'WITH option limit is given twice (first at 1:39)');
});

test('missing value', () => {
  const e = bad('limit = ');
  assert.is(e.code, 'E_MISSING_WITH_VALUE');
  assert.is(e.message, "expected a value (a string, number, TRUE, FALSE or NULL) but found ')'");
  assert.is(bad('limit').code, 'E_UNEXPECTED_TOKEN');
  assert.is(bad('limit = 1,').code, 'E_UNEXPECTED_TOKEN');
  assert.is(err("RVBBIT MAP 'x' USING (select 1) WITH ()").code, 'E_UNEXPECTED_TOKEN');
});

test('result_column conflicts with AS name', () => {
  const e = err("RVBBIT MAP 'x' AS a USING (select 1) WITH (result_column = 'b')");
  assert.equal([e.code, e.column], ['E_CONFLICTING_OPTION', 44]);
  assert.equal(opts("result_column = 'b'").result_column, 'b');
});

test('wrong types and out-of-range values', () => {
  const cases: [string, string][] = [
    ["limit = 'ten'", "limit must be an integer ≥ 0, got 'ten'"],
    ['limit = -1', 'limit must be an integer ≥ 0, got -1'],
    ['limit = 1.5', 'limit must be an integer ≥ 0, got 1.5'],
    ['retries = 21', 'retries must be an integer from 0 to 20, got 21'],
    ['budget_dollars = 0', 'budget_dollars must be a number > 0, got 0'],
    ['budget_tokens = 1.5', 'budget_tokens must be an integer > 0, got 1.5'],
    ['budget_tokens = 0', 'budget_tokens must be an integer > 0, got 0'],
    ["on_error = 'ignore'", "on_error must be one of 'null', 'fail', 'keep', got 'ignore'"],
    ["timeout = 'soon'", "timeout must be a duration such as '30s', '5m', '2h' or '1d', got 'soon'"],
    ['timeout = 30', "timeout must be a duration such as '30s', '5m', '2h' or '1d', got 30"],
    ["cache = 'yes'", "cache must be TRUE, FALSE or a duration such as '60s' or '1d', got 'yes'"],
    ['model = NULL', 'model must be a non-empty string, got NULL'],
    ["as_table = ''", "as_table must be a non-empty string, got ''"],
    ['dedupe_by = TRUE', 'dedupe_by must be a non-empty string, got TRUE'],
  ];
  for (const [w, message] of cases) {
    const e = bad(w);
    assert.equal([e.code, e.message], ['E_BAD_WITH_VALUE', message], w);
  }
});

test.run();
