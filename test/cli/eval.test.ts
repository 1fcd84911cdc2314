/**
 * `rvbbit eval` (src/cli/eval-command.ts), spawned against a simulator whose
 * `small-fast` is profiled 85% accurate: on a seeded sample of 400 rows, a
 * cheaper model's agreement reproduces its profile (within ±0.05), packing
 * (`-- @ batch: 16`) changes no answer and makes 16× fewer calls, and a proxy
 * with targets meets them against the reference; `--format json` is an array,
 * one object per candidate.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDollars } from '../../base/dollars.js';
import { agreement, onTable, SAMPLE_TABLE, spearman } from '../../src/engine/evaluate.js';
import { startSimulator } from '../../src/sim/index.js';
import { rvbbit } from './helpers.js';

const SETUP = `CREATE TABLE items AS SELECT range::INTEGER AS id,
  CASE WHEN range % 5 = 0 THEN 'eco friendly bottle number ' ELSE 'plain steel part number ' END || range AS body
  FROM range(3000)`;

test('rvbbit eval --format json: calls, tokens, dollars and agreement per candidate', async () => {
  const sim = await startSimulator({
    profiles: { 'small-fast': { accuracy: 0.85 } },
    prices: { 'sim-small': { in: 0.15, out: 0.6 }, 'small-fast': { in: 0.015, out: 0.06 } },
  });
  try {
    const r = await rvbbit(
      [
        'eval',
        "SELECT id FROM items WHERE body MEANS 'eco friendly'",
        '--setup',
        SETUP,
        '--table',
        'items',
        '--sample',
        '400',
        '--seed',
        '7',
        '--candidate',
        '-- @ model: small-fast',
        '--candidate',
        '-- @ batch: 16',
        '--candidate',
        '-- @ proxy: small-fast recall 0.9 precision 0.9',
        '--format',
        'json',
      ],
      { env: { RVBBIT_BASE_URL: sim.url, RVBBIT_API_KEY: 'sim-key', RVBBIT_MODEL: 'sim-small' } },
    );
    assert.is(r.code, 0, r.err);
    const out = JSON.parse(r.out) as Record<string, number | string | null>[];
    assert.equal(
      out.map((o) => o.candidate),
      ['-- @ model: small-fast', '-- @ batch: 16', '-- @ proxy: small-fast recall 0.9 precision 0.9'],
    );
    const [cheap, packed, proxy] = out as [
      Record<string, number>,
      Record<string, number>,
      Record<string, number>,
    ];
    // A cheaper model: its profile's accuracy; 25 packed calls (400, one per row, before issue 67 packed
    // unannotated statements: the reference and this candidate go 16 rows to a prompt).
    assert.is(cheap.calls, 25);
    assert.ok(Math.abs(cheap.agreement! - 0.85) <= 0.05, `agreement ${cheap.agreement}`);
    assert.ok(cheap.tokens_in > 0 && cheap.tokens_out > 0 && cheap.dollars > 0);
    // Packing: the same answers, 25 calls for 400 distinct tuples.
    assert.is(packed.calls, 25);
    assert.is(packed.agreement, 1);
    assert.equal([packed.precision, packed.recall, packed.f1], [1, 1, 1]);
    // The proxy with targets: both proxy and big-model calls, the targets met against the reference.
    // Packed 16 a prompt since issue 67, the proxy's calls and the statement model's alike (before: > 400, < 800).
    assert.ok(proxy.calls > 25 && proxy.calls < 50, `calls ${proxy.calls}`);
    assert.ok(proxy.precision! >= 0.9 && proxy.recall! >= 0.9, JSON.stringify(proxy));
    for (const o of out)
      for (const k of ['calls', 'tokens_in', 'tokens_out', 'dollars', 'agreement']) assert.ok(k in o, k);
  } finally {
    await sim.close();
  }
});

test('rvbbit eval: bad usage is exit 2 naming what is missing', async () => {
  const r = await rvbbit(['eval', 'SELECT 1', '--candidate', '-- @ batch: 4']);
  assert.is(r.code, 2);
  assert.match(r.err, '--table <name> names the input table to sample');
});

/** The built-in simulator (no provider from the outer environment): it prices sim-small, not small-fast. */
const BUILT_IN = {
  RVBBIT_BASE_URL: '',
  RVBBIT_API_KEY: '',
  OPENAI_API_KEY: '',
  OPENROUTER_API_KEY: '',
  RVBBIT_MODEL: '',
  RVBBIT_CONFIG: '',
};

