/**
 * Jinja2 templates for cascades written in larsql's format, on @huggingface/jinja:
 * an interpreter (no code generation) whose values are its own wrappers, so a
 * template reaches no JavaScript prototype, file, environment or process. On top
 * of it, as rvbbit's Liquid:
 * - an undefined variable is an error when printed, read through (`x.y`),
 *   filtered (except by `default`) or iterated; `if x`, `x is defined` and
 *   `x | default(…)` stay lenient, as in Jinja2;
 * - a syntax error names the line and column inside the template (the library
 *   gives neither: locateJinjaError finds the block that fails);
 * - evaluation is bounded in steps, time and text size, and stops when its
 *   statement is cancelled (render-bounds.ts): every node evaluated and every
 *   block (so every loop iteration, an empty body's too) is a step;
 * - larsql's own filters: from_json, to_json / tojson / json, fingerprint.
 * Whitespace follows Jinja2's defaults (no trim_blocks, no lstrip_blocks).
 */
import {
  Environment,
  Interpreter,
  type Node,
  type Program,
  parse,
  runtime,
  runtimeValue,
  tokenize,
  type Value,
} from './jinja-library.js';
import { evaluateFor } from './jinja-loop.js';
import { RenderBudget, RenderOverrun, RenderStopped } from './render-bounds.js';

/** Where a Jinja template fails, inside the template (1-based). */
export interface JinjaPosition {
  readonly what: string;
  readonly line: number;
  readonly column: number;
}

export interface JinjaTemplate {
  readonly source: string;
  readonly program: Program;
  /** Set when the template is exactly one `{{ expression }}`: evaluates to data, not text. */
  readonly expression?: Node;
}

const MAX_STEPS = 2_000_000;
const MAX_TEXT_CHARS = 16_000_000;
const MAX_RANGE = 100_000;
const TOKENIZE_OPTIONS = { lstrip_blocks: false, trim_blocks: false } as const;

/** Parses a Jinja template; throws a JinjaPosition-carrying error on bad syntax. */
export function compileJinja(source: string): JinjaTemplate {
  let program: Program;
  try {
    program = parse(tokenize(source, TOKENIZE_OPTIONS));
  } catch (err) {
    throw new JinjaSyntaxError(locateJinjaError(source, (err as Error).message));
  }
  const meaningful = (program.body as unknown as Node[]).filter(
    (s) => !(s.type === 'StringLiteral' && /^\s*$/.test(String(s['value']))),
  );
  const only = meaningful[0];
  const isExpression = meaningful.length === 1 && only && !STATEMENT_TYPES.has(only.type);
  return Object.freeze({ source, program, ...(isExpression ? { expression: only } : {}) });
}

export class JinjaSyntaxError extends Error {
  constructor(readonly at: JinjaPosition) {
    super(at.what);
    this.name = 'JinjaSyntaxError';
  }
}

