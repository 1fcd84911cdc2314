/**
 * `rvbbit query` as a shell user drives it: SQL that starts with an
 * annotation, -c (repeatable), -f -, stdin, `| head`, exit status 3 for failed
 * rows, the auto-LIMIT notice, same-named columns, several results as one
 * JSON document, DuckDB errors at the user's line. Annotations reach the
 * engine: PARALLEL is checked on the simulator's own counters.
 */
import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type SimulatorProcessHandle, startSimulatorProcess } from '../../src/sim/index.js';
import { CASCADES, CLI, ROOT, rvbbit } from './helpers.js';

const t = suite<{ sim: SimulatorProcessHandle }>('cli: shell habits');

t.before(async (ctx) => {
  ctx.sim = await startSimulatorProcess({ record: true });
});
t.after(async ({ sim }) => {
  await sim.close();
});

const TWEETS = `(SELECT * FROM (VALUES ${Array.from({ length: 20 }, (_, i) => `(${i}, 'tweet ${i} about SQL and AI')`).join(', ')}) v(id, text))`;
const viaSim = (sim: SimulatorProcessHandle) => ['--provider-url', sim.url, '--model', 'sim-small'];

t(
  'SQL that starts with an annotation is SQL, and -- @ parallel: 5 puts exactly 5 calls in flight',
  async ({ sim }) => {
    // Answers held until 5 calls are in flight (src/sim/options.ts gate): exact on a busy machine.
    await sim.setOptions({ latencyMs: 60, gate: { requests: 5 } });
    await sim.resetStats();
    const r = await rvbbit([
      'query',
      '--format',
      'csv',
      // Unpacked (-- @ batch: 1): issue 67 packs unannotated statements, and 5 in flight needs 5 calls.
      `-- @ parallel: 5\n-- @ batch: 1\n-- @ cache: false\nSELECT id, text ALIGNS 'SQL is good for AI' AS score FROM ${TWEETS} ORDER BY id LIMIT 10`,
      ...viaSim(sim),
    ]);
    await sim.setOptions({ latencyMs: 0 });
    assert.is(r.code, 0, r.err);
    assert.is(r.out.split('\n')[0], 'id,score');
    const stats = await sim.stats();
    assert.is(stats.maxInFlight, 5);
    assert.is(stats.requests, 20);
  },
);

t('a free-text hint and a threshold reach the engine as they do through the library', async ({ sim }) => {
  await sim.resetStats();
  const r = await rvbbit([
    'query',
    '-c',
    `-- @ cache: false\n-- @ Prefer short answers, please.\nSELECT 'eco bottle' MEANS 'eco' AS m`,
    ...viaSim(sim),
  ]);
  assert.is(r.code, 0, r.err);
  const prompts = ((await sim.stats()).promptsSeen ?? []).map((p) =>
    p.messages.map((m) => m.content).join('\n'),
  );
  assert.is(prompts.length, 1);
  assert.match(prompts[0]!, /Prefer short answers, please\./);
});

t('-c runs in order; -f - and a pipe read stdin', async () => {
  const c = await rvbbit(['query', '--format', 'csv', '-c', 'SELECT 1 AS a', '-c', 'SELECT 2 AS b']);
  assert.is(c.out, 'a\n1\nb\n2\n');
  const f = await rvbbit(['query', '--format', 'csv', '-f', '-'], { input: 'SELECT 3 AS c' });
  assert.is(f.out, 'c\n3\n');
  const piped = await rvbbit(['query', '--format', 'csv'], { input: 'SELECT 4 AS d;\nSELECT 5 AS e' });
  assert.equal([piped.code, piped.out], [0, 'd\n4\ne\n5\n']);
});

t('same-named columns keep their own values in every format', async () => {
  const sql = 'SELECT 1 AS a, 2 AS a';
  assert.is((await rvbbit(['query', '--format', 'csv', sql])).out, 'a,a\n1,2\n');
  assert.equal(JSON.parse((await rvbbit(['query', '--format', 'json', sql])).out), [{ a: 1, 'a:1': 2 }]);
  assert.match((await rvbbit(['query', sql])).out, /│ 1 │ 2 │/);
});

t('several results with --format json are one JSON document', async () => {
  const r = await rvbbit([
    'query',
    '--format',
    'json',
    'SELECT 1 AS a; CREATE TABLE x (i INT); SELECT 2 AS b',
  ]);
  assert.equal(JSON.parse(r.out), [[{ a: 1 }], [{ b: 2 }]]);
});

t('| head ends the output quietly (exit 0, no stack trace)', () => {
  const cmd = `node ${CLI.join(' ')} query --format csv "SELECT * FROM range(200000)" | head -2; exit \${PIPESTATUS[0]}`;
  const r = spawnSync('bash', ['-c', cmd], { cwd: ROOT, encoding: 'utf8' });
  assert.equal([r.status, r.stdout, r.stderr], [0, 'range\n0\n', '']);
});

t(
  'a MAP whose rows failed exits 3; the auto-LIMIT that cut the input is a notice on stderr',
  async ({ sim }) => {
    await sim.setOptions({ errorRate: 1 });
    const failed = await rvbbit([
      'query',
      '--format',
      'csv',
      `RVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT 'Acme phone' AS product_name) WITH (retries = 1, cache = false)`,
      '--cascades',
      CASCADES,
      ...viaSim(sim),
    ]);
    await sim.setOptions({ errorRate: 0 });
    assert.is(failed.code, 3, failed.err);
    assert.match(failed.out, /^product_name,result,_error\n/);
    const cut = await rvbbit([
      'query',
      '--format',
      'csv',
      `RVBBIT MAP 'traits/extract_brand.yaml' USING (SELECT 'Acme ' || range AS product_name FROM range(1005)) WITH (cache = false)`,
      '--cascades',
      CASCADES,
      ...viaSim(sim),
    ]);
    assert.is(cut.code, 0, cut.err);
    assert.is(cut.out.trim().split('\n').length, 1001);
    // The notice, then the statement's cost line (the provider's model is unpriced here).
    assert.match(
      cut.err,
      /^NOTICE: the USING query has no LIMIT: the MAP read its first 1000 rows \(WITH \(limit = 0\) reads all\)\ncost: 1000 calls, 0 cache hits, \d+ tokens in, \d+ tokens out, \$ unknown, \d+\.\d ms\n$/,
    );
  },
);

t("a DuckDB error inside USING names the user's line, as the library does", async () => {
  const r = await rvbbit([
    'query',
    `SELECT 1;\nRVBBIT MAP 'traits/extract_brand.yaml' USING (\n  SELECT product_name\n  FROM nope_table\n)`,
    '--cascades',
    CASCADES,
  ]);
  assert.is(r.code, 1);
  assert.match(r.err, /\nLINE 4: {3}FROM nope_table\n {15}\^/);
});

t.run();
