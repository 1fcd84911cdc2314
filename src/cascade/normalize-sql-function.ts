/**
 * The `sql_function` block: types checked against the dialect's type list,
 * operator forms `{{ a }} WORD {{ b }}` split into their parts and checked
 * against `args`.
 * @see ../../docs/cascades.md ("sql_function")
 */

import { typeFamily } from '../../grammar/type-names.js';
import type { SqlDimension, SqlFunction, SqlFunctionArg, SqlOperatorForm } from './cascade-types.js';
import type { FieldPath, Problem } from './yaml-source.js';

type Raw = Record<string, unknown>;

/** One of the dialect's types (grammar/type-names.ts), or a `[]` list of one for aggregate arguments. */
const isSqlType = (t: string): boolean => typeFamily(t.endsWith('[]') ? t.slice(0, -2) : t) !== undefined;
/** Shape already checked by the JSON Schema; this splits it. */
const OPERATOR = /^\{\{\s*(\w+)\s*\}\}\s+(.+?)\s+\{\{\s*(\w+)\s*\}\}$/;

export function normalizeSqlFunction(raw: Raw, problem: Problem): SqlFunction {
  const base: FieldPath = ['sql_function'];
  const args = (raw['args'] as Raw[]).map((a, i): SqlFunctionArg => {
    const type = a['type'] as string;
    if (!isSqlType(type)) problem([...base, 'args', i, 'type'], `unknown SQL type "${type}"`);
    return { name: a['name'] as string, type: type.toUpperCase().replace(/\s+/g, '') };
  });
  const seen = new Set<string>();
  args.forEach((a, i) => {
    if (seen.has(a.name)) problem([...base, 'args', i, 'name'], `duplicate argument name "${a.name}"`);
    seen.add(a.name);
  });
  const returns = raw['returns'] as string;
  if (!isSqlType(returns)) problem([...base, 'returns'], `unknown SQL type "${returns}"`);
  const shape = (raw['shape'] as 'scalar' | 'aggregate' | 'dimension' | undefined) ?? 'scalar';
  const operators = ((raw['operators'] as string[] | undefined) ?? []).map((text, i): SqlOperatorForm => {
    const m = OPERATOR.exec(text)!;
    const [, left, word, right] = m as unknown as [string, string, string, string];
    const path = [...base, 'operators', i];
    if (shape !== 'scalar') problem(path, 'operators apply only to a scalar sql_function');
    for (const name of [left, right]) {
      if (!seen.has(name)) problem(path, `operator names "${name}", which is not one of args`);
    }
    if (left === right) problem(path, 'operator needs two different args');
    return { text, left, keywords: word.split(/\s+/).map((w) => w.toUpperCase()), right };
  });
  const dimension = shape === 'dimension' ? readDimension(raw, args, returns, problem) : undefined;
  for (const key of ['labels', 'discover', 'sample']) {
    if (shape !== 'dimension' && raw[key] !== undefined) {
      problem([...base, key], `${key} applies only to a sql_function with shape: dimension`);
    }
  }
  return {
    name: raw['name'] as string,
    shape,
    ...(dimension ? { dimension } : {}),
    args,
    returns: returns.toUpperCase().replace(/\s+/g, ''),
    operators,
    cache: (raw['cache'] as boolean | undefined) ?? true,
    onInvalid: (raw['on_invalid'] as 'null' | 'fail' | undefined) ?? 'fail',
  };
}

/** A dimension: VARCHAR in, VARCHAR out, and either fixed labels or a discovery cascade. */
function readDimension(
  raw: Raw,
  args: readonly SqlFunctionArg[],
  returns: string,
  problem: Problem,
): SqlDimension {
  const base: FieldPath = ['sql_function'];
  if (typeFamily(returns) !== 'text') {
    problem([...base, 'returns'], 'a dimension returns VARCHAR (the label)');
  }
  if (typeFamily(args[0]?.type ?? '') !== 'text') {
    problem([...base, 'args', 0, 'type'], "a dimension's first argument is the VARCHAR value it labels");
  }
  const labels = raw['labels'] as string[] | undefined;
  const discover = raw['discover'] as string | undefined;
  if ((labels === undefined) === (discover === undefined)) {
    problem(
      base,
      'a dimension needs either labels (fixed) or discover (a cascade that finds them), not both',
    );
  }
  return {
    ...(labels ? { labels } : {}),
    ...(discover ? { discover } : {}),
    sample: (raw['sample'] as number | undefined) ?? 40,
  };
}
