/**
 * `rvbbit eval`: how a set-up changes a statement's answers and cost on your data.
 * Runs the statement over a seeded sample of one input table (`--table t
 * --sample n --seed s`: DuckDB's reservoir sample, REPEATABLE) under the
 * reference annotations and under each `--candidate "<annotations>"` (another
 * model, `-- @ batch: 16`, a proxy with targets, a prompt hint), every run with
 * the cache off, and prints per candidate its calls, tokens, dollars (from
 * rvbbit.queries and rvbbit.unified_logs) and its agreement with the reference:
 * - one column (a filter's keys): the rows as a set; precision, recall and F1 of
 *   the candidate's rows against the reference's; agreement = share of the sample's
 *   rows both keep or both drop;
 * - a key and a value (the first and last columns): booleans → precision/recall/F1
 *   of true and accuracy; labels → accuracy; numbers → mean absolute error and
 *   Spearman's rank correlation (agreement = the rank correlation).
 * A candidate whose proxy has targets also shows how its tuples split: `proxy_answered` and
 * `big_model_tuples` (the statement model's sample and band), from rvbbit.queries.
 * `--format json` prints an array, one object per candidate. Dollars are
 * rvbbit.queries' cost: null in JSON and `unknown` in the table when a call's
 * model has no price (never 0, which would read as free).
 * Exit status: 0 done; 1 an error; 2 bad usage.
 */
import type { Command } from 'commander';
import { dollarsText } from '../../base/dollars.js';
import { addEngineFlags, type EngineFlags, engineFromFlags, intArg } from './engine-flags.js';
import { type EvalTable, tableArg, writingStatementProblem } from './eval-input.js';
import { printError } from './print-error.js';

interface EvalFlags extends EngineFlags {
  table?: EvalTable;
  sample: number;
  seed: number;
  reference: string;
  candidate: string[];
  setup: string[];
  format: 'table' | 'json';
}

