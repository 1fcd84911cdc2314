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
 *
 * This module compiles and renders; jinja-interpreter.ts evaluates (strict,
 * bounded, larsql's filters), jinja-loop.ts runs `for`, jinja-positions.ts
 * places errors in the source, jinja-library.ts is the library itself.
 */

import { passesGuard, STATEMENT_TYPES, strictInterpreter } from './jinja-interpreter.js';
import {
  Environment,
  type Node,
  type Program,
  parse,
  TOKENIZE_OPTIONS,
  toJinjaData,
  tokenize,
  toPlain,
} from './jinja-library.js';
import {
  firstBlock,
  type JinjaPosition,
  JinjaRenderError,
  locateJinjaError,
  undefinedError,
} from './jinja-positions.js';
import { RenderBudget } from './render-bounds.js';

/** larsql's `fingerprint` filter, as a function. */
export { fingerprint } from './jinja-interpreter.js';

export interface JinjaTemplate {
  readonly source: string;
  readonly program: Program;
  /** Set when the template is exactly one `{{ expression }}`: evaluates to data, not text. */
  readonly expression?: Node;
}

const MAX_RANGE = 100_000;

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
