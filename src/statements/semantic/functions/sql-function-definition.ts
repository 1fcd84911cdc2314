/**
 * CREATE SEMANTIC FUNCTION → the cascade it defines, checked when it is
 * created rather than when first used, each refusal positioned in the
 * statement as Postgres' CREATE FUNCTION positions its own:
 *  - the name, an operator word or a call name taken: a DuckDB function, a SQL
 *    keyword, rvbbit's or an operator file's word, another function (42723);
 *  - a type that does not exist (42704), or one a semantic function cannot
 *    take or return (42P13);
 *  - a prompt that does not parse (42601), names what is no argument, or
 *    leaves an argument out (42P13);
 *  - a CASCADE whose YAML does not load (42P13, at the YAML's line and column).
 * The inline forms become a one-cell cascade whose `sql_function` says the
 * args, result, operator word and shape, and whose prompt reads the args by
 * name (`{{ x }}`, as the statement writes them); the CASCADE form is the
 * cascade as given. Either is loaded here exactly as an operator file is
 * (readOperatorFile, loadCascadeText), so what runs is what was checked.
 * @see ../../../docs/semantic-sql.md ("Your own operators in SQL")
 */
import { createHash } from 'node:crypto';
import { RvbbitError } from '../../../../base/errors.js';
import { DUCKDB_FUNCTIONS } from '../../../../grammar/duckdb-functions.js';
import { renderAt } from '../../../../grammar/errors.js';
import type { CreateSemanticFunctionStatement, SourceText, Span } from '../../../../grammar/index.js';
import {
  formatProxy,
  isProxyError,
  PROXY_KEYS,
  parseSqlType,
  proxySpecOf,
  sqlTypeText,
  typeFamily,
} from '../../../../grammar/index.js';
import { LineIndex } from '../../../../grammar/span.js';
import { CascadeError } from '../../../cascade/cascade-error.js';
import type { SqlFunction } from '../../../cascade/cascade-types.js';
import { loadCascadeText } from '../../../cascade/load-cascade.js';
import { detectTemplateEngine } from '../../../cascade/template-engine.js';
import { compileTemplate, TemplateSyntaxError } from '../../../cascade/templates.js';
import { callRefusal, declaredBy, readOperatorFile, wordRefusal } from '../../../plan/operator-file.js';
import { proxyResultUnfit } from '../proxies/proxy.js';
import { declaredTree, returningType } from '../rewrite/returning-type.js';
import { registeredName } from '../rewrite/semantic-rewrite.js';

/** What CREATE SEMANTIC FUNCTION stores (rvbbit.semantic_functions) and the catalog loads. */
export interface SqlFunctionDefinition {
  readonly name: string;
  /** `x VARCHAR, y VARCHAR` as the function takes them. */
  readonly args: string;
  readonly returns: string;
  /** The infix word (`RHYMES`), or null. */
  readonly operator: string | null;
  readonly shape: SqlFunction['shape'];
  /** The WITH (…) options as given, and for the CASCADE form `{ "cascade": true }`. */
  readonly options: Readonly<Record<string, unknown>>;
  /** The whole cascade, the text every worker runs. */
  readonly cascadeYaml: string;
  /** sha256 of cascadeYaml: the cache keys of its answers start from it (a replaced prompt is a new key). */
  readonly contentHash: string;
  /** The CREATE statement as written. */
  readonly definition: string;
  /** Its upper-cased name, call names and operator words (what it takes from every other function). */
  readonly words: readonly string[];
}

/** What the engine's operators and DuckDB's catalog already hold, for the clash checks. */
export interface TakenWords {
  /** Upper-cased names and words of rvbbit's and the operator files' functions → who has it. */
  readonly files: ReadonlyMap<string, string>;
  /** Upper-cased names, calls and operator words of the functions defined in SQL → that function's name. */
  readonly sql: ReadonlyMap<string, string>;
  /**
   * Upper-cased words of candidateWords() that DuckDB's catalog holds (a
   * function, macro, keyword or type: engine/catalog-words.ts) → why and
   * the code; and the holder of the DuckDB function it is registered as
   * (`RVBBIT_<NAME>`), if that is not an operator's.
   */
  readonly catalog: ReadonlyMap<
    string,
    { readonly code: 'SQLFN_EXISTS' | 'SQLFN_RESERVED'; readonly why: string }
  >;
}