/** One candidate's figures (the JSON object `--format json` prints). */
export interface EvalResult {
  readonly candidate: string;
  readonly calls: number;
  readonly tokens_in: number;
  readonly tokens_out: number;
  /** null: a call's model has no price (rvbbit.queries.cost is NULL). */
  readonly dollars: number | null;
  readonly rows: number;
  readonly agreement: number | null;
  readonly precision?: number | null;
  readonly recall?: number | null;
  readonly f1?: number | null;
  readonly mae?: number;
  readonly rank_correlation?: number | null;
  /**
   * A proxy with targets (rvbbit.queries' guarantee columns): distinct tuples the proxy answered,
   * and those the statement's model answered (its sample and band): the share that decides the saving.
   */
  readonly proxy_answered?: number;
  readonly big_model_tuples?: number;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const SAMPLE_TABLE = 'rvbbit_eval_sample';
/** The largest sample: every row of it is a call per set-up. */
const MAX_SAMPLE = 1_000_000;
/** REPEATABLE's seed is a 32-bit integer in DuckDB. */
const MAX_SEED = 2 ** 31 - 1;

export function registerEval(program: Command): void {
  const cmd = program
    .command('eval')
    .description("compare a statement's answers and cost under candidate set-ups on a sample of its input")
    .argument('<sql>', 'the statement (a semantic SELECT over --table)')
    .option(
      '--table <name>',
      'the input table the sample is drawn from (required; schema.name, "quoted names")',
      tableArg,
    )
    .option('--sample <n>', 'rows of the sample (default 200)', intArg('--sample', 1, MAX_SAMPLE), 200)
    .option('--seed <n>', "the sample's seed (default 1)", intArg('--seed', 0, MAX_SEED), 1)
    .option('--reference <annotations>', 'the reference set-up (default: the statement as written)', '')
    .option(
      '--candidate <annotations>',
      'a set-up to compare, e.g. "-- @ model: small-fast" (repeatable)',
      collect,
    )
    .option(
      '--setup <sql>',
      'SQL run first, e.g. CREATE TABLE … AS SELECT * FROM read_csv(…) (repeatable)',
      collect,
    )
    .option(
      '--format <fmt>',
      'table | json',
      (v) => {
        if (v !== 'table' && v !== 'json') throw new Error(`--format must be table or json, got '${v}'`);
        return v;
      },
      'table',
    );
  addEngineFlags(cmd).action(async (sql: string, flags: EvalFlags, command: Command) => {
    process.exitCode = await runEval(sql, flags, Boolean(command.optsWithGlobals().debug));
  });
}

/** The statement with every unquoted `table` identifier read from the sample instead. */
export function onSample(sql: string, table: string): string {
  const word = new RegExp(`(?<![\\w."])${table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w"])`, 'gi');
  // Split on single-quoted literals ('it''s' included): odd parts are inside quotes and kept as written.
  return sql
    .split(/('(?:[^']|'')*')/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(word, SAMPLE_TABLE)))
    .join('');
}

async function runEval(sql: string, flags: EvalFlags, debug: boolean): Promise<number> {
  if (!flags.table) {
    process.stderr.write('rvbbit eval: --table <name> names the input table to sample\n');
    return 2;
  }
  if (!flags.candidate || flags.candidate.length === 0) {
    process.stderr.write('rvbbit eval: give at least one --candidate "<annotations>"\n');
    return 2;
  }
  const writes = writingStatementProblem(sql);
  if (writes) {
    process.stderr.write(`rvbbit eval: the statement is refused: ${writes}\n`);
    return 2;
  }
  let engine: Awaited<ReturnType<typeof engineFromFlags>> | undefined;
  try {
    const { readCliConfig } = await import('../config/cli-config.js');
    engine = await engineFromFlags(flags, readCliConfig());
    for (const s of flags.setup ?? []) await engine.query(s);
    await engine.query(
      `CREATE OR REPLACE TABLE ${SAMPLE_TABLE} AS SELECT * FROM ${flags.table.quoted} USING SAMPLE reservoir(${flags.sample} ROWS) REPEATABLE (${flags.seed})`,
    );
    const sampled = Number((await engine.query(`SELECT count(*) AS n FROM ${SAMPLE_TABLE}`)).rows[0]?.n);
    const statement = onSample(sql, flags.table.written);
    const e = engine;
    const run = async (annotations: string) => {
      const r = await e.query(`-- @ cache: false\n${annotations}\n${statement}`);
      const q = await e.query(
        `SELECT q.calls, q.cost, q.proxy_answered, q.big_model_tuples,
                coalesce((SELECT sum(tokens_in) FROM rvbbit.unified_logs l WHERE l.query_id = q.query_id), 0) AS tin,
                coalesce((SELECT sum(tokens_out) FROM rvbbit.unified_logs l WHERE l.query_id = q.query_id), 0) AS tout
           FROM rvbbit.queries q ORDER BY q.started_at DESC LIMIT 1`,
      );
      const s = q.rows[0] ?? {};
      return {
        rows: r.rows as Record<string, unknown>[],
        calls: Number(s.calls ?? 0),
        dollars: s.cost == null ? null : Number(s.cost),
        tokensIn: Number(s.tin ?? 0),
        tokensOut: Number(s.tout ?? 0),
        // Only a statement whose proxy had targets fills them.
        split:
          s.big_model_tuples == null
            ? {}
            : { proxy_answered: Number(s.proxy_answered), big_model_tuples: Number(s.big_model_tuples) },
      };
    };
    const reference = await run(flags.reference);
    const results: EvalResult[] = [];
    for (const candidate of flags.candidate) {
      const c = await run(candidate);
      results.push({
        candidate,
        calls: c.calls,
        tokens_in: c.tokensIn,
        tokens_out: c.tokensOut,
        dollars: c.dollars,
        rows: c.rows.length,
        ...agreement(reference.rows, c.rows, sampled),
        ...c.split,
      });
    }
    const head = {
      candidate: flags.reference || '(reference: as written)',
      calls: reference.calls,
      tokens_in: reference.tokensIn,
      tokens_out: reference.tokensOut,
      dollars: reference.dollars,
      rows: reference.rows.length,
      agreement: 1,
    };
    process.stdout.write(
      flags.format === 'json' ? `${JSON.stringify(results, null, 2)}\n` : table([head, ...results], sampled),
    );
    return 0;
  } catch (err) {
    printError(err, debug);
    return 1;
  } finally {
    await engine?.close();
  }
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;
const ratio = (a: number, b: number) => (b === 0 ? null : round(a / b));

/** Agreement of a candidate's rows with the reference's over a sample of `n` rows. */
export function agreement(
  reference: readonly Record<string, unknown>[],
  candidate: readonly Record<string, unknown>[],
  n: number,
): Pick<EvalResult, 'agreement' | 'precision' | 'recall' | 'f1' | 'mae' | 'rank_correlation'> {
  const cols = Object.keys(reference[0] ?? candidate[0] ?? {});
  const key = (r: Record<string, unknown>) =>
    JSON.stringify(r[cols[0]!], (_k, v) => (typeof v === 'bigint' ? String(v) : v));
  if (cols.length <= 1) {
    const ref = new Set(reference.map(key));
    const got = new Set(candidate.map(key));
    const both = [...got].filter((k) => ref.has(k)).length;
    const differ = ref.size + got.size - 2 * both;
    return prf(both, got.size, ref.size, n === 0 ? null : round((n - differ) / n));
  }
  const last = cols[cols.length - 1]!;
  const refBy = new Map(reference.map((r) => [key(r), r[last]]));
  const pairs = candidate.filter((r) => refBy.has(key(r))).map((r) => [refBy.get(key(r)), r[last]] as const);
  if (pairs.length === 0) return { agreement: null };
  const [a0] = pairs[0]!;
  if (typeof a0 === 'boolean') {
    const same = pairs.filter(([a, b]) => a === b).length;
    const tp = pairs.filter(([a, b]) => a === true && b === true).length;
    return prf(
      tp,
      pairs.filter(([, b]) => b === true).length,
      pairs.filter(([a]) => a === true).length,
      round(same / pairs.length),
    );
  }
  if (typeof a0 === 'number' || typeof a0 === 'bigint') {
    const xs = pairs.map(([a]) => Number(a));
    const ys = pairs.map(([, b]) => Number(b));
    const mae = xs.reduce((s, x, i) => s + Math.abs(x - ys[i]!), 0) / xs.length;
    const rho = spearman(xs, ys);
    return { agreement: rho, mae: round(mae), rank_correlation: rho };
  }
  return { agreement: round(pairs.filter(([a, b]) => a === b).length / pairs.length) };
}

function prf(tp: number, predicted: number, actual: number, agreement: number | null) {
  const precision = ratio(tp, predicted);
  const recall = ratio(tp, actual);
  const f1 =
    precision !== null && recall !== null && precision + recall > 0
      ? round((2 * precision * recall) / (precision + recall))
      : null;
  return { agreement, precision, recall, f1 };
}

/** Spearman's rank correlation: Pearson's over average ranks (ties share their mean rank). */
export function spearman(xs: readonly number[], ys: readonly number[]): number | null {
  const ranks = (v: readonly number[]) => {
    const order = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
      for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2 + 1;
      i = j + 1;
    }
    return r;
  };
  const a = ranks(xs);
  const b = ranks(ys);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const ma = mean(a);
  const mb = mean(b);
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - ma) * (b[i]! - mb);
    da += (a[i]! - ma) ** 2;
    db += (b[i]! - mb) ** 2;
  }
  return da === 0 || db === 0 ? null : round(num / Math.sqrt(da * db));
}

function table(rows: readonly EvalResult[], n: number): string {
  const cols = [
    'candidate',
    'calls',
    'tokens_in',
    'tokens_out',
    'dollars',
    'rows',
    'agreement',
    'precision',
    'recall',
    'f1',
    'mae',
    'rank_correlation',
    'proxy_answered',
    'big_model_tuples',
  ] as const;
  const used = cols.filter((c) => rows.some((r) => r[c] !== undefined));
  const cells = rows.map((r) =>
    used.map((c) => {
      if (c === 'dollars') return dollarsText(r.dollars);
      const v = r[c];
      return v === undefined || v === null ? '' : String(v);
    }),
  );
  const width = used.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: readonly string[]) =>
    vals
      .map((v, i) => v.padEnd(width[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(used), ...cells.map(line)].join('\n')}\n(sample of ${n} rows; agreement against the first line)\n`;
}
