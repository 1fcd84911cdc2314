/**
 * `npm run smoke:provider` (scripts/smoke-provider.ts): against the simulator's
 * `openai` profile standing in for a real provider (RVBBIT_BASE_URL + a key),
 * every step is ok, one per shipped sql_function; a provider whose answers
 * are empty fails its steps and exits 1; with no provider, or in CI, it says
 * it skipped and exits 0 without calling anything.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { simulatorEnv } from '../../src/llm/config.js';
import { startSimulatorProcess } from '../../src/sim/index.js';
import { type Ran, ROOT } from './helpers.js';

const SCRIPT = `${ROOT}scripts/smoke-provider.ts`;
const KEY = 'sk-smoke-test-0123456789abcdef';
/** A folder with no rvbbit.config.yaml, so only the environment names a provider. */
const CWD = mkdtempSync(join(tmpdir(), 'rvbbit-smoke-'));
const CONFIG = join(CWD, 'prices.yaml');
writeFileSync(
  CONFIG,
  'llm:\n  prices:\n    gpt-4o-mini: { in: 0.15, out: 0.6, cached_in: 0.075, batch_discount: 0.5 }\n',
);

/** The environment with every provider variable (and the smoke's own) emptied, then `env`. */
function smoke(env: NodeJS.ProcessEnv, args: readonly string[] = []): Promise<Ran> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), SCRIPT, ...args], {
    cwd: CWD,
    env: {
      ...simulatorEnv(),
      CI: '',
      RVBBIT_SMOKE: '',
      RVBBIT_SMOKE_BATCH: '',
      RVBBIT_MODEL: '',
      RVBBIT_CONFIG: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b) => {
    out += b;
  });
  child.stderr.on('data', (b) => {
    err += b;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

/** The sql_function names of the shipped cascades, as the script should find them. */
function shippedFunctionNames(): string[] {
  const dir = `${ROOT}cascades/semantic`;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map(
      (f) => (parse(readFileSync(join(dir, f), 'utf8')) as { sql_function?: { name: string } }).sql_function,
    )
    .filter((fn) => fn !== undefined)
    .map((fn) => fn!.name)
    .sort();
}

const stepLines = (out: string) => out.split('\n').filter((l) => /^(ok|FAILED|skipped) /.test(l));

test('against a provider (the simulator, openai profile): every step ok, exit 0', async () => {
  const sim = await startSimulatorProcess({ profile: 'openai', batchCompletionMs: 100 });
  try {
    const r = await smoke({
      RVBBIT_BASE_URL: sim.url,
      RVBBIT_API_KEY: KEY,
      RVBBIT_SMOKE: '1',
      CI: 'true',
      RVBBIT_CONFIG: CONFIG,
    });
    assert.is(r.code, 0, r.out + r.err);
    const names = shippedFunctionNames();
    // Every shipped operator and function the issue lists, at least.
    for (const fn of [
      'semantic_means',
      'semantic_about',
      'semantic_aligns',
      'semantic_implies',
      'semantic_contradicts',
      'semantic_same',
      'llm_classify',
      'llm_sentiment',
      'llm_summarize',
      'llm_themes',
      'llm_agg',
      'topics',
      'sentiment',
    ])
      assert.ok(names.includes(fn), fn);
    const lines = stepLines(r.out);
    // `ok       <step name>   <details>`: the name is the column after the status.
    const steps = lines.map((l) => l.slice(9).split(/ {2,}/)[0]!);
    assert.is(lines.length, names.length + 2);
    assert.is(steps[0], 'map (typed AS, 5 rows)');
    assert.is(steps.at(-1), "map delivery = 'batch' (10 rows)");
    assert.equal(
      steps
        .slice(1, -1)
        .map((s) => s.replace(/ \(.*\)$/, ''))
        .sort(),
      names,
    );
    assert.ok(
      steps.includes('semantic_means (MEANS)') && steps.includes('semantic_same (~)'),
      steps.join('\n'),
    );
    assert.ok(
      lines.every((l) => l.startsWith('ok ')),
      r.out,
    );
    assert.match(
      r.out,
      new RegExp(`\\nsmoke:provider: ${lines.length} steps, ${lines.length} ok, 0 FAILED\\n`),
    );
    assert.match(r.out, /waiting for the provider's Batch API/);
    // The batch MAP: 10 answers through one batch, priced at the batch discount.
    const batch = lines.at(-1)!;
    assert.match(batch, /10 calls \(10 via batch\)/);
    assert.match(batch, /response_format json_schema/);
    const [, tin, tout] = /tokens (\d+) in \/ (\d+) out/.exec(batch)!;
    const dollars = Number(/\$(\d+\.\d+)/.exec(batch)?.[1]);
    const batchPrice = ((Number(tin) * 0.15 + Number(tout) * 0.6) / 1e6) * 0.5;
    assert.ok(dollars > 0 && Math.abs(dollars - batchPrice) < 1e-6, `${batch} vs $${batchPrice}`);
    for (const line of lines) assert.match(line, /response_format json_schema/);
    const s = await sim.stats();
    assert.equal([s.batchesCreated, s.batchLines, s.responseFormatRefusals], [1, 10, 0]);
    // The key is never printed.
    assert.not.ok((r.out + r.err).includes(KEY));
    assert.not.ok((r.out + r.err).includes('sk-smoke'));
  } finally {
    await sim.close();
  }
});

test('a provider whose answers are empty: every step FAILED, exit 1; --no-batch skips the batch', async () => {
  const sim = await startSimulatorProcess({ profile: 'openai', quirks: { 'gpt-4o-mini': 'empty' } });
  try {
    const r = await smoke({ RVBBIT_BASE_URL: sim.url, RVBBIT_API_KEY: KEY }, ['--no-batch']);
    assert.is(r.code, 1, r.out + r.err);
    const lines = stepLines(r.out);
    const n = shippedFunctionNames().length + 1;
    assert.is(lines.filter((l) => l.startsWith('FAILED ')).length, n);
    assert.match(lines.at(-1)!, /^skipped +map delivery = 'batch' \(10 rows\) +--no-batch/);
    assert.match(r.out, new RegExp(`smoke:provider: ${n} steps, 0 ok, ${n} FAILED`));
    assert.is((await sim.stats()).batchesCreated, 0);
    assert.not.ok((r.out + r.err).includes(KEY));
  } finally {
    await sim.close();
  }
});

test('no provider configured: one line saying it skipped, exit 0', async () => {
  const r = await smoke({});
  assert.is(r.code, 0, r.err);
  assert.is(
    r.out,
    'smoke:provider skipped: no provider configured (set RVBBIT_BASE_URL and/or an API key)\n',
  );
  const keyOnly = await smoke({ RVBBIT_API_KEY: KEY });
  assert.is(keyOnly.code, 0, keyOnly.err);
  assert.match(keyOnly.out, /^smoke:provider skipped: RVBBIT_API_KEY is set but names no endpoint/);
  assert.not.ok(keyOnly.out.includes(KEY));
});

test('in CI (CI=true) without RVBBIT_SMOKE=1: skipped, exit 0, nothing called', async () => {
  const r = await smoke({ CI: 'true' });
  assert.is(r.code, 0, r.err);
  assert.is(
    r.out,
    'smoke:provider skipped in CI (set RVBBIT_SMOKE=1 with RVBBIT_BASE_URL and/or an API key to run it)\n',
  );
  // Even with a provider configured: port 9 (discard) would fail every step if it were called.
  const configured = await smoke({
    CI: 'true',
    RVBBIT_BASE_URL: 'http://127.0.0.1:9/v1',
    RVBBIT_API_KEY: KEY,
  });
  assert.is(configured.code, 0, configured.err);
  assert.match(configured.out, /^smoke:provider skipped in CI/);
});

test.run();
