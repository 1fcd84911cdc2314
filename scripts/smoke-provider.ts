/**
 * `npm run smoke:provider`: the engine against the real provider the
 * environment names (RVBBIT_BASE_URL / RVBBIT_API_KEY / OPENAI_API_KEY /
 * OPENROUTER_API_KEY / RVBBIT_MODEL, or `llm:` in rvbbit.config.yaml; see
 * src/llm/config.ts), never the simulator:
 *
 *   1. one MAP over 5 rows with a typed AS (…) (examples/cascades/traits/extract_brand.yaml);
 *   2. one statement per shipped operator or function: every `sql_function` in
 *      cascades/semantic/*.yaml, read from the files, so a new shipped cascade
 *      is covered without editing this script;
 *   3. one `RVBBIT MAP … WITH (delivery = 'batch')` of 10 rows through the
 *      provider's Batch API (it can take up to 24 h: `--no-batch` or
 *      RVBBIT_SMOKE_BATCH=0 skips it), its progress polled from rvbbit.batches.
 *
 * One line per step: ok or FAILED, calls, tokens, dollars, the response_format
 * used and any warning, from rvbbit.queries and rvbbit.unified_logs. Exit 1 if
 * any step failed. With no provider configured, or in CI (CI=true) unless
 * RVBBIT_SMOKE=1, it prints one line saying it skipped and exits 0.
 * Nothing here prints the environment or the key (engine errors are redacted).
 *
 *   node --import tsx scripts/smoke-provider.ts [--no-batch]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Engine } from '../src/index.js';
// The configuration alone decides a skip: the engine is imported after it (dynamic import in main),
// so a skipped run costs a start of node, not the engine's whole graph through tsx (~8 s of CPU).
import { type ResolvedLlmConfig, resolveLlmConfig } from '../src/llm/config.js';
import type { PriceTable } from '../src/llm/pricing.js';
import { SHIPPED_CASCADES } from '../src/runtime/package-files.js';

const EXAMPLES = fileURLToPath(new URL('../examples/cascades/', import.meta.url));
const SEMANTIC = join(SHIPPED_CASCADES, 'semantic');
/** The model `createEngine()` asks for when the configuration names none (engine/provider.ts). */
const FALLBACK_MODEL = 'gpt-4o-mini';

const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes)$/i.test(v.trim());
const falsy = (v: string | undefined) => v !== undefined && /^(0|false|no)$/i.test(v.trim());

// ---------------------------------------------------------------- the steps

interface Step {
  readonly name: string;
  readonly sql: string;
  /** Rows the statement must return, when known. */
  readonly rows?: number;
  readonly batch?: boolean;
}

interface SqlFunction {
  readonly name: string;
  readonly shape: string;
  readonly args: readonly { readonly name: string; readonly type: string }[];
  readonly operators?: readonly string[];
}

/** Every `sql_function` of the shipped cascades, by file name. */
function shippedFunctions(dir = SEMANTIC): { file: string; fn: SqlFunction }[] {
  const out: { file: string; fn: SqlFunction }[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(file)) continue;
    const doc = parse(readFileSync(join(dir, file), 'utf8')) as { sql_function?: SqlFunction } | null;
    if (doc?.sql_function?.name) out.push({ file, fn: doc.sql_function });
  }
  return out;
}

/** Tiny inputs: three short texts. */
const TEXTS = `(VALUES ('a ripe apple'), ('a red truck'), ('the pears were lovely')) v(t)`;
/** An operand per argument name of the shipped cascades; others by type. */
const OPERANDS: Readonly<Record<string, string>> = {
  criterion: `'a fruit'`,
  topic: `'food'`,
  statement: `'it can be eaten'`,
  b: `'an apple'`,
  labels: `'fruit, vehicle'`,
  prompt: `'one line'`,
  n: '2',
  sample: '3',
  // LLM_SCORE's bounds: number literals, low below high.
  low: '1',
  high: '5',
};

function operand(arg: { name: string; type: string }, first: boolean): string {
  if (first) return 't';
  const known = OPERANDS[arg.name];
  if (known) return known;
  const type = arg.type.toUpperCase();
  if (/INT/.test(type)) return '2';
  if (/DOUBLE|FLOAT|DECIMAL|REAL/.test(type)) return '0.5';
  if (type === 'BOOLEAN') return 'true';
  return `'food'`;
}

