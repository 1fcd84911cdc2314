/**
 * One operator file as the catalog reads it at engine start: its
 * `sql_function` checked without compiling the cascade (YAML, the cascade
 * schema, its words and call name as the grammar checks them), and what a file
 * that did not load still says it declares, so the statements using that
 * declaration can fail with the file's error.
 */

import { RvbbitError } from '../../base/errors.js';
import { DUCKDB_FUNCTIONS } from '../../grammar/duckdb-functions.js';
import { AGGREGATES, type AggregateDef, type OperatorDef } from '../../grammar/index.js';
import { buildOperatorSet } from '../../grammar/operators.js';
import type { SqlFunction } from '../cascade/cascade-types.js';
import { failWith, readCascadeDocument } from '../cascade/read-cascade.js';
import { type FieldPath, formatPath, parseYamlSource } from '../cascade/yaml-source.js';

const BUILT_IN_CALLS = new Set(AGGREGATES.map((a) => a.functionName));
const BUILT_IN_CALL_NAMES = new Set(AGGREGATES.map((a) => a.name));

/** What one file declares to the grammar: its words (`[word]` or `[word, optional]`) and its calls. */
export interface Declared {
  readonly name: string;
  readonly returns: string;
  readonly forms: readonly (readonly string[])[];
  readonly calls: readonly AggregateDef[];
}

/** A file's sql_function, its forms the grammar can take, and a warning for each it cannot. */
export interface OperatorFile {
  readonly sql: SqlFunction;
  /** `file:line:col: path: what`: keys ignored, forms skipped. */
  readonly warnings: readonly string[];
}

/**
 * A file's sql_function, read and checked without compiling the cascade: YAML,
 * the cascade schema, and its words and calls as the grammar checks them. A
 * form the grammar cannot take (a SQL keyword, three words, a DuckDB
 * function's name) is left out with a warning, one form at a time; what
 * makes the file unusable throws, naming file:line:col (`rvbbit cascades
 * validate` reports the same).
 */
export function readOperatorFile(file: string, text: string): OperatorFile | undefined {
  const { data, problems, source } = readCascadeDocument(text, file);
  if (problems.length > 0) failWith(problems);
  const sql = data.sqlFunction;
  if (!sql) return undefined;
  const warnings = data.loadWarnings.map((w) => `${file}:${w}`);
  const skip = (path: FieldPath, form: string, why: string) => {
    const { line, column } = source.positionOf(path);
    warnings.push(`${file}:${line}:${column}: ${formatPath(path)}: operator form "${form}" skipped: ${why}`);
  };
  const formPath = (index: number): FieldPath => ['sql_function', 'operators', index];
  const operators = sql.operators.filter((form) => {
    if (form.keywords.length > 2) {
      skip(
        formPath(form.index),
        form.text,
        `${form.keywords.length} words; an operator is one word, optionally followed by one more`,
      );
      return false;
    }
    const refusal = grammarRefusal([
      { word: form.keywords[0]!, functionName: sql.name, returns: sql.returns },
    ]);
    if (refusal) skip(formPath(form.index), form.text, refusal);
    return !refusal;
  });
  const calls = sql.calls.filter((form) => {
    const why = callRefusal(form.name);
    if (why) skip(formPath(form.index), form.text, why);
    return !why;
  });
  const kept = { ...sql, operators, calls };
  return { sql: kept, warnings };
}

/** Why an infix word cannot be the grammar's (a SQL keyword, not a word), or undefined. */
export function wordRefusal(word: string): string | undefined {
  return grammarRefusal([{ word: word.toUpperCase(), functionName: 'x', returns: 'BOOLEAN' }]);
}

/** Why a call name cannot be the grammar's, or undefined. */
export function callRefusal(name: string): string | undefined {
  const up = name.toUpperCase();
  if (DUCKDB_FUNCTIONS.has(up)) return `${up} is a DuckDB function`;
  if (BUILT_IN_CALL_NAMES.has(up)) return `${up} is one of rvbbit's own functions`;
  return grammarRefusal([], [{ name: up, functionName: 'x', minArgs: 1, maxArgs: 1, returns: 'VARCHAR' }]);
}

