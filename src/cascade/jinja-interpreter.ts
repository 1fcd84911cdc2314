/**
 * How a Jinja template evaluates: @huggingface/jinja's interpreter made strict
 * (an undefined value is an error where Jinja2's StrictUndefined raises),
 * bounded (steps, time, text size, its statement's stop: render-bounds.ts),
 * with larsql's filters, and with its `for` run by jinja-loop.ts.
 */
import {
  type Environment,
  Interpreter,
  type Node,
  type Program,
  runtime,
  runtimeValue,
  toJinjaData,
  toPlain,
  type Value,
} from './jinja-library.js';
import { evaluateFor } from './jinja-loop.js';
import { JinjaRenderError, undefinedError } from './jinja-positions.js';
import { type RenderBudget, RenderOverrun, RenderStopped } from './render-bounds.js';

const MAX_STEPS = 2_000_000;
const MAX_TEXT_CHARS = 16_000_000;

/** Statements: what they evaluate to is no value of the template's (an undefined one is no error). */
export const STATEMENT_TYPES = new Set([
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

/** Bound errors pass as they are: they belong to the whole render, not to a place in the template. */
export const passesGuard = (err: unknown): boolean =>
  err instanceof JinjaRenderError || err instanceof RenderOverrun || err instanceof RenderStopped;

type RuntimeFn = (...args: unknown[]) => Value;
type Methods = Record<string, RuntimeFn>;

/**
 * The library's interpreter with undefined values made errors where Jinja2's
 * StrictUndefined raises (printing, attribute reads, filters, loops), larsql's
 * filters, and a step, time and size budget. The evaluation methods are
 * private in the typings and call each other through `this`, so the instance
 * gets its own versions that wrap the prototype's.
 *
 * A step is one node evaluated and one block: `for` (jinja-loop.ts) runs its
 * body as a block once per item, so an iteration with an empty body (which
 * evaluates no node) is still a step. Counting only
 * `evaluate` let `range(100000)` inside `range(100000)` with empty bodies run
 * for hours (issue 57).
 */
export function strictInterpreter(
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
  const loop = { evaluate, blockText, checkText: tooLong };
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
