/**
 * `rvbbit eval` (spawned) with a candidate carrying an accuracy target on a label function
 * (`CREATE SEMANTIC FUNCTION … RETURNS ENUM(…)`, `-- @ proxy: small-fast accuracy 0.9`), against
 * a simulator whose small-fast is profiled 85% accurate: exact calls per model (the simulator's
 * counters), the split it prints (proxy_answered, big_model_tuples) and its agreement with the
 * reference, which equals the share the library computes from the same statements over the same
 * seeded sample; the same seed prints the same figures. Whether the target holds is a claim over
 * many trials: test/semantic/accuracy-guarantee.test.ts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { rvbbit } from './helpers.js';

const SETUP = `CREATE TABLE tickets AS SELECT range::INTEGER AS id,
  'ticket ' || range || ' asks about ' || CASE range % 3 WHEN 0 THEN 'billing' WHEN 1 THEN 'shipping' ELSE 'refund' END AS body
  FROM range(400)`;
const FUNCTION = `CREATE SEMANTIC FUNCTION topic_of(t VARCHAR) RETURNS ENUM('billing', 'shipping', 'refund')
  AS 'Which topic is this ticket about? {{ t }}'`;
// One call per tuple (-- @ batch: 1): the split is counted in tuples, and these figures are the
// calls each model made per tuple; issue 67 packs unannotated statements (16 tuples a call).
const STATEMENT = '-- @ batch: 1\nSELECT id, topic_of(body) AS topic FROM tickets';
const CANDIDATE = '-- @ proxy: small-fast accuracy 0.9';

let sim: SimulatorHandle;
test.before(async () => {
  sim = await startSimulator({ profiles: { 'small-fast': { accuracy: 0.85 } } });
});
test.after(async () => {
  await sim.close();
});

/** `rvbbit eval` of STATEMENT over a seeded sample of `tickets`, against the simulator. */
const evalOf = (sample: number, seed: number, extra: readonly string[]) =>
  rvbbit(
    [
      'eval',
      STATEMENT,
      '--setup',
      SETUP,
      '--setup',
      FUNCTION,
      '--table',
      'tickets',
      '--sample',
      String(sample),
      '--seed',
      String(seed),
      ...extra,
    ],
    { env: { RVBBIT_BASE_URL: sim.url, RVBBIT_API_KEY: 'sim-key', RVBBIT_MODEL: 'sim-small' } },
  );
const evalRun = (seed: number) => evalOf(200, seed, ['--candidate', CANDIDATE, '--format', 'json']);

/** The library's reference and candidate rows over the sample eval draws (its SQL, the same seed). */
async function libraryAgreement(
  seed: number,
): Promise<{ agreement: number; byModel: Record<string, number> }> {
  const engine = await createEngine({
    cascadeRoots: [],
    provider: { baseUrl: sim.url, model: 'sim-small', backoff: { baseMs: 5, maxMs: 50 } },
    threads: 1,
  });
  try {
    await engine.query(SETUP);
    await engine.query(FUNCTION);
    await engine.query(
      `CREATE TABLE sampled AS SELECT * FROM tickets USING SAMPLE reservoir(200 ROWS) REPEATABLE (${seed})`,
    );
    sim.resetStats();
    const sql = `${STATEMENT.replace('tickets', 'sampled')} ORDER BY id`;
    const reference = (await engine.query(`-- @ cache: false\n${sql}`)).rows;
    const candidate = (await engine.query(`-- @ cache: false\n${CANDIDATE}\n${sql}`)).rows;
    assert.equal(
      candidate.map((r) => r.id),
      reference.map((r) => r.id),
    );
    const same = reference.filter((r, i) => String(r.topic) === String(candidate[i]!.topic)).length;
    return {
      agreement: Math.round((same / reference.length) * 10_000) / 10_000,
      byModel: { ...sim.stats().byModel },
    };
  } finally {
    await engine.close();
  }
}

test('rvbbit eval, an accuracy target on an ENUM function: exact calls, the split, the agreement; the same seed, the same figures', async () => {
  sim.resetStats();
  const r = await evalRun(7);
  assert.is(r.code, 0, r.err);
  const [out, ...more] = JSON.parse(r.out) as Record<string, number | string>[];
  assert.is(more.length, 0);
  const {
    calls,
    rows,
    proxy_answered: answered,
    big_model_tuples: big,
    agreement,
  } = out as Record<string, number>;
  assert.is(out!.candidate, CANDIDATE);
  assert.is(rows, 200);
  // The proxy labelled every sampled tuple; the statement's model its sample and the unsure rest.
  assert.is(answered! + big!, 200);
  assert.ok(answered! > 0 && big! < 200, JSON.stringify(out));
  // The reference's 200 calls, then the candidate's: 200 to the proxy, one per tuple it left to sim-small.
  assert.equal(sim.stats().byModel, { 'sim-small': 200 + big!, 'small-fast': 200 });
  assert.is(calls, 200 + big!);
  // The agreement printed is the share of the sample where the candidate's label is the reference's.
  const lib = await libraryAgreement(7);
  assert.is(agreement, lib.agreement);
  assert.equal(lib.byModel, { 'sim-small': 200 + big!, 'small-fast': 200 });
  // Seeded: the sample, the proxy's draws and the simulator's answers repeat, and so does every figure.
  const again = await evalRun(7);
  assert.is(again.code, 0, again.err);
  assert.equal(JSON.parse(again.out), JSON.parse(r.out));
});

test('rvbbit eval prints the split as columns of its table, for a candidate with targets only', async () => {
  const r = await evalOf(30, 3, [
    '--candidate',
    '-- @ proxy: small-fast accuracy 0.999 sample 30',
    '--candidate',
    '-- @ model: small-fast',
  ]);
  assert.is(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  assert.match(
    lines[0]!,
    /^candidate +calls +tokens_in +tokens_out +dollars +rows +agreement +proxy_answered +big_model_tuples$/,
  );
  // accuracy 0.999 cannot be shown by 30 draws: every tuple went to the statement's model, as the split says.
  const split = /^-- @ proxy: small-fast accuracy 0\.999 sample 30 +60 +\d+ +\d+ +(\S+) +30 +1 +0 +30$/.exec(
    lines[2]!,
  );
  assert.ok(split, lines[2]);
  // Dollars as the cost line says them: a figure, or unknown when a call's model has no price (never 0 for unknown).
  assert.ok(split![1] === 'unknown' || Number(split![1]) > 0, `dollars ${split![1]}`);
  const model = /^-- @ model: small-fast +30 +\d+ +\d+ +(\S+) +30 +[\d.]+$/.exec(lines[3]!);
  assert.ok(model, lines[3]);
  assert.ok(model![1] === 'unknown' || Number(model![1]) > 0, `dollars ${model![1]}`);
});

test.run();