/** One statement exercising a shipped function: its first operator form when it has one, else a call. */
function functionStep(fn: SqlFunction): Step {
  const args = fn.args ?? [];
  const values = new Map(args.map((a, i) => [a.name, operand(a, i === 0)]));
  const template = fn.operators?.[0];
  const head = '-- @ cache: false\n';
  if (template) {
    const expr = template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => values.get(name) ?? `'food'`);
    const op = template.replace(/\{\{\s*\w+\s*\}\}/g, '').trim();
    return {
      name: `${fn.name} (${op})`,
      sql: `${head}SELECT t, ${expr} AS answer FROM ${TEXTS} ORDER BY t`,
      rows: 3,
    };
  }
  const call = `${fn.name.toUpperCase()}(${[...values.values()].join(', ')})`;
  const label = `${fn.name} (${fn.name.toUpperCase()})`;
  switch (fn.shape) {
    case 'aggregate':
      return { name: label, sql: `${head}SELECT ${call} AS answer FROM ${TEXTS}`, rows: 1 };
    case 'dimension':
      return {
        name: label,
        sql: `${head}SELECT ${call} AS label, count(*) AS n FROM ${TEXTS} GROUP BY 1 ORDER BY 1`,
      };
    default:
      return { name: label, sql: `${head}SELECT t, ${call} AS answer FROM ${TEXTS} ORDER BY t`, rows: 3 };
  }
}

const PRODUCTS = [
  'Apple iPhone 15 Pro, 256 GB',
  'Samsung Galaxy S24 Ultra',
  'Sony WH-1000XM5 wireless headphones',
  'Dyson V15 Detect cordless vacuum',
  'Nike Air Zoom Pegasus 40 running shoes',
  'Logitech MX Master 3S mouse',
  'Lego Technic Bugatti Chiron 42083',
  'Canon EOS R6 Mark II body',
  'KitchenAid Artisan stand mixer, red',
  'Patagonia Nano Puff jacket, men, M',
];

function mapStep(name: string, rows: number, model: string | undefined, batch: boolean): Step {
  const values = PRODUCTS.slice(0, rows)
    .map((p) => `('${p.replaceAll("'", "''")}')`)
    .join(', ');
  const opts = [
    'cache = false',
    `on_error = 'fail'`,
    ...(model ? [`model = '${model}'`] : []),
    ...(batch ? [`delivery = 'batch'`] : []),
  ];
  return {
    name,
    sql: `RVBBIT MAP 'traits/extract_brand.yaml' AS (brand VARCHAR, confidence DOUBLE)
  USING (SELECT * FROM (VALUES ${values}) v(product_name)) WITH (${opts.join(', ')})`,
    rows,
    batch,
  };
}

// ---------------------------------------------------------------- running them

const BATCH_STEP = "map delivery = 'batch' (10 rows)";

/** `ok      name                               details`: the status, the step's name, what it did. */
function stepLine(status: 'ok' | 'FAILED' | 'skipped', name: string, details: string): string {
  return `${status.padEnd(8)} ${name.padEnd(35)} ${details}`;
}

