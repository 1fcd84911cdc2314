/**
 * One operator file as the catalog reads it at engine start: its
 * `sql_function` checked without compiling the cascade (YAML, the cascade
 * schema, its words and call name as the grammar checks them), and what a file
 * that did not load still says it declares, so the statements using that
 * declaration can fail with the file's error.
 */

import { RvbbitError } from '../../base/errors.js';
import { AGGREGATES, type AggregateDef, type OperatorDef } from '../../grammar/index.js';
import { buildOperatorSet } from '../../grammar/operators.js';
import type { SqlFunction } from '../cascade/cascade-types.js';
import { failWith, readCascadeDocument } from '../cascade/read-cascade.js';
import { type FieldPath, formatPath, parseYamlSource, type YamlSource } from '../cascade/yaml-source.js';

const BUILT_IN_CALLS = new Set(AGGREGATES.map((a) => a.functionName));

/** What one file declares to the grammar: its words (`[word]` or `[word, optional]`) and its call. */
export interface Declared {
  readonly name: string;
  readonly returns: string;
  readonly forms: readonly (readonly string[])[];
  readonly call: AggregateDef | undefined;
}

/**
 * A file's sql_function, read and checked without compiling the cascade: YAML,
 * the cascade schema, and its words and call name as the grammar checks them.
 * Throws naming file:line:col (`rvbbit cascades validate` reports the same).
 */
export function readOperatorFile(file: string, text: string): SqlFunction | undefined {
  const { data, problems, source } = readCascadeDocument(text, file);
  if (problems.length > 0) failWith(problems);
  const sql = data.sqlFunction;
  if (!sql) return undefined;
  sql.operators.forEach((form, i) => {
    const path = ['sql_function', 'operators', i];
    if (form.keywords.length > 2) {
      throw operatorError(
        file,
        source,
        path,
        `operator '${form.text}' has ${form.keywords.length} words; an operator is one word, optionally followed by one more`,
      );
    }
    const refusal = grammarRefusal([
      { word: form.keywords[0]!, functionName: sql.name, returns: sql.returns },
    ]);
    if (refusal) throw operatorError(file, source, path, refusal);
  });
  const call = dimensionCall(sql.name, sql.shape, sql.args.length, sql.returns);
  const refusal = call && grammarRefusal([], [call]);
  if (refusal) throw operatorError(file, source, ['sql_function', 'name'], refusal);
  return sql;
}

export function declaredBy(sql: SqlFunction): Declared {
  return {
    name: sql.name,
    returns: sql.returns,
    forms: sql.operators.map((o) => o.keywords),
    call: dimensionCall(sql.name, sql.shape, sql.args.length, sql.returns),
  };
}

/** What a file that did not load still says it declares: its name, and the words and call the grammar accepts. */
export function salvage(text: string): Declared | undefined {
  const value = parseYamlSource(text).value as { sql_function?: Record<string, unknown> } | null | undefined;
  const raw = value?.sql_function;
  const name = raw?.['name'];
  if (typeof name !== 'string') return undefined;
  const returns = typeof raw!['returns'] === 'string' ? raw!['returns'].toUpperCase() : 'BOOLEAN';
  const forms = (Array.isArray(raw!['operators']) ? raw!['operators'] : [])
    .map((form) => /\}\}\s+(.+?)\s+\{\{/.exec(String(form))?.[1]?.toUpperCase().split(/\s+/) ?? [])
    .filter((words) => words.length === 1 || words.length === 2)
    .filter((words) => !grammarRefusal([{ word: words[0]!, functionName: name, returns }]));
  const args = Array.isArray(raw!['args']) ? raw!['args'].length : 1;
  const call = dimensionCall(name, raw!['shape'], args, returns);
  return { name, returns, forms, call: call && !grammarRefusal([], [call]) ? call : undefined };
}

/** Why the grammar would refuse these words or calls (a SQL keyword, not a word), or undefined. */
function grammarRefusal(
  operators: readonly OperatorDef[],
  calls: readonly AggregateDef[] = [],
): string | undefined {
  try {
    buildOperatorSet(operators, calls);
    return undefined;
  } catch (err) {
    if (err instanceof RvbbitError) return err.message;
    throw err;
  }
}

function operatorError(file: string, source: YamlSource, path: FieldPath, what: string): RvbbitError {
  const { line, column } = source.positionOf(path);
  const where = formatPath(path);
  return new RvbbitError('E_BAD_OPERATOR', `${file}:${line}:${column}: ${where}: ${what}`, {
    file,
    line,
    column,
    path: where,
    what,
  });
}

/** `TOPICS(col, n)`: a dimension function is called by its name (built-in ones are already known). */
function dimensionCall(
  name: string,
  shape: unknown,
  args: number,
  returns: string,
): AggregateDef | undefined {
  if (shape !== 'dimension' || BUILT_IN_CALLS.has(name)) return undefined;
  return { name: name.toUpperCase(), functionName: name, minArgs: 1, maxArgs: Math.max(1, args), returns };
}