export function declaredBy(sql: SqlFunction): Declared {
  return {
    name: sql.name,
    returns: sql.returns,
    forms: sql.operators.map((o) => o.keywords),
    calls: callsOf(sql),
  };
}

/** What a file that did not load still says it declares: its name, and the words and calls the grammar accepts. */
export function salvage(text: string): Declared | undefined {
  const raw = parseYamlSource(text).valueAt(['sql_function']) as Record<string, unknown> | null | undefined;
  const name = raw?.['name'];
  if (typeof name !== 'string') return undefined;
  const returns = typeof raw!['returns'] === 'string' ? raw!['returns'].toUpperCase() : 'BOOLEAN';
  const forms = (Array.isArray(raw!['operators']) ? raw!['operators'] : [])
    .map((form) => /\}\}\s+(.+?)\s+'?\{\{/.exec(String(form))?.[1]?.toUpperCase().split(/\s+/) ?? [])
    .filter((words) => words.length === 1 || words.length === 2)
    .filter((words) => !grammarRefusal([{ word: words[0]!, functionName: name, returns }]));
  const args = Array.isArray(raw!['args']) ? raw!['args'].length : 1;
  const shape = String(raw!['shape'] ?? 'scalar').toLowerCase();
  const own = ownCalls(name, shape, 0, Math.max(1, args), returns);
  return {
    name,
    returns,
    forms,
    calls: own.filter((c) => !callRefusal(c.name)),
  };
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

/**
 * The calls the grammar rewrites to this function: its own name (and, for a
 * `semantic_` one, the name without it) and its call forms' names, each
 * taking from the required args to all of them. A dimension is called by its
 * name only; the built-in calls (LLM_SUMMARIZE, TOPICS …) are known already.
 */
function callsOf(sql: SqlFunction): AggregateDef[] {
  const { name, shape, args, returns } = sql;
  const required = Math.max(1, args.filter((a) => !a.optional).length);
  // A name that is also an infix word is the call where no left operand precedes it (semantic-ops.ts).
  // A variadic last arg takes any number of values (up to MAX_VARIADIC).
  const most = args.at(-1)?.variadic ? args.length - 1 + MAX_VARIADIC : Math.max(1, args.length);
  const own = ownCalls(name, shape, required, most, returns).map((c) =>
    sql.returning !== undefined ? { ...c, returning: true } : c,
  );
  const byName = new Map(own.map((c) => [c.name, c]));
  if (shape !== 'dimension') {
    for (const f of sql.calls) {
      const was = byName.get(f.name);
      byName.set(f.name, {
        name: f.name,
        functionName: name,
        minArgs: Math.min(was?.minArgs ?? f.args, f.args),
        // A form passes the args in their order, so more of them may follow positionally (larsql does so).
        maxArgs: most,
        returns,
        ...(sql.returning !== undefined ? { returning: true } : {}),
      });
    }
  }
  return [...byName.values()];
}

/** Values a variadic argument takes at most: a prompt with more inputs than this is better a MAP. */
export const MAX_VARIADIC = 32;

function ownCalls(
  name: string,
  shape: string,
  minArgs: number,
  maxArgs: number,
  returns: string,
): AggregateDef[] {
  if (BUILT_IN_CALLS.has(name)) return [];
  const names = new Set([name.toUpperCase()]);
  if (shape !== 'dimension' && /^semantic_./i.test(name))
    names.add(name.slice('semantic_'.length).toUpperCase());
  const min = shape === 'dimension' ? 1 : minArgs;
  // A name the grammar refuses (`semantic_select` → SELECT) is simply not a call: its forms still work.
  return [...names]
    .filter((n) => !DUCKDB_FUNCTIONS.has(n) && !BUILT_IN_CALL_NAMES.has(n))
    .map((n) => ({ name: n, functionName: name, minArgs: min, maxArgs, returns }))
    .filter((c) => !grammarRefusal([], [c]));
}
