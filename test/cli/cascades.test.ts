import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rvbbit } from './helpers.js';

test('cascades list shows each file with its id, cell count and description', async () => {
  const r = await rvbbit(['cascades', 'list', 'examples/cascades']);
  assert.is(r.code, 0);
  assert.is(
    r.out,
    [
      '┌─────────────────────────────────────────────┬───────────────┬───────┬───────────────────────────────────────────┐',
      '│ file                                        │ cascade_id    │ cells │ description                               │',
      '├─────────────────────────────────────────────┼───────────────┼───────┼───────────────────────────────────────────┤',
      '│ examples/cascades/traits/analyze_batch.yaml │ analyze_batch │     2 │                                           │',
      '│ examples/cascades/traits/extract_brand.yaml │ extract_brand │     1 │ Brand and confidence from a product title │',
      '└─────────────────────────────────────────────┴───────────────┴───────┴───────────────────────────────────────────┘',
      '(2 cascades)',
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
