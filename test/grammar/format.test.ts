import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { format, parse, stripSpans } from '../../grammar/index.js';
import { VALID } from './corpus.js';

test('canonical text: upper-case keywords, fixed modifier and option order', () => {
  const r = parse(
    "-- @ model: m\nrvbbit map batch 4 distinct parallel 2 'it''s.yaml' as (b varchar, \"c d\" decimal(10,2)) using (select 1) with (on_error = 'null', cache = true, limit = 10)",
  );
  assert.is(
    format(r),
    [
      '-- @ model: m',
      "RVBBIT MAP PARALLEL 2 DISTINCT BATCH 4 'it''s.yaml' AS (b VARCHAR, \"c d\" DECIMAL(10, 2))",
      'USING (select 1)',
      "WITH (limit = 10, cache = TRUE, on_error = 'null');",
    ].join('\n'),
  );
});

test('RUN, EXPLAIN, CREATE and passthrough', () => {
  const r = parse(
    "explain (format json) rvbbit run async 'r' using ( x ) with (cache = '1h');create temporary table s.t as rvbbit map 'm' as out using (y); select  1 ",
  );
  assert.is(
    format(r.statements),
    [
      "EXPLAIN (FORMAT JSON) RVBBIT RUN ASYNC 'r'",
      'USING ( x )',
      "WITH (cache = '1h');",
      '',
      "CREATE TEMP TABLE s.t AS RVBBIT MAP 'm' AS out",
      'USING (y);',
      '',
      'select  1;',
    ].join('\n'),
  );
});

test('delivery: WITH option and annotation, canonical and round-tripped', () => {
  const sql =
    "-- @ DELIVERY: Batch\nrvbbit map 'm' using (q) with (delivery = 'BATCH', retries = 1);rvbbit run 'r' using (q) with (delivery = 'sync')";
  const text = format(parse(sql));
  assert.is(
    text,
    [
      '-- @ delivery: batch',
      "RVBBIT MAP 'm'",
      'USING (q)',
      "WITH (retries = 1, delivery = 'batch');",
      '',
      "RVBBIT RUN 'r'",
      'USING (q)',
      "WITH (delivery = 'sync');",
    ].join('\n'),
  );
  assert.equal(stripSpans(parse(text).statements), stripSpans(parse(sql).statements));
});

test('one statement formats alone', () => {
  assert.is(format(parse("RVBBIT RUN 'r' USING (q)").statements[0]!), "RVBBIT RUN 'r'\nUSING (q);");
});

test('parse(format(parse(x))) equals parse(x) without spans, for every valid example', () => {
  for (const sql of VALID) {
    const first = parse(sql);
    assert.equal(first.errors, [], sql);
    const again = parse(format(first));
    assert.equal(again.errors, [], sql);
    assert.equal(stripSpans(again.statements), stripSpans(first.statements), sql);
  }
});

test('format is idempotent', () => {
  for (const sql of VALID) {
    const once = format(parse(sql));
    assert.is(format(parse(once)), once);
  }
});

test('stripSpans removes every span key and keeps the rest', () => {
  const s = stripSpans(parse("SELECT a MEANS 'b'").statements[0]!);
  assert.not.match(JSON.stringify(s), /span/i);
  assert.match(JSON.stringify(s), /semantic_means/);
});

test.run();