test("rvbbit eval: an unpriced model's dollars stay unknown (null in JSON, unknown in the table), never 0", async () => {
  const evalArgs = (format: string) => [
    'eval',
    "SELECT id FROM items WHERE body MEANS 'eco friendly'",
    '--setup',
    SETUP,
    '--table',
    'items',
    '--sample',
    '12',
    '--candidate',
    '-- @ model: sim-small',
    '--candidate',
    '-- @ model: small-fast',
    '--format',
    format,
  ];
  const json = await rvbbit(evalArgs('json'), { env: BUILT_IN });
  assert.is(json.code, 0, json.err);
  const [priced, unpriced] = JSON.parse(json.out) as [Record<string, unknown>, Record<string, unknown>];
  // 1 packed call each (12, one per row, before issue 67 packed unannotated statements).
  assert.is(unpriced.calls, 1);
  assert.is(unpriced.dollars, null);
  assert.is(priced.calls, 1);
  assert.ok(typeof priced.dollars === 'number' && priced.dollars > 0, String(priced.dollars));
  const table = await rvbbit(evalArgs('table'), { env: BUILT_IN });
  assert.is(table.code, 0, table.err);
  const cells = (candidate: string) =>
    table.out
      .split('\n')
      .find((l) => l.startsWith(candidate))!
      .slice(candidate.length)
      .trim()
      .split(/ +/);
  // calls, tokens_in, tokens_out, dollars, …: the same number formatDollars prints everywhere.
  assert.equal(cells('-- @ model: sim-small').slice(0, 4), [
    '1',
    String(priced.tokens_in),
    String(priced.tokens_out),
    formatDollars(priced.dollars as number),
  ]);
  assert.equal(cells('-- @ model: small-fast').slice(0, 4), [
    // 1 packed call (was 12, one per row; issue 67).
    '1',
    String(unpriced.tokens_in),
    String(unpriced.tokens_out),
    'unknown',
  ]);
});

test('onTable reads the table from the sample, not words in strings or other names', () => {
  assert.is(
    onTable(
      `SELECT id FROM items WHERE body MEANS 'items like these' AND items.id > 0 AND my_items = 1`,
      'items',
      SAMPLE_TABLE,
    ),
    `SELECT id FROM rvbbit_eval_sample WHERE body MEANS 'items like these' AND rvbbit_eval_sample.id > 0 AND my_items = 1`,
  );
});

test('agreement: sets, booleans, labels and scores', () => {
  const ids = (xs: number[]) => xs.map((id) => ({ id }));
  assert.equal(agreement(ids([1, 2, 3, 4]), ids([2, 3, 4, 5, 6]), 10), {
    agreement: 0.7,
    precision: 0.6,
    recall: 0.75,
    f1: 0.6667,
  });
  const labels = (xs: string[]) => xs.map((v, id) => ({ id, v }));
  assert.equal(agreement(labels(['a', 'b', 'c', 'a']), labels(['a', 'b', 'a', 'a']), 4), { agreement: 0.75 });
  const scores = (xs: number[]) => xs.map((v, id) => ({ id, v }));
  assert.equal(agreement(scores([0.1, 0.5, 0.9]), scores([0.2, 0.4, 0.8]), 3), {
    agreement: 1,
    mae: 0.1,
    rank_correlation: 1,
  });
  assert.is(spearman([1, 2, 3], [3, 2, 1]), -1);
});

test('agreement of the pairs a statement keeps: whole rows as sets, both keep over either keeps (its first column repeats, or more rows than the sample)', () => {
  const pairs = (xs: [number, number][]) => xs.map(([a, b]) => ({ a, b }));
  // a repeats: a pair join's kept pairs, not one row per sample row. Both keep 3 of the 5 either keeps.
  assert.equal(
    agreement(
      pairs([
        [1, 2],
        [1, 3],
        [2, 3],
        [4, 5],
      ]),
      pairs([
        [1, 2],
        [1, 3],
        [2, 3],
        [2, 4],
      ]),
      10,
    ),
    {
      agreement: 0.6,
      precision: 0.75,
      recall: 0.75,
      f1: 0.75,
    },
  );
  // One column, but 6 rows over a sample of 5: pairs, not a filter's rows (as one, 6 - 4 differing
  // rows would agree on 1 of 5). Both keep 2 of the 6 either keeps.
  const single = (xs: string[]) => xs.map((p) => ({ p }));
  assert.equal(agreement(single(['1-2', '1-3', '2-3', '4-5', '5-1', '3-1']), single(['1-2', '1-3']), 5), {
    agreement: 0.3333,
    precision: 1,
    recall: 0.3333,
    f1: 0.5,
  });
});

test.run();