/**
 * Every word of the statement the function would hold, for the catalog
 * lookup before the checks (TakenWords.catalog): its name, the name without
 * `semantic_` (the grammar's call form of such a name, operator-file.ts),
 * its operator words.
 */
export function candidateWords(stmt: CreateSemanticFunctionStatement): string[] {
  const name = stmt.name.text;
  const words = [name, name.replace(/^semantic_/i, '')];
  if (stmt.operator) words.push(...stmt.operator.text.trim().split(/\s+/));
  return words.filter((w) => w !== '');
}

/** Names a prompt already reads (the run's scope and the statement's hint): no argument takes them. */
const RESERVED_ARGS = ['input', 'outputs', 'state', 'hint'];

/** The function's own options, then a proxy's (`proxy = 'model'` and its targets: grammar/proxy-spec.ts). */
const OPTION_KEYS = ['model', 'shape', 'description', 'cache', 'on_invalid', 'proxy', ...PROXY_KEYS] as const;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Where a piece of the statement is, as an error's detail (offset inside the statement, line and column in the input). */
function at(stmt: { readonly span: Span }, offset: number, index: PositionOf): Record<string, unknown> {
  return { offset: offset - stmt.span.start, ...index(offset) };
}

/** The refusal with the statement's line and a caret under the place, as a parse error shows it. */
function refusal(
  stmt: CreateSemanticFunctionStatement,
  code: ConstructorParameters<typeof RvbbitError>[0],
  offset: number,
  message: string,
  positionOf: PositionOf,
): RvbbitError {
  const rendered = renderAt(new LineIndex(stmt.text), code, message, offset - stmt.span.start);
  return new RvbbitError(code, `${message}\n${rendered}`, at(stmt, offset, positionOf));
}

type PositionOf = (offset: number) => { line: number; column: number };

/** Checks a CREATE SEMANTIC FUNCTION and makes its cascade; throws a positioned RvbbitError. */
export function defineSqlFunction(
  stmt: CreateSemanticFunctionStatement,
  taken: TakenWords,
  positionOf: PositionOf,
): SqlFunctionDefinition {
  const fail = (
    code: ConstructorParameters<typeof RvbbitError>[0],
    offset: number,
    message: string,
  ): never => {
    throw refusal(stmt, code, offset, message, positionOf);
  };
  const name = stmt.name.text;
  if (!NAME.test(name))
    fail(
      'SQLFN_DEFINITION',
      stmt.name.span.start,
      `"${name}" is not a function name (letters, digits and _)`,
    );
  const yaml = stmt.cascade ? stmt.body.text : inlineCascade(stmt, fail);
  const file = `${name}.sql-function.yaml`;
  const sql = loadDefinition(stmt, yaml, file, fail);
  if (stmt.cascade && sql.name !== name)
    fail(
      'SQLFN_DEFINITION',
      stmt.name.span.start,
      `the cascade's sql_function.name is "${sql.name}", not "${name}": they must be the same`,
    );
  checkClashes(stmt, sql, taken, fail);
  return {
    name,
    args: sql.args.map((a) => `${a.name} ${a.type}`).join(', '),
    returns: sql.returns,
    operator: sql.operators[0]?.keywords.join(' ') ?? null,
    shape: sql.shape,
    options: stmt.cascade
      ? { cascade: true }
      : Object.fromEntries(stmt.options.map((o) => [o.key.text.toLowerCase(), o.value])),
    cascadeYaml: yaml,
    contentHash: createHash('sha256').update(yaml).digest('hex'),
    definition: stmt.text,
    words: clashWords(stmt, sql).map((w) => w.word),
  };
}

type Fail = (code: ConstructorParameters<typeof RvbbitError>[0], offset: number, message: string) => never;

