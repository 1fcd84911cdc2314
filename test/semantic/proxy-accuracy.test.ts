/**
 * A classification's proxy with an accuracy target (`-- @ proxy: small-fast accuracy 0.9`,
 * src/plan/accuracy-cascade.ts) and a proxy given in CREATE SEMANTIC FUNCTION's
 * `WITH (proxy = …, recall = …, …)`, end to end through the library against the simulator
 * (small-fast: 85% profile, its labels' logprobs calibrated to it). Exact call counts from
 * the simulator's counters; the statistical guarantee over many trials is
 * accuracy-guarantee.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SemFixture, startSemFixture } from './semantic-fixture.js';

const test = suite<{ f: SemFixture }>('semantic: proxy accuracy target, proxy in WITH');

// 2,000 distinct tickets about three topics; 2,000 items, 20% about eco-friendly things.
const TABLES = `CREATE TABLE tickets AS SELECT range::INTEGER AS id,
  'ticket ' || range || ' asks about ' || CASE range % 3 WHEN 0 THEN 'billing' WHEN 1 THEN 'shipping' ELSE 'refund' END AS body
  FROM range(2000);
CREATE TABLE items AS SELECT range::INTEGER AS id,
  CASE WHEN range % 5 = 0 THEN 'eco friendly bottle number ' ELSE 'plain steel part number ' END || range AS body
  FROM range(2000);`;

test.before(async (ctx) => {
  // Pinned unpacked (operatorBatch: 1): the proxy's sample and unsure rows are counted as one big-model call per tuple; unannotated statements pack since issue 67
  // (test/semantic/auto-packing.test.ts).
  ctx.f = await startSemFixture(
    { defaultParallel: 32, operatorBatch: 1 },
    { profiles: { 'small-fast': { accuracy: 0.85 } } },
  );
  await ctx.f.engine.query(TABLES);
});
test.after(async (ctx) => {
  await ctx.f.close();
});
test.before.each(async ({ f }) => {
  await f.sim.resetStats();
});

const NO_CACHE = '-- @ cache: false';
const CLASSIFY = `SELECT id, CLASSIFY(body, 'billing,shipping,refund') AS topic FROM tickets ORDER BY id`;

async function lastStrategy(f: SemFixture): Promise<string> {
  const r = await f.rows(
    `SELECT strategy FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  return String(r[0]?.strategy);
}

const topics = (rows: Record<string, unknown>[]) => rows.map((r) => String(r.topic));

test('accuracy 0.9: met against the statement model; it answers only the sample and the unsure rows', async ({
  f,
}) => {
  const alone = topics(await f.rows(CLASSIFY, NO_CACHE));
  assert.is(alone.length, 2000);
  assert.equal(new Set(alone), new Set(['billing', 'shipping', 'refund']));
  await f.sim.resetStats();
  const got = topics(await f.rows(CLASSIFY, `${NO_CACHE}\n-- @ proxy: small-fast accuracy 0.9`));
  const strategy = await lastStrategy(f);
  const m =
    /^batch; classify: proxy small-fast targets accuracy 0\.9 delta 0\.05 \(Clopper-Pearson, fixed-sequence thresholds\), scores from logprobs; sample 200 draws, (\d+) tuples to sim-small \(the proxy agreed on (\d+)\); threshold: the proxy's label kept at or above ([\d.]+) \(error bound ([\d.]+)%\); proxy answered (\d+) of 2000, (\d+) more went to sim-small$/.exec(
      strategy,
    );
  assert.ok(m, strategy);
  const [sampled, agreed, accept, bound, kept, band] = m!.slice(1).map(Number) as number[];
  const calls = (await f.sim.stats()).byModel;
  assert.is(calls['small-fast'], 2000);
  // rvbbit.queries holds the same figures in columns of their own.
  const [row] = await f.rows(
    `SELECT proxy_model, target_recall, target_precision, target_accuracy, target_delta, sample_draws::INTEGER AS draws,
       sample_tuples::INTEGER AS tuples, sample_positives, sample_agreement, threshold_reject, threshold_accept,
       error_bound, proxy_answered::INTEGER AS answered, big_model_tuples::INTEGER AS big, guarantee_fallback
     FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  assert.equal(
    { ...row, sample_agreement: Number(row!.sample_agreement), error_bound: Number(row!.error_bound) },
    {
      proxy_model: 'small-fast',
      target_recall: null,
      target_precision: null,
      target_accuracy: 0.9,
      target_delta: 0.05,
      draws: 200,
      tuples: sampled,
      sample_positives: null,
      sample_agreement: agreed! / sampled!,
      threshold_reject: null,
      threshold_accept: accept,
      error_bound: Number(row!.error_bound),
      answered: kept,
      big: sampled! + band!,
      guarantee_fallback: null,
    },
  );
  assert.is(Math.round(Number(row!.error_bound) * 1000) / 10, bound);
  // The statement's model answered exactly the sampled tuples and the unsure rest: no other call.
  assert.is(calls['sim-small'], sampled! + band!);
  assert.is(sampled! + band! + kept!, 2000);
  // An 85% proxy kept a good share of its own labels.
  assert.ok(kept! > 500, `kept ${kept}: ${strategy}`);
  const agree = got.filter((t, i) => t === alone[i]).length / 2000;
  assert.ok(agree >= 0.9, `accuracy ${agree}`);
  assert.ok(agree < 1, 'the proxy answered some rows itself, its errors among them');
});

test('a sample that cannot support the target: every tuple to the statement model, and it says so', async ({
  f,
}) => {
  const alone = await f.rows(CLASSIFY, NO_CACHE);
  await f.sim.resetStats();
  const got = await f.rows(CLASSIFY, `${NO_CACHE}\n-- @ proxy: small-fast accuracy 0.999 sample 100`);
  assert.equal(got, alone);
  assert.equal((await f.sim.stats()).byModel, { 'small-fast': 2000, 'sim-small': 2000 });
  const [row] = await f.rows(
    `SELECT threshold_accept, proxy_answered::INTEGER AS answered, big_model_tuples::INTEGER AS big, guarantee_fallback
     FROM rvbbit.queries WHERE kind = 'semantic' ORDER BY started_at DESC LIMIT 1`,
  );
  assert.equal(row, {
    threshold_accept: null,
    answered: 0,
    big: 2000,
    guarantee_fallback:
      "classify: a sample of 100 bounds the error of even the proxy's surest answers at 2.95% (Clopper-Pearson, delta 0.05), over the 0.1% accuracy 0.999 allows",
  });
  assert.match(
    await lastStrategy(f),
    /; the sample cannot support the target: a sample of 100 bounds the error of even the proxy's surest answers at 2\.95% \(Clopper-Pearson, delta 0\.05\), over the 0\.1% accuracy 0\.999 allows; all 2000 tuples went to sim-small$/,
  );
});

test('EXPLAIN states the target and the calls; a filter cannot take an accuracy target, nor CLASSIFY recall', async ({
  f,
}) => {
  const plan = async (sql: string) =>
    String((await f.engine.query(sql)).rows.find((x) => x.property === 'functions')?.value);
  assert.match(
    await plan(`-- @ proxy: small-fast accuracy 0.9 delta 0.1\nEXPLAIN ${CLASSIFY}`),
    "proxy small-fast labels all 2000 tuples, each scored by its probability of its label (logprobs where the provider gives them, else its own confidence); target accuracy 0.9 delta 0.1 against sim-small's answers (a uniform sample, Clopper-Pearson bound, fixed-sequence thresholds): a sample of 200 draws (at most 200 tuples) goes to sim-small, then the tuples the proxy is unsure of: sim-small answers 200 to 2000 tuples (saves up to 1800 of 2000 calls, known once run)",
  );
  assert.match(
    await plan(`-- @ proxy: small-fast accuracy 0.9\nEXPLAIN SELECT id FROM items WHERE body MEANS 'eco'`),
    'no proxy: semantic_means is not a classification (returns BOOLEAN): an accuracy target needs a label (VARCHAR or ENUM)',
  );
  assert.match(
    await plan(`-- @ proxy: small-fast recall 0.9\nEXPLAIN ${CLASSIFY}`),
    'no proxy: classify is not a filter or a score (returns VARCHAR)',
  );
  assert.equal((await f.sim.stats()).byModel, {});
});

test('accuracy with recall or precision, or a bad accuracy, is an error naming it', async ({ f }) => {
  for (const [note, what] of [
    ['small-fast accuracy 1.5', "got accuracy '1.5'"],
    ['small-fast accuracy 0.9 recall 0.9', 'give one or the other)'],
  ] as const) {
    try {
      await f.engine.query(`-- @ proxy: ${note}\n${CLASSIFY}`);
      assert.unreachable(note);
    } catch (err) {
      assert.is((err as { code?: string }).code, 'E_BAD_ANNOTATION_VALUE');
      assert.match((err as Error).message, what);
    }
  }
  assert.equal((await f.sim.stats()).byModel, {});
});

const ECO_PROMPT = "AS 'Is this item eco friendly? {{ t }}'";

test('WITH (proxy = …, recall = …, precision = …): the same rows, calls and strategy as the annotation', async ({
  f,
}) => {
  await f.engine.query(`CREATE SEMANTIC FUNCTION eco_plain(t VARCHAR) RETURNS BOOLEAN ${ECO_PROMPT}`);
  await f.engine.query(
    `CREATE SEMANTIC FUNCTION eco_proxied(t VARCHAR) RETURNS BOOLEAN
       WITH (proxy = 'small-fast', recall = 0.9, precision = 0.9, delta = 0.05) ${ECO_PROMPT}`,
  );
  await f.sim.resetStats();
  const annotated = await f.rows(
    'SELECT id FROM items WHERE eco_plain(body) ORDER BY id',
    `${NO_CACHE}\n-- @ proxy: small-fast recall 0.9 precision 0.9 delta 0.05`,
  );
  const annotatedCalls = (await f.sim.stats()).byModel;
  const annotatedStrategy = await lastStrategy(f);
  await f.sim.resetStats();
  const withForm = await f.rows('SELECT id FROM items WHERE eco_proxied(body) ORDER BY id', NO_CACHE);
  const withCalls = (await f.sim.stats()).byModel;
  const withStrategy = await lastStrategy(f);
  // The same prompt, so the same answers: the same rows, the same calls to each model, the same split.
  assert.equal(withForm, annotated);
  assert.equal(withCalls, annotatedCalls);
  assert.is(withCalls['small-fast'], 2000);
  assert.ok(withCalls['sim-small']! < 2000, JSON.stringify(withCalls));
  assert.is(withStrategy.replace('eco_proxied', 'eco_plain'), annotatedStrategy);
  assert.match(withStrategy, 'proxy small-fast targets recall 0.9 precision 0.9 delta 0.05 (SUPG)');
  // EXPLAIN states the function's own proxy as it states a statement's, before any call.
  await f.sim.resetStats();
  const plan = (await f.engine.query('EXPLAIN SELECT id FROM items WHERE eco_proxied(body)')).rows.find(
    (x) => x.property === 'functions',
  )?.value;
  assert.match(
    String(plan),
    "targets recall 0.9 precision 0.9 delta 0.05 against sim-small's answers (SUPG importance sampling)",
  );
  assert.equal((await f.sim.stats()).byModel, {});
  // The statement's annotation wins over the function's own proxy.
  await f.sim.resetStats();
  await f.rows(
    'SELECT id FROM items WHERE eco_proxied(body) ORDER BY id',
    `${NO_CACHE}\n-- @ proxy: small-fast confidence 0.8`,
  );
  assert.match(
    await lastStrategy(f),
    /eco_proxied: proxy small-fast kept \d+ of 2000 answers \(confidence ≥ 0\.8/,
  );
  await f.engine.query('DROP SEMANTIC FUNCTION eco_plain; DROP SEMANTIC FUNCTION eco_proxied');
});

test('WITH (proxy = …, accuracy = …) on a function returning an ENUM: the target holds, calls exact', async ({
  f,
}) => {
  await f.engine.query(
    `CREATE SEMANTIC FUNCTION topic_of(t VARCHAR) RETURNS ENUM('billing', 'shipping', 'refund')
       WITH (proxy = 'small-fast', accuracy = 0.9) AS 'Which topic is this ticket about? {{ t }}'`,
  );
  const sql = 'SELECT id, topic_of(body)::VARCHAR AS topic FROM tickets ORDER BY id';
  await f.sim.resetStats();
  const got = topics(await f.rows(sql, NO_CACHE));
  const strategy = await lastStrategy(f);
  const m =
    /topic_of: proxy small-fast targets accuracy 0\.9 delta 0\.05 .*sample 200 draws, (\d+) tuples to sim-small .* proxy answered (\d+) of 2000, (\d+) more went to sim-small$/.exec(
      strategy,
    );
  assert.ok(m, strategy);
  const [sampled, kept, band] = m!.slice(1).map(Number) as number[];
  assert.equal((await f.sim.stats()).byModel, { 'small-fast': 2000, 'sim-small': sampled! + band! });
  assert.ok(kept! > 0, strategy);
  // Against the statement model's own labels (the function without its proxy: a statement proxy of the
  // model itself would be a proxy still, so the reference is asked with the proxy set to the big model at 1.0).
  await f.sim.resetStats();
  const reference = topics(await f.rows(sql, `${NO_CACHE}\n-- @ proxy: sim-small confidence 0`));
  assert.equal((await f.sim.stats()).byModel, { 'sim-small': 2000 });
  const agree = got.filter((t, i) => t === reference[i]).length / 2000;
  assert.ok(agree >= 0.9, `accuracy ${agree}`);
  await f.engine.query('DROP SEMANTIC FUNCTION topic_of');
});

test('bad WITH proxy options: each refused at its key, naming it; nothing stored, no call', async ({ f }) => {
  const head = 'CREATE SEMANTIC FUNCTION bad_fn(t VARCHAR) RETURNS BOOLEAN WITH';
  for (const [options, message, key] of [
    ["(proxy = 'small-fast', recall = 1.5)", 'recall must be a number from 0 to 1, got 1.5', 'recall'],
    [
      "(proxy = 'small-fast', delta = 0.9, recall = 0.9)",
      'delta must be a number over 0, at most 0.5, got 0.9',
      'delta',
    ],
    ["(proxy = 'small-fast', recall = '0.9')", "recall must be a number from 0 to 1, got '0.9'", 'recall'],
    ['(recall = 0.9)', "recall is a proxy's: give proxy = 'model' with it", 'recall'],
    [
      "(proxy = 'small-fast', accuracy = 0.9)",
      'bad_fn is not a classification (returns BOOLEAN): an accuracy target needs a label (VARCHAR or ENUM)',
      'accuracy',
    ],
    ["(proxy = 'small-fast', sample = 0, recall = 0.9)", 'sample must be a whole number of draws', 'sample'],
    ["(proxy = 'small-fast', delta = 0.1)", 'delta needs a target', 'proxy'],
  ] as const) {
    const sql = `${head} ${options} AS 'Is it eco? {{ t }}'`;
    try {
      await f.engine.query(sql);
      assert.unreachable(options);
    } catch (err) {
      const e = err as Error & { code?: string; detail?: Record<string, unknown> };
      assert.is(e.code, 'SQLFN_OPTION', options);
      assert.match(e.message, message);
      // Positioned at the key (offset 0-based in the statement).
      assert.is(e.detail?.['offset'], sql.indexOf(`${key} =`), `${options}: ${e.message}`);
    }
  }
  assert.equal(
    (await f.engine.query(`SELECT * FROM rvbbit.semantic_functions WHERE name = 'bad_fn'`)).rows,
    [],
  );
  assert.equal((await f.sim.stats()).byModel, {});
});

test.run();