interface Outcome {
  readonly ok: boolean;
  readonly line: string;
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

async function runStep(
  engine: Engine,
  step: Step,
  prices: PriceTable | undefined,
  warnings: string[],
  signal: AbortSignal,
): Promise<Outcome> {
  warnings.length = 0;
  const notices: string[] = [];
  let error: string | undefined;
  let rows: readonly Record<string, unknown>[] = [];
  const before = await lastQueryId(engine);
  const poll = step.batch ? pollBatches(engine) : undefined;
  try {
    rows = (await engine.query(step.sql, undefined, { signal, onNotice: (t) => notices.push(t) })).rows;
  } catch (err) {
    error = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
  } finally {
    poll?.stop();
  }
  // The statement's own row (read on the system connection, which logs nothing); none if it never started.
  const last = (
    await engine.readSystem(`SELECT query_id, cost FROM rvbbit.queries ORDER BY started_at DESC LIMIT 1`)
  )[0];
  const q = last && String(last['query_id']) !== before ? last : undefined;
  const id = String(q?.['query_id'] ?? '').replaceAll("'", "''");
  const logs = (
    await engine.readSystem(
      `SELECT count(*) AS calls,
         count(*) FILTER (WHERE status = 'ok') AS ok_calls,
         count(*) FILTER (WHERE delivery = 'batch') AS batch_calls,
         sum(tokens_in) AS tin, sum(tokens_out) AS tout, sum(tokens_cached) AS tcached,
         sum(cost) AS cost, string_agg(DISTINCT model, ', ') AS models,
         string_agg(DISTINCT response_format, ', ' ORDER BY response_format) AS formats,
         string_agg(DISTINCT warning, '; ') AS warnings,
         arg_min(error, "timestamp") FILTER (WHERE status <> 'ok') AS first_error
       FROM rvbbit.unified_logs WHERE query_id = '${id}' AND NOT cache_hit`,
    )
  )[0]!;
  const calls = num(logs['calls']);
  const okCalls = num(logs['ok_calls']);
  const problems: string[] = [];
  if (error !== undefined) problems.push(error);
  else {
    if (calls === 0) problems.push('no LLM call was made');
    else if (okCalls === 0) problems.push(`every call failed: ${String(logs['first_error'] ?? '')}`);
    if (step.rows !== undefined && rows.length !== step.rows)
      problems.push(`${rows.length} rows, expected ${step.rows}`);
    const failedRow = rows.find((r) => r['_error'] !== undefined && r['_error'] !== null);
    if (failedRow) problems.push(`a row failed: ${String(failedRow['_error'])}`);
    if (step.batch && num(logs['batch_calls']) === 0) problems.push('no answer came through the Batch API');
  }
  const ok = problems.length === 0;
  const dollars = num(q?.['cost'] ?? logs['cost']);
  const models = String(logs['models'] ?? '')
    .split(', ')
    .filter((m) => m !== '');
  // A model without a price in llm.prices, on a provider that reports no cost, logs $0.
  const unpriced = dollars === 0 && calls > 0 && models.some((m) => prices?.[m] === undefined);
  const parts = [
    `${calls} call${calls === 1 ? '' : 's'}${step.batch ? ` (${num(logs['batch_calls'])} via batch)` : ''}`,
    `tokens ${num(logs['tin'])} in / ${num(logs['tout'])} out / ${num(logs['tcached'])} cached`,
    unpriced ? `$0 (no llm.prices for ${models.join(', ')})` : `$${dollars.toFixed(6)}`,
    `response_format ${logs['formats'] ?? '-'}`,
  ];
  if (ok && calls > okCalls)
    parts.push(`${calls - okCalls} call errors (first: ${String(logs['first_error'])})`);
  const warned = [
    ...new Set([...(logs['warnings'] ? [String(logs['warnings'])] : []), ...warnings, ...notices]),
  ];
  if (warned.length > 0) parts.push(`warning: ${warned.join('; ')}`);
  const tail = ok ? parts.join(', ') : `${problems.join('; ')} (${parts.join(', ')})`;
  return { ok, line: stepLine(ok ? 'ok' : 'FAILED', step.name, tail) };
}

async function lastQueryId(engine: Engine): Promise<string | undefined> {
  const row = (
    await engine.readSystem(`SELECT query_id FROM rvbbit.queries ORDER BY started_at DESC LIMIT 1`)
  )[0];
  return row ? String(row['query_id']) : undefined;
}

/**
 * While a batch step runs: its batch's status and counts from rvbbit.batches
 * (the engine records each poll of the provider there), printed when they
 * change and at least once a minute; read every 250 ms at first, backing off to 5 s.
 */
function pollBatches(engine: Engine): { stop(): void } {
  const started = Date.now();
  let last = '';
  let lastPrint = started;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let every = 250;
  const tick = async () => {
    try {
      const b = (
        await engine.readSystem(
          `SELECT batch_id, status, total, completed, failed FROM rvbbit.batches ORDER BY updated_at DESC LIMIT 1`,
        )
      )[0];
      const now = Date.now();
      const text = b
        ? `batch ${String(b['batch_id'])}: ${String(b['status'])}, ` +
          `${num(b['completed'])}/${num(b['total'])} done, ${num(b['failed'])} failed`
        : 'no batch submitted yet';
      if (!stopped && (text !== last || now - lastPrint > 60_000)) {
        console.log(`${' '.repeat(9)}… ${text} (${Math.round((now - started) / 1000)} s)`);
        last = text;
        lastPrint = now;
      }
    } catch {
      // rvbbit.batches does not exist until the first batch is recorded.
    }
    if (stopped) return;
    every = Math.min(every * 2, 5000);
    timer = setTimeout(() => void tick(), every);
  };
  timer = setTimeout(() => void tick(), every);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------- main

/** Why not to run, or undefined to run. */
function skipReason(env: NodeJS.ProcessEnv, config: ResolvedLlmConfig): string | undefined {
  const key = config.apiKeySource !== undefined;
  if (truthy(env['CI']) && !truthy(env['RVBBIT_SMOKE']))
    return 'smoke:provider skipped in CI (set RVBBIT_SMOKE=1 with RVBBIT_BASE_URL and/or an API key to run it)';
  if (config.baseUrl === undefined)
    return key
      ? `smoke:provider skipped: ${config.apiKeySource} is set but names no endpoint (set RVBBIT_BASE_URL)`
      : 'smoke:provider skipped: no provider configured (set RVBBIT_BASE_URL and/or an API key)';
  return undefined;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(
      'usage: npm run smoke:provider [-- --no-batch]   (RVBBIT_SMOKE_BATCH=0 also skips the batch step)',
    );
    return 0;
  }
  const unknown = args.filter((a) => a !== '--no-batch');
  if (unknown.length > 0) {
    console.error(`smoke:provider: unknown argument ${unknown[0]} (known: --no-batch)`);
    return 2;
  }
  let config: ResolvedLlmConfig;
  try {
    config = resolveLlmConfig();
  } catch (err) {
    console.error(`smoke:provider: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const skip = skipReason(process.env, config);
  if (skip) {
    console.log(skip);
    return 0;
  }
  const withBatch = !args.includes('--no-batch') && !falsy(process.env['RVBBIT_SMOKE_BATCH']);
  const model = config.defaultModel ?? FALLBACK_MODEL;
  // extract_brand names the alias `small-fast`: the provider's default model stands in unless the config maps it.
  const mapModel = config.aliases?.['small-fast'] ? undefined : model;

  const warnings: string[] = [];
  const { createEngine } = await import('../src/index.js');
  const engine = await createEngine({
    cascadeRoots: { paths: [EXAMPLES], operators: [] },
    onWarning: (m) => warnings.push(m),
  });
  const abort = new AbortController();
  const onSigint = () => {
    console.log('smoke:provider: interrupted, cancelling the running step');
    abort.abort();
  };
  process.once('SIGINT', onSigint);
  let failed = 0;
  let ran = 0;
  try {
    if (engine.answeredBy === 'simulator') {
      console.error('smoke:provider: the engine answered with its simulator, not a provider');
      return 1;
    }
    const fns = shippedFunctions();
    const steps: Step[] = [
      mapStep('map (typed AS, 5 rows)', 5, mapModel, false),
      ...fns.map((f) => functionStep(f.fn)),
    ];
    if (withBatch) steps.push(mapStep(BATCH_STEP, 10, mapModel, true));
    console.log(
      `smoke:provider: ${engine.answeredBy}, model ${model}; ${steps.length} steps ` +
        `(1 MAP, ${fns.length} shipped functions from ${SEMANTIC}${withBatch ? ', 1 batch MAP' : ', batch skipped'})`,
    );
    if (warnings.length > 0) console.log(`warning at start: ${warnings.join('; ')}`);
    for (const step of steps) {
      if (abort.signal.aborted) break;
      if (step.batch)
        console.log(
          `${' '.repeat(9)}waiting for the provider's Batch API (can take up to 24 h; --no-batch or RVBBIT_SMOKE_BATCH=0 skips it) …`,
        );
      const outcome = await runStep(engine, step, config.prices, warnings, abort.signal);
      ran++;
      if (!outcome.ok) failed++;
      console.log(outcome.line);
    }
    if (!withBatch) console.log(stepLine('skipped', BATCH_STEP, '--no-batch / RVBBIT_SMOKE_BATCH=0'));
    console.log(`smoke:provider: ${ran} steps, ${ran - failed} ok, ${failed} FAILED`);
    return failed > 0 || abort.signal.aborted ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
    await engine.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`smoke:provider: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