/** The one-cell cascade of an inline definition, its prompt checked against the args. */
function inlineCascade(stmt: CreateSemanticFunctionStatement, fail: Fail): string {
  const args = stmt.args ?? [];
  const seen = new Set<string>();
  for (const a of args) {
    if (!NAME.test(a.name.text))
      fail('SQLFN_DEFINITION', a.name.span.start, `"${a.name.text}" is not an argument name`);
    if (seen.has(a.name.text))
      fail('SQLFN_DEFINITION', a.name.span.start, `argument "${a.name.text}" is named twice`);
    if (RESERVED_ARGS.includes(a.name.text))
      fail(
        'SQLFN_DEFINITION',
        a.name.span.start,
        `"${a.name.text}" is a name every prompt has (${RESERVED_ARGS.join(', ')}): name the argument otherwise`,
      );
    seen.add(a.name.text);
  }
  const options = new Map<string, { value: unknown; at: number }>();
  for (const o of stmt.options) {
    const key = o.key.text.toLowerCase();
    if (!(OPTION_KEYS as readonly string[]).includes(key))
      fail('SQLFN_OPTION', o.key.span.start, `unknown option "${key}" (${OPTION_KEYS.join(', ')})`);
    if (options.has(key)) fail('SQLFN_OPTION', o.key.span.start, `option "${key}" is given twice`);
    options.set(key, { value: o.value, at: o.key.span.start });
  }
  const text = (key: string, allowed?: readonly string[]): string | undefined => {
    const o = options.get(key);
    if (!o) return undefined;
    if (
      typeof o.value !== 'string' ||
      o.value === '' ||
      (allowed && !allowed.includes(o.value.toLowerCase()))
    )
      fail(
        'SQLFN_OPTION',
        o.at,
        `${key} is ${allowed ? `one of ${allowed.map((v) => `'${v}'`).join(', ')}` : 'a non-empty string'}`,
      );
    return o.value as string;
  };
  const shape = (text('shape', ['scalar', 'aggregate']) ?? 'scalar').toLowerCase();
  const cache = options.get('cache');
  if (cache && typeof cache.value !== 'boolean') fail('SQLFN_OPTION', cache.at, 'cache is TRUE or FALSE');
  const onInvalid = text('on_invalid', ['null', 'fail']);
  const model = text('model');
  const description = text('description');
  const types = args.map((a, i) => argType(a.type, shape === 'aggregate' && i === 0, fail));
  const { returns, typed } = resultType(stmt.returns!, fail);
  const typeArg = args.find((a) => a.name.text === TYPE_INPUT);
  if (typed && typeArg)
    fail(
      'SQLFN_DEFINITION',
      typeArg.name.span.start,
      `"${TYPE_INPUT}" carries the answer's type: name the argument otherwise`,
    );
  if (shape === 'aggregate' && args.length === 0)
    fail(
      'SQLFN_DEFINITION',
      stmt.name.span.end,
      "an aggregate takes its group's values as its first argument",
    );
  const operator = stmt.operator ? operatorForm(stmt, shape, fail) : undefined;
  const proxy = proxyOption(stmt.name.text, options, returns, shape, fail);
  const engine = detectTemplateEngine([stmt.body.text]);
  checkPrompt(stmt, engine, fail);
  const assign = args.map((a) =>
    engine === 'jinja'
      ? `{%- set ${a.name.text} = input.${a.name.text} -%}`
      : `{%- assign ${a.name.text} = input.${a.name.text} -%}`,
  );
  // A STRUCT, list or ENUM answer is a typed function's (as LLM(… RETURNING …)): its schema reaches
  // the run as an input, and the answer is read back as that type (semantic-rewrite.ts).
  const resultSchema = typed ? `{{ input.${TYPE_INPUT} }}` : returningType(declaredTree(returns)).schema;
  const schema = { type: 'object', required: ['result'], properties: { result: resultSchema } };
  const lines = [
    `cascade_id: ${stmt.name.text}`,
    `description: ${JSON.stringify(description ?? `CREATE SEMANTIC FUNCTION ${stmt.name.text}`)}`,
    'sql_function:',
    `  name: ${stmt.name.text}`,
    `  shape: ${shape}`,
    `  args: ${JSON.stringify(args.map((a, i) => ({ name: a.name.text, type: types[i] })))}`,
    `  returns: ${JSON.stringify(returns)}`,
    ...(typed ? [`  returning: ${TYPE_INPUT}`] : []),
    ...(operator ? [`  operators: [${JSON.stringify(operator)}]`] : []),
    `  cache: ${cache?.value === false ? 'false' : 'true'}`,
    ...(onInvalid ? [`  on_invalid: ${onInvalid.toLowerCase()}`] : []),
    ...(proxy ? [`  proxy: ${JSON.stringify(proxy)}`] : []),
    'cells:',
    '  - name: answer',
    ...(model ? [`    model: ${JSON.stringify(model)}`] : []),
    `    output_schema: ${JSON.stringify(schema)}`,
    // The prompt last: its lines map back to the statement (promptLine below).
    '    instructions: |',
    `      ${assign.join('')}${assign.length > 0 ? '' : '{%- comment %}no arguments{% endcomment -%}'}`,
    ...stmt.body.text.split('\n').map((l) => `      ${l}`),
    '      {%- if input.hint != "" %}',
    '      Also consider: {{ input.hint }}',
    '      {%- endif %}',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * `WITH (proxy = 'small-fast', recall = 0.9, precision = 0.9, delta = 0.05)`: the proxy a
 * call of the function uses when its statement names none, as the annotation's text
 * (`small-fast recall 0.9 precision 0.9 delta 0.05`), built by the annotation's own
 * proxySpecOf and checked against the result as a statement's proxy is (proxyResultUnfit);
 * refused at the target's key.
 */
function proxyOption(
  name: string,
  options: ReadonlyMap<string, { value: unknown; at: number }>,
  returns: string,
  shape: string,
  fail: Fail,
): string | undefined {
  const pairs = PROXY_KEYS.flatMap((key) => {
    const o = options.get(key);
    return o ? [{ key, value: o.value as string | number | boolean | null, at: o.at, literal: true }] : [];
  });
  const model = options.get('proxy');
  if (!model) {
    if (pairs[0])
      fail('SQLFN_OPTION', pairs[0].at, `${pairs[0].key} is a proxy's: give proxy = 'model' with it`);
    return undefined;
  }
  if (typeof model.value !== 'string' || !/^\S+$/.test(model.value))
    fail('SQLFN_OPTION', model.at, 'proxy is the name of a model (one word, a string)');
  const spec = proxySpecOf(model.value as string, pairs, model.at);
  if (isProxyError(spec)) return fail('SQLFN_OPTION', spec.at, spec.message);
  const t = spec.targets;
  // The rule a statement's proxy meets when it runs, here when the function is defined.
  const why = proxyResultUnfit(name, { shape, returns }, spec);
  if (why)
    fail(
      'SQLFN_OPTION',
      (t?.accuracy !== undefined
        ? options.get('accuracy')
        : (options.get('recall') ?? options.get('precision'))
      )?.at ?? model.at,
      why,
    );
  return formatProxy(spec);
}

/** YAML line of the prompt's first line in inlineCascade's text (1-based). */
function promptLine(yaml: string): number {
  return yaml.split('\n').indexOf('    instructions: |') + 3;
}

const PROMPT_INDENT = 6;

function argType(type: SourceText, aggregate: boolean, fail: Fail): string {
  const written = type.text.trim().toUpperCase().replace(/\s+/g, '');
  const scalar = aggregate && written.endsWith('[]') ? written.slice(0, -2) : written;
  if (typeFamily(scalar) !== undefined) return aggregate ? `${scalar}[]` : written;
  if (aggregate)
    fail(
      'SQLFN_UNSUPPORTED_TYPE',
      type.span.start,
      `an aggregate's first argument is a list of one of the dialect's types (VARCHAR[]), not ${type.text}`,
    );
  return unsupported(type, 'an argument', fail);
}

/** The result type; `typed` for a STRUCT, list or ENUM (every type RETURNING takes). */
function resultType(type: SourceText, fail: Fail): { returns: string; typed: boolean } {
  const written = type.text.trim().toUpperCase().replace(/\s+/g, '');
  if (typeFamily(written) !== undefined) return { returns: written, typed: false };
  const parsed = parseSqlType(type.text);
  if (parsed.ok) return { returns: sqlTypeText(parsed.type), typed: true };
  return fail(
    'SQLFN_BAD_TYPE',
    type.span.start,
    `type ${type.text.trim()} does not exist: ${parsed.message}`,
  );
}

/** The input a STRUCT, list or ENUM function's runs get its answer's JSON Schema in. */
const TYPE_INPUT = 'answer_type';

/** A type the dialect has (a STRUCT, a list, an ENUM) but a semantic function cannot be, or none at all. */
function unsupported(type: SourceText, what: string, fail: Fail): never {
  const parsed = parseSqlType(type.text);
  if (!parsed.ok) return fail('SQLFN_BAD_TYPE', type.span.start, `type ${type.text.trim()} does not exist`);
  return fail(
    'SQLFN_UNSUPPORTED_TYPE',
    type.span.start,
    `${what} of a semantic function is VARCHAR, INTEGER, BIGINT, DOUBLE, DECIMAL, BOOLEAN, JSON, DATE, TIME or TIMESTAMP, not ${type.text.trim()} (for a structured answer use LLM(… RETURNING ${type.text.trim()}))`,
  );
}

/** `{{ a }} WORD {{ b }}` from OPERATOR 'WORD': the first two args either side. */
function operatorForm(stmt: CreateSemanticFunctionStatement, shape: string, fail: Fail): string {
  const op = stmt.operator!;
  const words = op.text.trim().toUpperCase().split(/\s+/);
  const args = stmt.args ?? [];
  if (shape !== 'scalar') fail('SQLFN_DEFINITION', op.span.start, 'an infix operator is a scalar function');
  if (args.length !== 2)
    fail(
      'SQLFN_DEFINITION',
      op.span.start,
      `an infix operator takes two arguments, one either side; ${stmt.name.text} takes ${args.length}`,
    );
  if (words.length > 2 || words.some((w) => !NAME.test(w)))
    fail(
      'SQLFN_DEFINITION',
      op.span.start,
      `'${op.text}' is not an operator word (one word, optionally followed by one more)`,
    );
  const refused = wordRefusal(words[0]!);
  if (refused) fail('SQLFN_EXISTS', op.span.start, refused);
  return `{{ ${args[0]!.name.text} }} ${words.join(' ')} {{ ${args[1]!.name.text} }}`;
}

/** The prompt parses, names only its args (and `input.…`), and names every arg. */
function checkPrompt(stmt: CreateSemanticFunctionStatement, engine: 'liquid' | 'jinja', fail: Fail): void {
  const body = stmt.body;
  const offsetIn = (line: number, column: number): number => {
    const lines = body.text.split('\n');
    let offset = 0;
    for (let l = 1; l < line && l <= lines.length; l++) offset += lines[l - 1]!.length + 1;
    return body.span.start + offset + column - 1;
  };
  try {
    compileTemplate(body.text, engine);
  } catch (err) {
    if (err instanceof TemplateSyntaxError)
      fail('SQLFN_TEMPLATE', offsetIn(err.line, err.column), `the prompt does not parse: ${err.what}`);
    throw err;
  }
  const names = new Set((stmt.args ?? []).map((a) => a.name.text));
  const used = new Set<string>();
  // Names read inside {{ … }} and {% … %}: the first name of each path (`x.y` reads x).
  for (const tag of body.text.matchAll(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g)) {
    const inner = tag[0].slice(2, -2);
    for (const m of inner.matchAll(/(?<![.\w'"|])([A-Za-z_]\w*)(?![\w'"])/g)) {
      const word = m[1]!;
      const before = inner.slice(0, m.index).trimEnd();
      // A filter's name (`| upcase`) is not a variable; its arguments may be (`| append: y`).
      if (before.endsWith('|')) continue;
      if (names.has(word)) used.add(word);
    }
  }
  const missing = (stmt.args ?? []).find((a) => !used.has(a.name.text));
  if (missing)
    fail(
      'SQLFN_DEFINITION',
      body.span.start,
      `the prompt never reads argument "${missing.name.text}": write {{ ${missing.name.text} }} where its value goes`,
    );
}

/** Loads the cascade as an operator file is; a problem is placed in the statement. */
function loadDefinition(
  stmt: CreateSemanticFunctionStatement,
  yaml: string,
  file: string,
  fail: Fail,
): SqlFunction {
  const place = (line: number, column: number): number => {
    if (line <= 0) return stmt.body.span.start;
    const bodyLines = stmt.body.text.split('\n');
    if (stmt.cascade) {
      let offset = 0;
      for (let l = 1; l < line && l <= bodyLines.length; l++) offset += bodyLines[l - 1]!.length + 1;
      return stmt.body.span.start + offset + column - 1;
    }
    // An inline prompt's line k is the YAML's promptLine + k - 1, PROMPT_INDENT columns in.
    const k = line - promptLine(yaml) + 1;
    if (k < 1 || k > bodyLines.length) return stmt.body.span.start;
    let offset = 0;
    for (let l = 1; l < k; l++) offset += bodyLines[l - 1]!.length + 1;
    return stmt.body.span.start + offset + Math.max(0, column - 1 - PROMPT_INDENT);
  };
  const refuse = (err: unknown): never => {
    if (err instanceof CascadeError) {
      const p = err.problems[0]!;
      const what = p.path ? `${p.path}: ${p.what}` : p.what;
      const where = stmt.cascade ? `the cascade, line ${p.line}: ` : 'the prompt: ';
      return fail('SQLFN_DEFINITION', place(p.line, p.column), `${where}${what}`);
    }
    throw err;
  };
  let read: ReturnType<typeof readOperatorFile>;
  try {
    read = readOperatorFile(file, yaml);
    loadCascadeText(yaml, file);
  } catch (err) {
    return refuse(err);
  }
  if (read && stmt.cascade) checkCascadeInputs(stmt, read.sql, fail);
  if (!read)
    return fail(
      'SQLFN_DEFINITION',
      stmt.body.span.start,
      'the cascade has no sql_function block: it defines no operator',
    );
  // A form the grammar cannot take is a warning in a file; here it refuses the definition.
  const skipped = read.warnings.find((w) => / skipped: /.test(w));
  if (skipped)
    fail('SQLFN_DEFINITION', stmt.body.span.start, skipped.replace(`${file}:`, 'the cascade, line '));
  return read.sql;
}

/**
 * An operator's runs get its args and `hint` as inputs, nothing else: a
 * CASCADE's template reading another `input.X` would render it empty on every
 * row, so it is refused here (a file without inputs_schema only warns when it runs).
 */
function checkCascadeInputs(stmt: CreateSemanticFunctionStatement, sql: SqlFunction, fail: Fail): void {
  // A dimension's runs also get its labels and the values to map (dimension.ts).
  const engine = sql.shape === 'dimension' ? ['labels', 'texts', 'use_indices'] : [];
  const known = new Set([
    ...sql.args.map((a) => a.name),
    ...(sql.returning ? [sql.returning] : []),
    'hint',
    ...engine,
  ]);
  const body = stmt.body.text;
  for (const tag of body.matchAll(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g)) {
    for (const m of tag[0].matchAll(/\binput\.([A-Za-z_]\w*)/g)) {
      if (known.has(m[1]!)) continue;
      fail(
        'SQLFN_DEFINITION',
        stmt.body.span.start + tag.index + m.index,
        `input.${m[1]} is not an input of ${sql.name}: its runs read ${[...known].map((k) => `input.${k}`).join(', ')}`,
      );
    }
  }
}

/** The function's name, calls and operator words, each where the statement says it. */
function clashWords(
  stmt: CreateSemanticFunctionStatement,
  sql: SqlFunction,
): { word: string; at: number; kind: string }[] {
  const nameAt = stmt.name.span.start;
  const declared = declaredBy(sql);
  return [
    { word: sql.name.toUpperCase(), at: nameAt, kind: 'name' },
    ...declared.calls.map((c) => ({ word: c.name, at: nameAt, kind: 'call' })),
    ...declared.forms.map((f) => ({
      word: f[0]!,
      at: stmt.operator?.span.start ?? stmt.body.span.start,
      kind: 'operator word',
    })),
  ];
}

/** The name, its calls and its words against DuckDB's functions, the keywords and every other operator. */
function checkClashes(
  stmt: CreateSemanticFunctionStatement,
  sql: SqlFunction,
  taken: TakenWords,
  fail: Fail,
): void {
  const nameAt = stmt.name.span.start;
  const up = sql.name.toUpperCase();
  if (DUCKDB_FUNCTIONS.has(up)) fail('SQLFN_EXISTS', nameAt, `${up} is a DuckDB function`);
  const previous = taken.sql.get(up) === sql.name;
  if (previous && !stmt.orReplace)
    fail(
      'SQLFN_EXISTS',
      nameAt,
      `semantic function ${sql.name} already exists (CREATE OR REPLACE replaces it)`,
    );
  for (const w of clashWords(stmt, sql)) {
    const file = taken.files.get(w.word);
    if (file) fail('SQLFN_EXISTS', w.at, `${w.word} is defined by ${file}`);
    const other = taken.sql.get(w.word);
    if (other !== undefined && other !== sql.name)
      fail('SQLFN_EXISTS', w.at, `${w.word} is the ${w.kind} of semantic function ${other}`);
    if (w.kind === 'name') {
      const refused = callRefusal(w.word);
      if (refused && !DUCKDB_FUNCTIONS.has(w.word)) fail('SQLFN_EXISTS', w.at, refused);
    }
    // After rvbbit's own words, so MEANS says who defines it rather than that it is no keyword.
    const held = taken.catalog.get(w.word);
    if (held) fail(held.code, w.at, `${w.kind} ${held.why}`);
  }
  const registered = taken.catalog.get(registeredName(sql.name).toUpperCase());
  if (registered) fail(registered.code, nameAt, `name ${sql.name}: ${registered.why}`);
}
