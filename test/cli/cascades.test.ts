import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rvbbit } from './helpers.js';

test('cascades list shows each file with its id, cell count, function, template language and description', async () => {
  const r = await rvbbit(['cascades', 'list', 'examples/cascades']);
  assert.is(r.code, 0);
  assert.is(
    r.out,
    [
      '┌─────────────────────────────────────────────┬───────────────┬───────┬──────────┬───────────┬───────────────────────────────────────────┐',
      '│ file                                        │ cascade_id    │ cells │ function │ templates │ description                               │',
      '├─────────────────────────────────────────────┼───────────────┼───────┼──────────┼───────────┼───────────────────────────────────────────┤',
      '│ examples/cascades/traits/analyze_batch.yaml │ analyze_batch │     2 │          │ liquid    │                                           │',
      '│ examples/cascades/traits/extract_brand.yaml │ extract_brand │     1 │          │ liquid    │ Brand and confidence from a product title │',
      '└─────────────────────────────────────────────┴───────────────┴───────┴──────────┴───────────┴───────────────────────────────────────────┘',
      '(2 cascades)',
      '',
    ].join('\n'),
  );
});

test("cascades list on larsql files: each operator's function, shape, internal mark and template language", async () => {
  const r = await rvbbit(['cascades', 'list', 'test/fixtures/larsql']);
  assert.is(r.code, 0);
  assert.is(
    r.out,
    [
      '┌───────────────────────────────────────────────────┬─────────────────┬───────┬────────────────────────────────┬───────────┬──────────────────────────────────────────────────────────────┐',
      '│ file                                              │ cascade_id      │ cells │ function                       │ templates │ description                                                  │',
      '├───────────────────────────────────────────────────┼─────────────────┼───────┼────────────────────────────────┼───────────┼──────────────────────────────────────────────────────────────┤',
      '│ test/fixtures/larsql/broken/unclosed.cascade.yaml │ (invalid)       │  NULL │                                │           │ 9:20: cells[0].instructions: tag {% if input.x %} not closed │',
      '│ test/fixtures/larsql/clean_single.cascade.yaml    │ clean_single    │     1 │ clean_value (scalar, internal) │ jinja     │ Clean a value                                                │',
      "│ test/fixtures/larsql/joined_agg.cascade.yaml      │ joined_agg      │     1 │ joined (aggregate, internal)   │ jinja     │ One line from a group's values                               │",
      '│ test/fixtures/larsql/mood_dimension.cascade.yaml  │ mood_dimension  │     1 │ mood (dimension, internal)     │ jinja     │ Groups texts by mood                                         │',
      '│ test/fixtures/larsql/nickname_single.cascade.yaml │ nickname_single │     1 │ nickname (scalar, internal)    │ jinja     │                                                              │',
      '│ test/fixtures/larsql/rhymes.cascade.yaml          │ rhymes          │     1 │ rhymes (scalar, internal)      │ jinja     │ Do two words rhyme?                                          │',
      '│ test/fixtures/larsql/tidy_single.cascade.yaml     │ tidy_single     │     1 │ tidy (scalar, internal)        │ jinja     │ Tidy a value                                                 │',
      '└───────────────────────────────────────────────────┴─────────────────┴───────┴────────────────────────────────┴───────────┴──────────────────────────────────────────────────────────────┘',
      '(7 cascades)',
      '',
    ].join('\n'),
  );
});

test('cascades validate: ok files exit 0; a broken file prints file:line:col and exits 1', async () => {
  const ok = await rvbbit(['cascades', 'validate', 'examples/cascades']);
  assert.is(ok.code, 0);
  assert.is(
    ok.out,
    'ok       examples/cascades/traits/analyze_batch.yaml\nok       examples/cascades/traits/extract_brand.yaml\n2 valid, 0 invalid\n',
  );
  const bad = await rvbbit([
    'cascades',
    'validate',
    'test/fixtures/cascades/broken/06-missing-cascade-id.yaml',
  ]);
  assert.is(bad.code, 1);
  assert.is(
    bad.out,
    'invalid  test/fixtures/cascades/broken/06-missing-cascade-id.yaml:1:1: missing required key "cascade_id"\n0 valid, 1 invalid\n',
  );
});

test('cascades list without a folder includes the shipped semantic operators', async () => {
  const r = await rvbbit(['cascades', 'list']);
  assert.is(r.code, 0);
  assert.match(r.out, /cascades\/semantic\/means\.yaml/);
});

test('a folder that does not exist is an error', async () => {
  const r = await rvbbit(['cascades', 'validate', 'no/such/folder']);
  assert.is(r.code, 1);
  assert.is(r.err, 'rvbbit cascades: no such file or folder: no/such/folder\n');
});

test.run();
