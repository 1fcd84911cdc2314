/**
 * The `sql_function` block: types checked against the dialect's type list,
 * operator forms read and checked against `args`: infix `{{ a }} WORD {{ b }}`
 * (one or two words, or `~`; the right side may be quoted, `'{{ b }}'`: the
 * user writes a string there) and calls `NAME({{ a }}, '{{ b }}')` passing
 * the function's args in order. A form that is neither, or that names an
 * arg the function does not have, is skipped with a warning: the file loads,
 * and the function is still called by its own name.
 * @see ../../docs/cascades.md ("sql_function")
 */

import { isProxyError, proxySpecOf, proxyTextPairs } from '../../grammar/proxy-spec.js';
import { parseSqlType, sqlTypeText } from '../../grammar/sql-type.js';
import { typeFamily } from '../../grammar/type-names.js';
import type {
  SqlCallForm,
  SqlDimension,
  SqlFunction,
  SqlFunctionArg,
  SqlOperatorForm,
  SqlTestCase,
} from './cascade-types.js';
import type { FieldPath, Problem } from './yaml-source.js';

type Raw = Record<string, unknown>;

/** One of the dialect's types (grammar/type-names.ts), or a `[]` list of one for aggregate arguments. */
const isSqlType = (t: string): boolean => typeFamily(t.endsWith('[]') ? t.slice(0, -2) : t) !== undefined;
const PLACEHOLDER = String.raw`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`;
const INFIX = new RegExp(
  String.raw`^${PLACEHOLDER}\s+([A-Za-z_][A-Za-z0-9_]*(?:\s+[A-Za-z_][A-Za-z0-9_]*)*|~)\s+('?)${PLACEHOLDER}\3$`,
);
const CALL = /^([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)$/s;
const CALL_ARG = new RegExp(String.raw`^('?)${PLACEHOLDER}\1$`);
const READABLE = 'an infix "{{ a }} WORD {{ b }}" or a call "NAME({{ a }}, …)"';

type Warn = (path: FieldPath, what: string) => void;

export function normalizeSqlFunction(raw: Raw, problem: Problem, warn: Warn): SqlFunction {
  const base: FieldPath = ['sql_function'];
  const args = (raw['args'] as Raw[]).map((a, i): SqlFunctionArg => {
    const type = a['type'] as string;
    if (!isSqlType(type)) problem([...base, 'args', i, 'type'], `unknown SQL type "${type}"`);
    const optional = a['optional'] === true || a['default'] !== undefined;
    return {
      name: a['name'] as string,
      type: type.toUpperCase().replace(/\s+/g, ''),
      optional,
      ...(a['variadic'] === true ? { variadic: true } : {}),
      ...(a['default'] !== undefined && a['default'] !== null ? { default: a['default'] } : {}),
      ...(typeof a['description'] === 'string' ? { description: a['description'] } : {}),
      ...(typeof a['role'] === 'string' ? { role: a['role'] } : {}),
    };
  });
  // Only trailing args can be left out of a call: an optional one before a required one is required.
  for (let i = args.length - 2; i >= 0; i--) {
    if (args[i]!.optional && !args[i + 1]!.optional) args[i] = { ...args[i]!, optional: false };
  }
  args.forEach((a, i) => {
    if (!a.variadic) return;
    const why =
      i !== args.length - 1
        ? 'only the last argument can be variadic'
        : a.type !== 'VARCHAR'
          ? 'a variadic argument is VARCHAR (its values arrive labelled, as one text)'
          : ((raw['shape'] as string | undefined)?.toLowerCase() ?? 'scalar') !== 'scalar'
            ? 'only a scalar function takes a variadic argument'
            : a.optional
              ? 'a variadic argument takes at least one value: it cannot be optional'
              : undefined;
    if (why) problem([...base, 'args', i, 'variadic'], why);
  });
  const seen = new Set<string>();
  args.forEach((a, i) => {
    if (seen.has(a.name)) problem([...base, 'args', i, 'name'], `duplicate argument name "${a.name}"`);
    seen.add(a.name);
  });
  const returns = raw['returns'] as string;
  // A typed function (`returning`) may default to any type RETURNING takes (a STRUCT, a list, an ENUM).
  const typed = raw['returning'] !== undefined && !isSqlType(returns) ? parseSqlType(returns) : undefined;
  if (!isSqlType(returns) && !typed?.ok) problem([...base, 'returns'], `unknown SQL type "${returns}"`);
  const shape = ((raw['shape'] as string | undefined)?.toLowerCase() ?? 'scalar') as SqlFunction['shape'];
  const returning = raw['returning'] as string | undefined;
  if (returning !== undefined) {
    if (seen.has(returning))
      problem([...base, 'returning'], `"${returning}" is one of args; returning names an input of its own`);
    if (shape !== 'scalar')
      problem([...base, 'returning'], 'only a scalar function lets the caller choose its type');
  }
  const range = raw['range'] as [string, string] | undefined;
  range?.forEach((name, i) => {
    const arg = args.find((a) => a.name === name);
    if (!arg) problem([...base, 'range', i], `"${name}" is not one of args`);
    else if (!['integer', 'bigint', 'double', 'decimal'].includes(typeFamily(arg.type) ?? ''))
      problem([...base, 'range', i], `"${name}" is ${arg.type}; a bound is a number`);
  });
  if (range && returning === undefined)
    problem([...base, 'range'], 'range needs returning (it bounds the schema the caller gets)');
  const operators: SqlOperatorForm[] = [];
  const calls: SqlCallForm[] = [];
  ((raw['operators'] as string[] | undefined) ?? []).forEach((text, i) => {
    const path = [...base, 'operators', i];
    const form = readForm(text.trim(), i, args, shape);
    if (typeof form === 'string') warn(path, `operator form "${text}" skipped: ${form}`);
    else if ('keywords' in form) operators.push(form);
    else calls.push(form);
  });
  const dimension = shape === 'dimension' ? readDimension(raw, args, returns, problem) : undefined;
  for (const key of ['labels', 'discover', 'sample']) {
    if (shape !== 'dimension' && raw[key] !== undefined) {
      problem([...base, key], `${key} applies only to a sql_function with shape: dimension`);
    }
  }
  const proxy = readProxy(raw['proxy'], problem);
  return {
    name: raw['name'] as string,
    shape,
    ...(dimension ? { dimension } : {}),
    args,
    returns: typed?.ok ? sqlTypeText(typed.type) : returns.toUpperCase().replace(/\s+/g, ''),
    ...(returning !== undefined ? { returning } : {}),
    ...(range ? { range } : {}),
    operators,
    calls,
    ...(typeof raw['description'] === 'string' ? { description: raw['description'] } : {}),
    testCases: ((raw['test_cases'] as Raw[] | undefined) ?? []).map(
      (t): SqlTestCase => ({
        sql: t['sql'] as string,
        expect: t['expect'] ?? null,
        ...(typeof t['description'] === 'string' ? { description: t['description'] } : {}),
        ...(t['skip'] === true ? { skip: true } : {}),
      }),
    ),
    cache: (raw['cache'] as boolean | undefined) ?? true,
    onInvalid: (raw['on_invalid'] as 'null' | 'fail' | undefined) ?? 'fail',
    ...(proxy ? { proxy } : {}),
  };
}

/** `proxy: 'small-fast accuracy 0.9'`: read as `-- @ proxy:` is (grammar/proxy-spec.ts). */
function readProxy(raw: unknown, problem: Problem): SqlFunction['proxy'] {
  if (typeof raw !== 'string') return undefined;
  const words = proxyTextPairs(raw, 0);
  const spec = words ? proxySpecOf(words.model, words.pairs, 0) : undefined;
  if (!spec || isProxyError(spec)) {
    problem(['sql_function', 'proxy'], spec ? spec.message : `'${raw}' is not 'model [key value]…'`);
    return undefined;
  }
  return spec;
}

/** One operator form, or why it cannot be used. */
function readForm(
  text: string,
  index: number,
  args: readonly SqlFunctionArg[],
  shape: SqlFunction['shape'],
): SqlOperatorForm | SqlCallForm | string {
  const names = args.map((a) => a.name);
  const infix = INFIX.exec(text);
  if (infix) {
    const [, left, word, , right] = infix as unknown as [string, string, string, string, string];
    if (shape !== 'scalar') return 'infix operators apply only to a scalar sql_function';
    for (const name of [left, right]) {
      if (!names.includes(name)) return `it names "${name}", which is not one of args`;
    }
    if (left === right) return 'an operator needs two different args';
    return { text, index, left, keywords: word.split(/\s+/).map((w) => w.toUpperCase()), right };
  }
  const call = CALL.exec(text);
  if (call) {
    const [, name, inside] = call as unknown as [string, string, string];
    const passed = inside.trim() === '' ? [] : inside.split(',').map((x) => CALL_ARG.exec(x.trim())?.[2]);
    if (passed.some((x) => x === undefined))
      return `each argument of a call form is {{ arg }} or '{{ arg }}'`;
    for (const [i, p] of passed.entries()) {
      if (!names.includes(p!)) return `it names "${p}", which is not one of args`;
      if (names[i] !== p) return `a call form passes the args in their order (${names.join(', ')})`;
    }
    const required = args.filter((a) => !a.optional).length;
    if (passed.length < required) return `it passes ${passed.length} of the ${required} required args`;
    return { text, index, name: name.toUpperCase(), args: passed.length };
  }
  return `not a form rvbbit reads (${READABLE})`;
}

/**
 * A dimension: VARCHAR in, VARCHAR out, labels fixed, discovered, or (larsql's
 * `mode: mapping`, its default when neither is given) mapped in one call.
 */
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
  const sources = args.flatMap((a, i) => (a.role === 'dimension_source' ? [i] : []));
  if (sources.length > 1) {
    problem([...base, 'args', sources[1]!, 'role'], 'a dimension labels one arg: one role: dimension_source');
  }
  const at = sources[0] ?? 0;
  if (typeFamily(args[at]?.type ?? '') !== 'text') {
    problem([...base, 'args', at, 'type'], 'the arg a dimension labels is a VARCHAR');
  }
  const labels = raw['labels'] as string[] | undefined;
  const discover = raw['discover'] as string | undefined;
  const mode = raw['mode'] as string | undefined;
  if (labels !== undefined && discover !== undefined) {
    problem(base, 'a dimension has labels (fixed) or discover (a cascade that finds them), not both');
  }
  if (mode !== undefined && mode !== 'mapping' && mode !== 'entities') {
    problem([...base, 'mode'], `a dimension's mode is "mapping", "entities" or absent (got "${mode}")`);
  }
  const mapping = labels === undefined && discover === undefined;
  if ((mode === 'mapping' || mode === 'entities') && !mapping) {
    problem(
      [...base, 'mode'],
      mode === 'mapping'
        ? 'mode: mapping finds its labels in one call: it takes no labels or discover'
        : 'mode: entities labels each value by its cluster: it takes no labels or discover',
    );
  }
  return {
    mode: mode === 'entities' ? 'entities' : mapping ? 'mapping' : 'assign',
    source: args[at]?.name ?? 'text',
    ...(labels ? { labels } : {}),
    ...(discover ? { discover } : {}),
    sample: (raw['sample'] as number | undefined) ?? 40,
  };
}