/** A render failure at a line and column inside the template (the message says them too). */
export class JinjaRenderError extends Error {
  override name = 'JinjaRenderError';
  constructor(
    readonly what: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${what} at line ${line}, column ${column}`);
  }
}

const STATEMENT_TYPES = new Set([
  'If',
  'For',
  'SetStatement',
  'Macro',
  'Comment',
  'CallStatement',
  'FilterStatement',
  'Break',
  'Continue',
]);

/**
 * Renders to text. Over a bound it throws RenderOverrun (its message names the
 * bound), for a stopped statement RenderStopped; `budget` is the render's clock
 * and stop check (templates.ts makes one per render; none: the time bound only).
 */
export function renderJinja(
  t: JinjaTemplate,
  scope: Readonly<Record<string, unknown>>,
  budget: RenderBudget = new RenderBudget(undefined),
): string {
  const run = strictInterpreter(environmentOf(scope), t.source, budget);
  return guard(t, () => String(run.run(t.program).value));
}

/** The value of a one-expression template with its type (a list stays a list); text otherwise. */
export function evaluateJinja(
  t: JinjaTemplate,
  scope: Readonly<Record<string, unknown>>,
  budget: RenderBudget = new RenderBudget(undefined),
): unknown {
  if (!t.expression) return renderJinja(t, scope, budget);
  const env = environmentOf(scope);
  const run = strictInterpreter(env, t.source, budget);
  const value = guard(t, () => run.evaluate(t.expression!, env));
  if (value.type === 'UndefinedValue') throw undefinedError(t.source, t.expression);
  return toPlain(value);
}

/** Bound errors pass as they are: they belong to the whole render, not to a place in the template. */
const passesGuard = (err: unknown): boolean =>
  err instanceof JinjaRenderError || err instanceof RenderOverrun || err instanceof RenderStopped;

function guard<T>(t: JinjaTemplate, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (passesGuard(err)) throw err;
    const { line, column } = firstBlock(t.source);
    throw new JinjaRenderError((err as Error).message, line, column);
  }
}

function environmentOf(scope: Readonly<Record<string, unknown>>): Environment {
  const env = new Environment();
  for (const [k, v] of Object.entries(GLOBALS)) env.set(k, v);
  for (const [k, v] of Object.entries(scope)) env.set(k, toJinjaData(v));
  return env;
}

const GLOBALS: Record<string, unknown> = {
  true: true,
  false: false,
  none: null,
  True: true,
  False: false,
  None: null,
  range: (start: number, stop?: number, step = 1): number[] => {
    const [from, to] = stop === undefined ? [0, start] : [start, stop];
    if (step === 0) throw new Error('range() step must not be zero');
    const count = Math.max(0, Math.ceil((to - from) / step));
    if (count > MAX_RANGE) throw new Error(`range() of ${count} items is over the limit of ${MAX_RANGE}`);
    return Array.from({ length: count }, (_, i) => from + i * step);
  },
  raise_exception: (what: unknown) => {
    throw new Error(String(what));
  },
};

/** Data as the library can hold it: plain JSON (bigint as number or text, dates as ISO text). */
function toJinjaData(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (typeof value !== 'object') return typeof value === 'function' ? null : value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJinjaData);
  if (value instanceof Map)
    return Object.fromEntries([...value].map(([k, v]) => [String(k), toJinjaData(v)]));
  if (ArrayBuffer.isView(value)) return String(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = toJinjaData(v);
  return out;
}

function toPlain(v: Value): unknown {
  switch (v.type) {
    case 'ArrayValue':
      return (v.value as Value[]).map(toPlain);
    case 'ObjectValue':
    case 'KeywordArgumentsValue':
      return Object.fromEntries([...(v.value as Map<string, Value>)].map(([k, x]) => [k, toPlain(x)]));
    case 'NullValue':
    case 'UndefinedValue':
      return null;
    default:
      return v.value;
  }
}

/** `input.texts` for the expression that names it; undefined when it is no plain path. */
function pathOf(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'Identifier') return String(node['value']);
  if (node.type === 'MemberExpression' && !node['computed']) {
    const object = pathOf(node['object'] as Node);
    const property = node['property'] as Node;
    return `${object ?? '…'}.${String(property['value'])}`;
  }
  return undefined;
}

function undefinedError(source: string, node: Node): JinjaRenderError {
  const path = pathOf(node);
  if (path === undefined) {
    const { line, column } = firstBlock(source);
    return new JinjaRenderError('undefined value', line, column);
  }
  const attribute = path.startsWith('…');
  const { line, column } = positionOfName(source, attribute ? path.slice(2) : path);
  return new JinjaRenderError(`undefined ${attribute ? 'attribute' : 'variable'} "${path}"`, line, column);
}

/** Where `path` is first used inside a `{{ }}` or `{% %}` block. */
export function positionOfName(source: string, path: string): { line: number; column: number } {
  const name = new RegExp(`(?<![\\w])${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\w)`);
  for (const block of blocksOf(source)) {
    const found = name.exec(block.text);
    if (found) return lineColumn(source, block.offset + found.index);
  }
  return firstBlock(source);
}

function firstBlock(source: string): { line: number; column: number } {
  const first = blocksOf(source)[0];
  return lineColumn(source, first?.offset ?? 0);
}

type RuntimeFn = (...args: unknown[]) => Value;
type Methods = Record<string, RuntimeFn>;

/**
 * The library's interpreter with undefined values made errors where Jinja2's
 * StrictUndefined raises (printing, attribute reads, filters, loops), larsql's
 * filters, and a step, time and size budget. The evaluation methods are
 * private in the typings and call each other through `this`, so the instance
 * gets its own versions that wrap the prototype's.
 *
 * A step is one `evaluate` and one `evaluateBlock`: the library's `for` runs
 * its body through `this.evaluateBlock` once per item, so an iteration with
 * an empty body (which evaluates no node) is still a step. Counting only
 * `evaluate` let `range(100000)` inside `range(100000)` with empty bodies run
 * for hours (issue 57).
 */
function strictInterpreter(
  env: Environment,
  source: string,
  budget: RenderBudget,
): { run(p: Program): Value; evaluate: RuntimeFn } {
  const interpreter = new Interpreter(env);
  const base = Interpreter.prototype as unknown as Methods;
  const own = interpreter as unknown as Methods;
  const call = (name: string, ...args: unknown[]): Value => base[name]!.apply(interpreter, args);
  const baseEvaluate = base['evaluate']!;
  const undefinedAt = (node: Node): never => {
    throw undefinedError(source, node);
  };
  let steps = 0;
  const step = (): void => {
    if (++steps > MAX_STEPS) throw new RenderOverrun(`the template ran over its bound of ${MAX_STEPS} steps`);
    budget.tick();
  };
  const tooLong = (text: string): void => {
    if (text.length > MAX_TEXT_CHARS)
      throw new RenderOverrun(`the template made a text over its bound of ${MAX_TEXT_CHARS} characters`);
  };

  const evaluate = (node: Node, scope: Environment): Value => {
    step();
    const value = baseEvaluate.call(interpreter, node, scope);
    if (value.type === 'StringValue') tooLong(value.value as string);
    return value;
  };
  const blockText = (statements: readonly Node[], scope: Environment): string => {
    step();
    let text = '';
    for (const s of statements) {
      // The template's own text: a step, as evaluating it is, without the value the library would make.
      if (s.type === 'StringLiteral') {
        step();
        text += String(s['value']);
        tooLong(text);
        continue;
      }
      const value = evaluate(s, scope);
      if (value.type === 'UndefinedValue' && !STATEMENT_TYPES.has(s.type)) undefinedAt(s);
      if (value.type !== 'NullValue' && value.type !== 'UndefinedValue') {
        text += value.toString();
        tooLong(text);
      }
    }
    return text;
  };
  own['evaluate'] = evaluate as RuntimeFn;
  own['evaluateBlock'] = ((statements: readonly Node[], scope: Environment) =>
    new runtime.StringValue(blockText(statements, scope))) as RuntimeFn;
  // Undefined results are rare: only then is the object evaluated again, to tell `x.y` of an
  // undefined x (an error) from a missing y (undefined, lenient until used).
  own['evaluateMemberExpression'] = (node, scope) => {
    const value = call('evaluateMemberExpression', node, scope);
    const object = (node as Node)['object'] as Node;
    if (value.type === 'UndefinedValue' && evaluate(object, scope as Environment).type === 'UndefinedValue')
      undefinedAt(object);
    return value;
  };
  const filterName = (f: Node): string =>
    String(f.type === 'CallExpression' ? (f['callee'] as Node)['value'] : f['value']);
  own['evaluateFilterExpression'] = (node, scope) => {
    const { operand, filter } = node as { operand: Node; filter: Node };
    const value = evaluate(operand, scope as Environment);
    const name = filterName(filter);
    if (value.type === 'UndefinedValue' && name !== 'default' && name !== 'd') undefinedAt(operand);
    return own['applyFilter']!(value, filter, scope);
  };
  own['applyFilter'] = (operand, filter, scope) => {
    const f = filter as Node;
    const larsql = LARSQL_FILTERS[filterName(f)];
    if (!larsql) return call('applyFilter', operand, filter, scope);
    const args =
      f.type === 'CallExpression'
        ? (f['args'] as Node[]).map((a) => toPlain(evaluate(a, scope as Environment)))
        : [];
    return toValue(larsql(toPlain(operand as Value), ...args));
  };
  // The library's loop, without its per-iteration cost (jinja-loop.ts).
  const loop = { evaluate, blockText };
  own['evaluateFor'] = (node, scope) => {
    try {
      return evaluateFor(node as Node, scope as Environment, loop);
    } catch (err) {
      // The library's "Expected iterable" names no variable: an undefined one is named here.
      const iterable = (node as Node)['iterable'] as Node;
      if (!passesGuard(err) && evaluate(iterable, scope as Environment).type === 'UndefinedValue')
        undefinedAt(iterable);
      throw err;
    }
  };
  return interpreter as unknown as { run(p: Program): Value; evaluate: RuntimeFn };
}

/** A JavaScript value as the library's runtime value. */
const toValue = (value: unknown): Value => runtimeValue(toJinjaData(value));

/** Filters larsql registers on its Jinja environment (lars/prompts.py). */
const LARSQL_FILTERS: Record<string, (value: unknown, ...args: unknown[]) => unknown> = {
  from_json: (value) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  },
  to_json: (value) => JSON.stringify(value),
  json: (value) => JSON.stringify(value),
  fingerprint: (value, method) => fingerprint(value, method),
};

/**
 * The FORMAT of a string, not its content (larsql's `fingerprint` filter):
 * runs of letters become L, runs of digits D, runs of spaces _, other
 * characters stay; `'with_lengths'` adds each run's length ("D3-D2-D4").
 * larsql's `hybrid` method first tries a library of known formats; here every
 * method but with_lengths gives the normalized form.
 */
export function fingerprint(value: unknown, method?: unknown): string {
  if (value === null || value === undefined) return 'null';
  const withLengths = method === 'with_lengths';
  return String(value).replace(/\p{L}+|\p{N}+|\s+/gu, (run) => {
    const kind = /\p{L}/u.test(run) ? 'L' : /\p{N}/u.test(run) ? 'D' : '_';
    return withLengths && kind !== '_' ? `${kind}${[...run].length}` : kind;
  });
}

interface Block {
  /** The whole block, delimiters included. */
  readonly text: string;
  readonly offset: number;
  readonly kind: '{{' | '{%' | '{#';
}

const CLOSERS = { '{{': '}}', '{%': '%}', '{#': '#}' } as const;

/** The `{{ }}`, `{% %}` and `{# #}` blocks of a template, in order; an unclosed one runs to the end. */
function blocksOf(source: string): Block[] {
  const blocks: Block[] = [];
  const opener = /\{[{%#]/g;
  for (let m = opener.exec(source); m; m = opener.exec(source)) {
    const kind = m[0] as Block['kind'];
    const end = source.indexOf(CLOSERS[kind], m.index + 2);
    const stop = end < 0 ? source.length : end + 2;
    blocks.push({ text: source.slice(m.index, stop), offset: m.index, kind });
    opener.lastIndex = stop;
    if (kind === '{%' && /^\{%-?\s*raw\b/.test(blocks.at(-1)!.text)) {
      const endRaw = /\{%-?\s*endraw\s*-?%\}/g;
      endRaw.lastIndex = stop;
      const closed = endRaw.exec(source);
      opener.lastIndex = closed ? closed.index : source.length;
    }
  }
  return blocks;
}

function lineColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function parses(text: string): string | undefined {
  try {
    parse(tokenize(text, TOKENIZE_OPTIONS));
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Block tags and the tag that ends each. */
const ENDS: Record<string, string> = {
  if: 'endif',
  for: 'endfor',
  macro: 'endmacro',
  call: 'endcall',
  filter: 'endfilter',
  generation: 'endgeneration',
};

/**
 * Finds which block a template's parse error is in, since the library reports
 * none: an unclosed block, an expression that does not parse alone, a tag out
 * of place or never closed. Falls back to the first block with the library's
 * message.
 */
export function locateJinjaError(source: string, message: string): JinjaPosition {
  const at = (b: Block, what: string): JinjaPosition => ({ what, ...lineColumn(source, b.offset) });
  const open: { tag: string; block: Block }[] = [];
  for (const b of blocksOf(source)) {
    if (!b.text.endsWith(CLOSERS[b.kind]))
      return at(b, `"${b.kind}" is never closed with "${CLOSERS[b.kind]}"`);
    if (b.kind === '{#') continue;
    if (b.kind === '{{') {
      const why = parses(b.text);
      if (why) return at(b, why);
      continue;
    }
    const inner = b.text.slice(2, -2).replace(/^-|-$/g, '').trim();
    const tag = /^\w+/.exec(inner)?.[0] ?? '';
    const rest = inner.slice(tag.length).trim();
    const top = open.at(-1);
    if (tag in ENDS) {
      open.push({ tag, block: b });
      const why =
        tag === 'if' ? parses(`{{ ${rest} }}`) : tag === 'for' ? parses(`${b.text}{% endfor %}`) : undefined;
      if (why) return at(b, why);
    } else if (tag === 'set') {
      if (rest.includes('=')) {
        const why = parses(b.text);
        if (why) return at(b, why);
      } else open.push({ tag, block: b });
    } else if (tag === 'elif' || tag === 'else') {
      if (!top || (top.tag !== 'if' && !(tag === 'else' && top.tag === 'for')))
        return at(b, `"${tag}" outside an "if"${tag === 'else' ? ' or "for"' : ''}`);
      const why = tag === 'elif' ? parses(`{{ ${rest} }}`) : undefined;
      if (why) return at(b, why);
    } else if (tag.startsWith('end')) {
      const expected = top && (top.tag === 'set' ? 'endset' : ENDS[top.tag]);
      if (tag !== expected)
        return at(
          b,
          top
            ? `"${tag}" where "${expected}" closes the "${top.tag}" above`
            : `"${tag}" with no block to close`,
        );
      open.pop();
    } else if (!['break', 'continue', 'raw'].includes(tag)) {
      return at(b, `unknown tag "${tag}"`);
    }
  }
  const unclosed = open.at(-1);
  if (unclosed) {
    const end = unclosed.tag === 'set' ? 'endset' : ENDS[unclosed.tag];
    return at(unclosed.block, `"${unclosed.tag}" is never closed with "${end}"`);
  }
  return { what: message, ...firstBlock(source) };
}
