/**
 * `rvbbit tune` and the library's `tune()` (src/engine/tune.ts) against a simulator whose
 * cheaper models are profiled 85%, 97% and 99% accurate and priced cheapest first, the
 * statement's model (sim-large) answering the one world's truth: over a 2,000-row filter, the
 * cheapest model whose agreement clears 0.9 by its lower bound is chosen, in ≤ 2× the calls of
 * one candidate's `rvbbit eval`, each model's calls exactly what the simulator counted.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, defaultCandidates, PAIR_SPLIT_OFF, RvbbitError, tune } from '../../src/index.js';
import { startSimulator } from '../../src/sim/index.js';
import { rvbbit } from './helpers.js';

const SETUP = `CREATE TABLE items AS SELECT range::INTEGER AS id,
  CASE WHEN range % 5 = 0 THEN 'eco friendly bottle number ' ELSE 'plain steel part number ' END || range AS body
  FROM range(2000)`;
const FILTER = "SELECT id FROM items WHERE body MEANS 'eco friendly'";
const MODELS = ['cheap-a', 'cheap-b', 'cheap-c'];
const CANDIDATES = MODELS.map((m) => `-- @ model: ${m}`);
const SIMULATOR = {
  profiles: { 'cheap-a': { accuracy: 0.85 }, 'cheap-b': { accuracy: 0.97 }, 'cheap-c': { accuracy: 0.99 } },
  prices: {
    'sim-large': { in: 2.5, out: 10 },
    'cheap-a': { in: 0.05, out: 0.2 },
    'cheap-b': { in: 0.15, out: 0.6 },
    'cheap-c': { in: 0.6, out: 2.4 },
  },
};

test('rvbbit tune --format json: the cheapest model clearing 0.9 by its bound, in ≤ 2× one evaluation', async () => {
  const sim = await startSimulator(SIMULATOR);
  const env = { RVBBIT_BASE_URL: sim.url, RVBBIT_API_KEY: 'sim-key', RVBBIT_MODEL: 'sim-large' };
  try {
    const args = ['--setup', SETUP, '--table', 'items', '--format', 'json'];
    const r = await rvbbit(
      ['tune', FILTER, '--target', '0.9', ...args, ...CANDIDATES.flatMap((c) => ['--candidate', c])],
      { env },
    );
    assert.is(r.code, 0, r.err);
    const rows = JSON.parse(r.out) as Record<string, unknown>[];
    assert.equal(
      rows.map((o) => [o.candidate, o.rows, o.calls, o.chosen, o.verdict]),
      [
        // The reference ran rounds of 50, 100 and 200 rows (4 + 7 + 13 packed calls).
        ['(reference: as written)', 350, 24, false, 'reference'],
        // 37 of 50 agree: its upper bound is under 0.9 after the first round.
        ['-- @ model: cheap-a', 50, 4, false, 'under the target'],
        ['-- @ model: cheap-b', 350, 24, true, 'chosen'],
        // Its first round priced it above cheap-b: it never needed more rows.
        ['-- @ model: cheap-c', 50, 4, false, 'dearer than the chosen'],
      ],
    );
    const chosen = rows[2]!;
    assert.equal([chosen.agreement, chosen.agreement_bound], [0.9686, 0.9351]);
    for (const o of rows)
      for (const k of ['tokens_in', 'tokens_out', 'dollars', 'agreement', 'agreement_bound'])
        assert.ok(typeof o[k] === 'number', `${o.candidate} ${k}: ${o[k]}`);
    // Every call counted is one the simulator answered.
    assert.equal(sim.stats().byModel, { 'sim-large': 24, 'cheap-a': 4, 'cheap-b': 24, 'cheap-c': 4 });
    const tuned = rows.reduce((s, o) => s + (o.calls as number), 0);

    // One candidate's evaluation on the same sample: the reference and the candidate over its 400 rows.
    const one = await rvbbit(['eval', FILTER, ...args, '--sample', '400', '--candidate', CANDIDATES[1]!], {
      env,
    });
    assert.is(one.code, 0, one.err);
    const [evaluated] = JSON.parse(one.out) as [{ calls: number }];
    const evaluation = evaluated.calls * 2; // the reference runs the same statement, packed alike
    assert.is(evaluation, 50);
    assert.ok(tuned <= 2 * evaluation, `tune made ${tuned} calls, one evaluation ${evaluation}`);
    assert.is(tuned, 56);
  } finally {
    await sim.close();
  }
});

test('rvbbit tune (table): the lines, the chosen annotations; a target none clears keeps the statement', async () => {
  const sim = await startSimulator(SIMULATOR);
  const env = { RVBBIT_BASE_URL: sim.url, RVBBIT_API_KEY: 'sim-key', RVBBIT_MODEL: 'sim-large' };
  try {
    const base = ['tune', FILTER, '--setup', SETUP, '--table', 'items', '--sample', '100'];
    const clears = await rvbbit([...base, '--target', '0.8', '--candidate', CANDIDATES[2]!], { env });
    assert.is(clears.code, 0, clears.err);
    const lines = clears.out.trimEnd().split('\n');
    assert.match(
      lines[0]!,
      /^candidate +rows +calls +tokens_in +tokens_out +dollars +agreement +agreement_bound +chosen +verdict$/,
    );
    assert.match(lines[2]!, /^-- @ model: cheap-c +\d+ +\d+ .* yes +chosen$/);
    assert.equal(lines.slice(-2), [
      'chosen: put these annotations before the statement:',
      '-- @ model: cheap-c',
    ]);
    const none = await rvbbit([...base, '--target', '0.999', '--candidate', CANDIDATES[0]!], { env });
    assert.is(none.code, 0, none.err);
    assert.match(none.out, /^\(reference: as written\) .* yes +chosen: no candidate clears the target$/m);
    assert.match(none.out, /^-- @ model: cheap-a .* under the target$/m);
    assert.match(none.out, /chosen: the statement as written \(no candidate clears the target for less\)\n$/);
  } finally {
    await sim.close();
  }
});

test('tune() from code: the default candidates (other priced models, batch 32); a model dearer than the reference is out', async () => {
  const engine = await createEngine({ provider: { simulator: {} } });
  try {
    await engine.query(SETUP);
    assert.equal(defaultCandidates(engine), ['-- @ model: sim-large', '-- @ batch: 32']);
    // A model cheaper than the default is tried as itself and as a proxy with the default targets.
    const priced = await createEngine({
      provider: { simulator: {}, prices: { tiny: { in: 0.01, out: 0.04 } } },
    });
    try {
      assert.equal(defaultCandidates(priced), [
        '-- @ model: sim-large',
        '-- @ model: tiny',
        '-- @ proxy: tiny recall 0.9 precision 0.9',
        '-- @ batch: 32',
      ]);
    } finally {
      await priced.close();
    }
    const r = await tune(engine, FILTER, { table: 'items', target: 0.9, sample: 100 });
    assert.equal(
      r.rows.map((o) => [o.candidate, o.chosen, o.verdict]),
      [
        ['(reference: as written)', false, 'reference'],
        ['-- @ model: sim-large', false, 'costs no less than the reference'],
        // The one world answers every packing alike: agreement 1, fewer prompts a row.
        ['-- @ batch: 32', true, 'chosen'],
      ],
    );
    assert.is(r.chosen, '-- @ batch: 32');
    assert.is(r.rows[2]!.agreement, 1);
    // Bad arguments are TUNE_ARGUMENT, naming what was wrong; nothing runs.
    for (const [options, message] of [
      [{ table: 'items', target: 0 }, 'the target is an agreement in (0, 1], got 0'],
      [{ table: 'items; DROP TABLE items', target: 0.9 }, "got 'items; DROP TABLE items'"],
      [
        { table: 'items', target: 0.9, sample: 0 },
        'the sample is a whole number of rows from 1 to 1000000, got 0',
      ],
    ] as const) {
      const err = await tune(engine, FILTER, options).catch((e: unknown) => e);
      assert.ok(err instanceof RvbbitError && err.code === 'TUNE_ARGUMENT', String(err));
      assert.match((err as Error).message, message);
    }
  } finally {
    await engine.close();
  }
});

// 50 short reviews a round: 2,500 pairs, over MIN_SPLIT_PAIRS (2,048), so the split is offered. Priced (an engine
// from code knows sim-small's prices), it is taken by dollars (issue 67): the small side's estimate prices its
// answers at every candidate listed, output at 4x input, and the split's is under it; the run then shows the small
// side cheaper (4 calls against 13), which tune reports by choosing pair_split: off. Unpriced (the CLI's test below),
// tokens decide and the small side is taken as written.
const REVIEWS = `CREATE TABLE reviews AS SELECT range::INTEGER AS id, 'review ' || range || ': ' ||
  CASE range % 3 WHEN 0 THEN 'I loved it, wonderful and great' WHEN 1 THEN 'I hated it, terrible and awful'
  ELSE 'it arrived on a tuesday' END AS review FROM range(200)`;
// Each pair's answer beside its key, so agreement is counted pair by pair (flags).
const OPPOSITE = `SELECT a.id || '-' || b.id AS pair,
  LLM_FILTER('The two reviews express opposite sentiments', a.review, b.review) AS opposite
  FROM reviews a, reviews b ORDER BY a.id, b.id`;

test('tune() from code: a pair statement the split is offered for also tries -- @ pair_split: off; a filter tries what it did, no call more', async () => {
  const sim = await startSimulator({});
  const engine = await createEngine({
    provider: { baseUrl: sim.url, apiKey: 'sim-key', model: 'sim-small' },
  });
  try {
    await engine.query(REVIEWS);
    const byCandidate = (r: Awaited<ReturnType<typeof tune>>) =>
      r.rows.map((o) => [
        o.candidate,
        o.calls,
        o.tokens_in,
        o.tokens_out,
        o.agreement,
        o.agreement_bound,
        o.verdict,
      ]);
    await sim.resetStats();
    const pairs = await tune(engine, OPPOSITE, { table: 'reviews', target: 0.9, sample: 50 });
    assert.equal(byCandidate(pairs), [
      // The split: 1 question, 50 values labelled, then the check's sample asked the blocks' way. Before (the check in
      // rounds of 64 pairs, then the labels): 17 calls, 11,687 + 1,162.
      ['(reference: as written)', 13, 8_218, 864, 1, 1, 'reference'],
      ['-- @ model: sim-large', 13, 8_218, 864, 1, 0.9984, 'costs no less than the reference'],
      // Packed 32 a prompt, the split's price (its check's first look: 95 pairs at a third true) is now under the
      // small side's (its answers priced at a third of the candidates listed), so the split runs: 7 calls, dearer
      // than the small side run below. Before the split's check was cut, the small side ran here (2 calls, 2,558 +
      // 642) and was chosen; the planner's estimate of the small side's answers (a third of 2,500 candidates listed)
      // is above this run's (the simulator counts characters / 4 here).
      ['-- @ batch: 32', 7, 7_346, 841, 1, 0.9984, 'dearer than the chosen'],
      // Unsplit, the 2,500 pairs take the small side (50 calls, each listing the 50 reviews), its calls packed 16 a
      // prompt with the reviews stated once (issue 67): 0.55× the split's tokens, every pair answered alike. Before
      // the small side's calls packed, blocks: 16 calls, 10,499 + 10,520 tokens, dearer than the reference. 650 out before
      // the candidates were listed in code-unit order (small-side.ts): the same matches, other numbers ("review 10: …"
      // now precedes "review 2: …"), counted as characters / 4 here.
      ['-- @ pair_split: off', 4, 4_351, 647, 1, 0.9984, 'chosen'],
    ]);
    assert.is(pairs.chosen, '-- @ pair_split: off');
    // EXPLAIN, which says the split is offered, asks no model: every call is a set-up's.
    assert.is(sim.stats().requests, 13 + 13 + 7 + 4);

    await sim.resetStats();
    const filter = await tune(engine, "SELECT id FROM reviews WHERE review MEANS 'positive'", {
      table: 'reviews',
      target: 0.9,
      sample: 50,
    });
    assert.equal(
      filter.rows.map((o) => [o.candidate, o.calls]),
      [
        ['(reference: as written)', 4],
        ['-- @ model: sim-large', 4],
        ['-- @ batch: 32', 2],
      ],
    );
    assert.is(sim.stats().requests, 4 + 4 + 2);

    // The reference already off: nothing to compare the split against, no candidate added.
    const off = await tune(engine, OPPOSITE, {
      table: 'reviews',
      target: 0.9,
      sample: 50,
      reference: PAIR_SPLIT_OFF,
    });
    assert.equal(
      off.rows.map((o) => o.candidate),
      [PAIR_SPLIT_OFF, '-- @ model: sim-large', '-- @ batch: 32'],
    );
  } finally {
    await engine.close();
    await sim.close();
  }
});

// Only the pairs kept, no answer column: compared as sets of pairs (evaluate.ts `matches`).
const KEPT = `SELECT a.id AS a, b.id AS b FROM reviews a JOIN reviews b
  ON LLM_FILTER('The two reviews express opposite sentiments', a.review, b.review) ORDER BY a.id, b.id`;

test('tune() over a pair statement that returns only the pairs it keeps: agreement over the kept pairs, the same choice as with the answer beside its key', async () => {
  const sim = await startSimulator({});
  const engine = await createEngine({
    provider: { baseUrl: sim.url, apiKey: 'sim-key', model: 'sim-small' },
  });
  try {
    await engine.query(REVIEWS);
    const r = await tune(engine, KEPT, { table: 'reviews', target: 0.9, sample: 50 });
    // Read as a key (a) and a number (b), this was a rank correlation of -0.0915 and every
    // candidate "under the target", though each kept the reference's pairs exactly.
    assert.equal(
      r.rows.map((o) => [o.candidate, o.calls, o.agreement, o.agreement_bound, o.verdict]),
      [
        ['(reference: as written)', 13, 1, 1, 'reference'],
        ['-- @ model: sim-large', 13, 1, 0.9937, 'costs no less than the reference'],
        // Packed 32 a prompt the split is priced under the small side and runs (7 calls); the small side, unsplit, is
        // the cheaper run, as in the test above. Before the split's check was cut, batch 32 ran the small side (2 calls).
        ['-- @ batch: 32', 7, 1, 0.9937, 'dearer than the chosen'],
        ['-- @ pair_split: off', 4, 1, 0.9937, 'chosen'],
      ],
    );
    assert.is(r.chosen, '-- @ pair_split: off');
    assert.is(sim.stats().requests, 13 + 13 + 7 + 4);
  } finally {
    await engine.close();
    await sim.close();
  }
});

test('rvbbit tune (json) over a pair statement, no price known: the split is priced by tokens over the small side’s and not taken, so the reference is what pair_split: off was, and no pair_split: off line', async () => {
  const sim = await startSimulator({});
  const env = { RVBBIT_BASE_URL: sim.url, RVBBIT_API_KEY: 'sim-key', RVBBIT_MODEL: 'sim-small' };
  try {
    const r = await rvbbit(
      [
        'tune',
        OPPOSITE,
        '--setup',
        REVIEWS,
        '--table',
        'reviews',
        '--target',
        '0.9',
        '--sample',
        '50',
        '--format',
        'json',
      ],
      { env },
    );
    assert.is(r.code, 0, r.err);
    const rows = JSON.parse(r.out) as Record<string, unknown>[];
    assert.equal(
      rows.map((o) => [o.candidate, o.calls, o.tokens_in, o.tokens_out, o.agreement, o.chosen]),
      [
        // The CLI's provider by URL prices only what a config file prices (none here): plans are compared by tokens,
        // and the split (its sample at its bound) is dearer than the packed small side, so the statement as written
        // runs the small side: what -- @ pair_split: off ran before (4 calls, 4,351 + 650), and no such candidate is
        // added. Before the split was priced (issue 67): the split, 17 calls, 11,687 + 1,162, and the off line chosen.
        // Out 650 and 642 before the candidates were listed in code-unit order (small-side.ts): other numbers.
        ['(reference: as written)', 4, 4_351, 647, 1, false],
        // No other model is tried (none priced); 32 candidate calls a prompt: 2 prompts.
        ['-- @ batch: 32', 2, 2_558, 639, 1, true],
      ],
    );
    assert.is(sim.stats().requests, 4 + 2);
  } finally {
    await sim.close();
  }
});

test('rvbbit tune: bad usage is exit 2, one line naming it', async () => {
  const noTarget = await rvbbit(['tune', FILTER, '--table', 'items']);
  assert.is(noTarget.code, 2);
  assert.is(
    noTarget.err,
    'rvbbit tune: --target <share> is the agreement to clear, e.g. 0.9 (rvbbit tune --help for usage)\n',
  );
  const badTarget = await rvbbit(['tune', FILTER, '--table', 'items', '--target', '1.5']);
  assert.is(badTarget.code, 2);
  assert.match(badTarget.err, "--target must be a number greater than 0 and at most 1, got '1.5'");
  const writes = await rvbbit(['tune', 'DELETE FROM items', '--table', 'items', '--target', '0.9']);
  assert.is(writes.code, 2);
  assert.match(writes.err, 'rvbbit tune: the statement is refused: it is a DELETE statement');
});

test.run();
