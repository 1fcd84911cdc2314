/**
 * `rvbbit parse [--json] "<sql>"` or `rvbbit parse -f file.sql`: prints the
 * AST (JSON) or a summary and the canonical text; on errors prints them
 * rendered with a caret and exits with 1. `--cascades dir` adds the operator
 * words of that folder's cascades, as the engine would (catalog-grammar.ts).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Grammar, Statement } from '../../grammar/index.js';

interface ParseOptions {
  json?: boolean;
  file?: string;
  cascades?: string[];
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerParse(program: Command): void {
  program
    .command('parse')
    .description('parse RVBBIT SQL and print the AST, or the errors with line:col and a caret')
    .argument('[sql]', 'the SQL text (or use -f)')
    .option('--json', 'print the AST (and errors) as JSON')
    .option('-f, --file <path>', 'read the SQL from a file')
    .option(
      '--cascades <dir>',
      'folder whose cascades add operator words, as the engine reads it (repeatable)',
      collect,
    )
    .action(async (sql: string | undefined, opts: ParseOptions) => {
      process.exitCode = await runParse(sql, opts);
    });
}

async function runParse(sql: string | undefined, opts: ParseOptions): Promise<number> {
  let text: string;
  try {
    text = opts.file !== undefined ? readFileSync(opts.file, 'utf8') : (sql ?? '');
  } catch (err) {
    process.stderr.write(`rvbbit parse: cannot read ${opts.file}: ${(err as Error).message}\n`);
    return 2;
  }
  if (opts.file === undefined && sql === undefined) {
    process.stderr.write('rvbbit parse: give the SQL as an argument or with -f file.sql\n');
    return 2;
  }
  let grammar: Grammar;
  try {
    grammar = await grammarOf(opts.cascades);
  } catch (err) {
    process.stderr.write(`rvbbit parse: ${(err as Error).message}\n`);
    return 2;
  }
  const { format, parse } = grammar;
  const result = parse(text);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else if (result.errors.length === 0) {
    const lines = result.statements.map((s, i) => `-- ${i + 1}: ${summary(s)}`);
    process.stdout.write(`${lines.join('\n')}\n\n${format(result.statements)}\n`);
  }
  if (result.errors.length > 0 && !opts.json) {
    process.stderr.write(`${result.errors.map((e) => e.rendered).join('\n\n')}\n`);
  }
  return result.errors.length > 0 ? 1 : 0;
}

/** The engine's grammar for the same roots: --cascades (else the config file's), the working directory, the shipped cascades. */
async function grammarOf(cascades: string[] | undefined): Promise<Grammar> {
  const [{ grammarForCascades }, { cascadeRootsFor }, { readCliConfig }] = await Promise.all([
    import('../plan/catalog-grammar.js'),
    import('../plan/cascade-roots.js'),
    import('../config/cli-config.js'),
  ]);
  // As the engine does: a broken operator file is skipped with a warning; a statement using its word fails.
  const { catalog, grammar } = grammarForCascades(cascadeRootsFor(cascades ?? readCliConfig().cascades), {
    skipBroken: true,
  });
  for (const b of catalog.broken)
    process.stderr.write(`rvbbit: warning: operator cascade skipped: ${b.error.message}\n`);
  for (const w of catalog.warnings) process.stderr.write(`rvbbit: warning: operator cascade: ${w}\n`);
  return grammar;
}

/** One line per statement: kind and what the engine will care about. */
function summary(s: Statement): string {
  switch (s.kind) {
    case 'MapStatement':
      return `MAP '${s.cascade.value}'${s.using.hasLimit ? '' : ' (auto-LIMIT)'}`;
    case 'RunStatement':
      return `RUN${s.async ? ' ASYNC' : ''} '${s.cascade.value}'`;
    case 'ExplainStatement':
      return `EXPLAIN ${s.target.kind === 'MapStatement' ? 'MAP' : 'RUN'} '${s.target.cascade.value}'`;
    case 'CreateTableAsStatement':
      return `CREATE TABLE ${s.table.map((p) => p.name).join('.')} AS MAP '${s.map.cascade.value}'`;
    case 'InsertMapStatement':
      return `INSERT INTO ${s.table.map((p) => p.name).join('.')} MAP '${s.map.cascade.value}'`;
    case 'CopyMapStatement':
      return `COPY MAP '${s.map.cascade.value}' TO '${s.path}'`;
    case 'SqlStatement': {
      const n = s.operators.length + s.relevance.length + s.aggregates.length;
      return `SQL passthrough, ${n} semantic call${n === 1 ? '' : 's'}`;
    }
    case 'CreateSemanticFunctionStatement':
      return `CREATE SEMANTIC FUNCTION ${s.name.text}${s.cascade ? ' CASCADE' : ''}`;
    case 'DropSemanticFunctionStatement':
      return `DROP SEMANTIC FUNCTION ${s.name.text}`;
  }
}
