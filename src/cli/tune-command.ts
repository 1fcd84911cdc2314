/**
 * `rvbbit tune "<sql>" --table t --target 0.9`: the cheapest set-up of a statement whose answers
 * agree with the statement as written on a seeded sample, by a lower confidence bound
 * (src/engine/tune.ts says how it spends calls and how the bound is drawn). Prints one line per
 * set-up (calls, tokens, dollars, agreement and its bound, the verdict) and the annotations to
 * put before the statement; `--format json` is an array of objects with `candidate`, `rows`,
 * `calls`, `tokens_in`, `tokens_out`, `dollars`, `agreement`, `agreement_bound`, `chosen` and
 * `verdict`. With no `--candidate`, it tries every other model the engine prices,
 * `-- @ batch: 32` and, when a pair condition's split is offered, `-- @ pair_split: off`
 * (src/engine/tune.ts).
 * Exit status: 0 done; 1 an error; 2 bad usage.
 */
import { type Command, InvalidArgumentError } from 'commander';
import type { TuneRow } from '../engine/tune.js';
import { addEngineFlags, type EngineFlags, engineFromFlags, intArg } from './engine-flags.js';
import { addSetupOptions, type EvalTable, tableArg, writingStatementProblem } from './eval-input.js';
import { figuresTable } from './figures-table.js';
import { printError } from './print-error.js';

interface TuneFlags extends EngineFlags {
  table?: EvalTable;
  target?: number;
  confidence: number;
  sample: number;
  seed: number;
  reference: string;
  candidate?: string[];
  setup?: string[];
  format: 'table' | 'json';
}

/** A share in (0, 1] (`--target`) or (0, 1) (`--confidence`). */
function shareArg(name: string, closedAtOne: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1 || (!closedAtOne && n === 1))
      throw new InvalidArgumentError(
        `${name} must be a number greater than 0 and ${closedAtOne ? 'at most' : 'under'} 1, got '${value}'`,
      );
    return n;
  };
}

const TUNE_COLUMNS = [
  'candidate',
  'rows',
  'calls',
  'tokens_in',
  'tokens_out',
  'dollars',
  'agreement',
  'agreement_bound',
  'chosen',
  'verdict',
] as const satisfies readonly (keyof TuneRow)[];

export function registerTune(program: Command): void {
  const cmd = program
    .command('tune')
    .description(
      'find the cheapest set-up of a statement whose answers agree with it as written, on a sample of its input',
    )
    .argument('<sql>', 'the statement (a semantic SELECT over --table)')
    .option('--table <name>', 'the input table the sample is drawn from (required)', tableArg)
    .option(
      '--target <share>',
      'the agreement a set-up must clear, e.g. 0.9 (required)',
      shareArg('--target', true),
    )
    .option(
      '--confidence <share>',
      'how sure the bound is (default 0.95)',
      shareArg('--confidence', false),
      0.95,
    )
    .option(
      '--sample <n>',
      'rows of the sample, the most a set-up runs over (default 400)',
      intArg('--sample', 1, 1_000_000),
      400,
    )
    .option('--seed <n>', "the sample's seed (default 1)", intArg('--seed', 0, 2 ** 31 - 1), 1);
  addSetupOptions(cmd, 'a set-up to try, e.g. "-- @ model: small-fast" (repeatable)');
  addEngineFlags(cmd).action(async (sql: string, flags: TuneFlags, command: Command) => {
    process.exitCode = await runTune(sql, flags, Boolean(command.optsWithGlobals().debug));
  });
}

async function runTune(sql: string, flags: TuneFlags, debug: boolean): Promise<number> {
  const usage = (why: string) => {
    process.stderr.write(`rvbbit tune: ${why} (rvbbit tune --help for usage)\n`);
    return 2;
  };
  if (!flags.table) return usage('--table <name> names the input table to sample');
  if (flags.target === undefined) return usage('--target <share> is the agreement to clear, e.g. 0.9');
  const writes = writingStatementProblem(sql);
  if (writes) return usage(`the statement is refused: ${writes.replace(/\beval\b/g, 'tune')}`);
  let engine: Awaited<ReturnType<typeof engineFromFlags>> | undefined;
  try {
    const { readCliConfig } = await import('../config/cli-config.js');
    const { tune } = await import('../engine/tune.js');
    engine = await engineFromFlags(flags, readCliConfig());
    for (const s of flags.setup ?? []) await engine.query(s);
    const result = await tune(engine, sql, {
      table: flags.table.written,
      target: flags.target,
      confidence: flags.confidence,
      sample: flags.sample,
      seed: flags.seed,
      reference: flags.reference,
      ...(flags.candidate ? { candidates: flags.candidate } : {}),
    });
    if (flags.format === 'json') {
      process.stdout.write(`${JSON.stringify(result.rows, null, 2)}\n`);
      return 0;
    }
    const percent = Math.round(result.confidence * 100);
    process.stdout.write(
      figuresTable(
        result.rows,
        TUNE_COLUMNS,
        `(a sample of ${result.sampled} rows run in rounds; agreement against the first line, its bound at ${percent}% confidence; target ${result.target})`,
      ),
    );
    process.stdout.write(
      result.chosen === ''
        ? 'chosen: the statement as written (no candidate clears the target for less)\n'
        : `chosen: put these annotations before the statement:\n${result.chosen}\n`,
    );
    return 0;
  } catch (err) {
    printError(err, debug);
    return 1;
  } finally {
    await engine?.close();
  }
}
