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
import {
  type AgreementFigures,
  agreement,
  drawSample,
  onTable,
  runSetup,
  SAMPLE_TABLE,
} from '../engine/evaluate.js';
import { addEngineFlags, type EngineFlags, engineFromFlags, intArg } from './engine-flags.js';
import { addSetupOptions, type EvalTable, tableArg, writingStatementProblem } from './eval-input.js';
import { figuresTable } from './figures-table.js';
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
export interface EvalResult extends AgreementFigures {
  readonly candidate: string;
  readonly calls: number;
  readonly tokens_in: number;
  readonly tokens_out: number;
  /** null: a call's model has no price (rvbbit.queries.cost is NULL). */
  readonly dollars: number | null;
  readonly rows: number;
  /**
   * A proxy with targets (rvbbit.queries' guarantee columns): distinct tuples the proxy answered,
   * and those the statement's model answered (its sample and band): the share that decides the saving.
   */
  readonly proxy_answered?: number;
  readonly big_model_tuples?: number;
}

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
    .option('--seed <n>', "the sample's seed (default 1)", intArg('--seed', 0, MAX_SEED), 1);
  addSetupOptions(cmd, 'a set-up to compare, e.g. "-- @ model: small-fast" (repeatable)');
  addEngineFlags(cmd).action(async (sql: string, flags: EvalFlags, command: Command) => {
    process.exitCode = await runEval(sql, flags, Boolean(command.optsWithGlobals().debug));
  });
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
    const sampled = await drawSample(engine, flags.table.quoted, flags.sample, flags.seed);
    const statement = onTable(sql, flags.table.written, SAMPLE_TABLE);
    const e = engine;
    const run = (annotations: string) => runSetup(e, statement, annotations);
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

/** The figures eval prints, in order; a column shows when a line has it. */
const EVAL_COLUMNS = [
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

const table = (rows: readonly EvalResult[], n: number): string =>
  figuresTable(rows, EVAL_COLUMNS, `(sample of ${n} rows; agreement against the first line)`);
