/**
 * Cascade templates, parsed once (at load) and rendered many times. Liquid is
 * rvbbit's own: sandboxed (no file system, no includes, no environment, own
 * properties only), unknown filters are parse errors, and a missing variable
 * renders empty and is reported through `warn`. Jinja is larsql's (see
 * jinja-templates.ts; a missing variable is an error). Which one a cascade uses
 * is its `template_engine` (template-engine.ts).
 *
 * Every render but the fast path's (which has no loops) runs under
 * render-bounds.ts: a time bound, its statement's stop poll, and no second
 * chance for a template that keeps overrunning in one statement. Pass the
 * statement's signal (RunContext.signal: the one a stop poll is registered
 * on, not a run's own deadline signal).
 */
import { Context, Liquid, Output, Tag, type Template, toValueSync, Value } from 'liquidjs';
import {
  compileJinja,
  evaluateJinja,
  JinjaSyntaxError,
  type JinjaTemplate,
  renderJinja,
} from './jinja-templates.js';
import {
  boundedRender,
  RENDER_MS,
  type RenderBudget,
  RenderOverrun,
  RenderStopped,
} from './render-bounds.js';
import { type FastTemplate, fastTemplate, renderFast } from './template-fast.js';

/** Where a template failed to parse, inside the template (1-based). */
export class TemplateSyntaxError extends Error {
  constructor(
    readonly what: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(what);
    this.name = 'TemplateSyntaxError';
  }
}

export type TemplateEngine = 'liquid' | 'jinja';

export interface CompiledTemplate {
  readonly source: string;
  readonly engine: TemplateEngine;
  /** Liquid's parse (empty for Jinja). */
  readonly templates: readonly Template[];
  /** Jinja's parse. */
  readonly jinja?: JinjaTemplate;
  /** Set when the whole template is one `{{ expression }}`: evaluates to data, not text. */
  readonly expression?: Value;
  /** Where that expression's `{{` is, for warnings. */
  readonly expressionAt?: readonly [number, number];
  /** Set when the template is text and plain variable outputs (see template-fast.ts). */
  readonly fast?: FastTemplate;
}

export type TemplateScope = Readonly<Record<string, unknown>>;

const REFUSED_TAGS = ['include', 'render', 'layout', 'block'] as const;
const MAX_TEMPLATE_CHARS = 1_000_000;
/** liquidjs's memoryLimit: characters of text and items of lists a render may make. */
const MAX_MEMORY = 64_000_000;
/**
 * What one operation may make (a range, a filter's text): a range is built in
 * one step no clock can interrupt, ~0.5 s for 16 M items, 5.7 s for 60 M.
 */
const MAX_MEMORY_AT_ONCE = 16_000_000;

/** A file system that refuses everything, in case a tag ever asks. */
const noFs = {
  sep: '/',
  exists: async () => false,
  existsSync: () => false,
  readFile: async (file: string): Promise<string> => {
    throw new Error(`file access is not allowed in cascade templates (${file})`);
  },
  readFileSync: (file: string): string => {
    throw new Error(`file access is not allowed in cascade templates (${file})`);
  },
  resolve: (_dir: string, file: string) => file,
  contains: async () => false,
  containsSync: () => false,
  dirname: () => '',
};

function toJson(value: unknown, space?: unknown): string {
  const text = JSON.stringify(
    value,
    (_k, v: unknown) =>
      typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : String(v)) : v,
    typeof space === 'number' ? space : undefined,
  );
  return text ?? 'null';
}

/** The sandboxed liquidjs instance every cascade template renders with. */
export const liquid = new Liquid({
  fs: noFs,
  templates: {},
  relativeReference: false,
  dynamicPartials: false,
  ownPropertyOnly: true,
  strictFilters: true,
  strictVariables: true,
  lenientIf: true,
  parseLimit: MAX_TEMPLATE_CHARS,
  // A render's own contexts carry render-bounds.ts's limiters (boundedLimits); these are for any other.
  renderLimit: RENDER_MS,
  memoryLimit: MAX_MEMORY,
  cache: false,
  // The date filter's names in one language on every host, so a prompt (and its cache key) does
  // not depend on the machine's locale; stated, liquidjs also skips asking Intl for the host's,
  // which was 12–44 ms of CPU at every thread's start (issue 56).
  locale: 'en-US',
  // Objects and lists print as JSON rather than "[object Object]".
  outputEscape: (v: unknown): string => (v !== null && typeof v === 'object' ? toJson(v) : (v as string)),
});
for (const name of REFUSED_TAGS) {
  liquid.registerTag(
    name,
    class extends Tag {
      constructor(...args: ConstructorParameters<typeof Tag>) {
        super(...args);
        throw new Error(`the "${name}" tag is not allowed in cascade templates`);
      }
      *render(): Generator<unknown, void, unknown> {}
    },
  );
}
liquid.registerFilter('json', toJson);
liquid.registerFilter('tojson', toJson);

const UNDEFINED_VARIABLE = 'InternalUndefinedVariableError';

/**
 * Reports missing variables by throwing liquidjs's own "undefined" signal, so
 * `default` and `if` stay lenient, unless the path was already reported: then it
 * renders empty. Rendering repeats once per distinct missing path.
 */
class WarningContext extends Context {
  constructor(
    scope: TemplateScope,
    private readonly reported: ReadonlySet<string>,
    budget: RenderBudget,
  ) {
    super(scope, liquid.options, { sync: true }, { liquid, ...boundedLimits(budget) });
  }

  override *_getFromScope(
    scope: unknown,
    paths: Parameters<Context['_getFromScope']>[1],
    strict = this.strictVariables,
  ): IterableIterator<unknown> {
    const value = yield* super._getFromScope(scope, paths, false);
    if (value === undefined && strict) {
      const path = typeof paths === 'string' ? paths : paths.map(String).join('.');
      if (!this.reported.has(path)) {
        const signal = new Error(path);
        signal.name = UNDEFINED_VARIABLE;
        throw signal;
      }
    }
    return value;
  }
}

/** liquidjs's Limiter as Context takes it (the class is not exported: `use` and `check` are all it has). */
type LiquidLimiter = Context['renderLimit'];

/**
 * liquidjs's two limiters, made of render-bounds.ts's: liquidjs calls its render
 * limiter's `check` before every template piece and at the start of every
 * loop iteration's body (empty or not), which is this render's step; its
 * memory limiter's `use` counts the characters and list items it makes.
 * Both throw RenderOverrun, which names its bound.
 */
function boundedLimits(budget: RenderBudget): { renderLimit: LiquidLimiter; memoryLimit: LiquidLimiter } {
  let used = 0;
  // liquidjs passes performance.now() to `check`.
  const renderLimit = { use: () => undefined, check: (now: number) => budget.tickAt(now) };
  const memoryLimit = {
    use: (count: number) => {
      if (!(+count > 0)) return;
      if (+count > MAX_MEMORY_AT_ONCE)
        throw new RenderOverrun(
          `the template ran over its bound of ${MAX_MEMORY_AT_ONCE} characters or list items made at once (${count})`,
        );
      used += +count;
      if (used > MAX_MEMORY)
        throw new RenderOverrun(
          `the template ran over its bound of ${MAX_MEMORY} characters and list items made`,
        );
    },
    check: () => undefined,
  };
  return {
    renderLimit: renderLimit as unknown as LiquidLimiter,
    memoryLimit: memoryLimit as unknown as LiquidLimiter,
  };
}

/** A bound's error, out of the RenderErrors liquidjs wraps it in (one per template level); undefined if none. */
function boundError(err: unknown): Error | undefined {
  for (let e = err; e instanceof Error; e = (e as Error & { originalError?: unknown }).originalError) {
    if (e instanceof RenderOverrun || e instanceof RenderStopped) return e;
  }
  return undefined;
}

const POSITION_SUFFIX = /, line:\d+, col:\d+$/;
const compiledBySource = new Map<string, CompiledTemplate>();
const MAX_CACHED = 4096;

/** Parses once; throws TemplateSyntaxError with the position inside the template. */
export function compileTemplate(source: string, engine: TemplateEngine = 'liquid'): CompiledTemplate {
  const key = `${engine}:${source}`;
  const cached = compiledBySource.get(key);
  if (cached) return cached;
  const compiled = engine === 'jinja' ? compileJinjaTemplate(source) : compileLiquid(source);
  if (compiledBySource.size >= MAX_CACHED) compiledBySource.delete(compiledBySource.keys().next().value!);
  compiledBySource.set(key, compiled);
  return compiled;
}

function compileJinjaTemplate(source: string): CompiledTemplate {
  try {
    return Object.freeze({ source, engine: 'jinja', templates: [], jinja: compileJinja(source) });
  } catch (err) {
    if (!(err instanceof JinjaSyntaxError)) throw err;
    throw new TemplateSyntaxError(err.at.what, err.at.line, err.at.column);
  }
}

function compileLiquid(source: string): CompiledTemplate {
  let templates: Template[];
  try {
    templates = liquid.parse(source);
  } catch (err) {
    const e = err as Error & { token?: { getPosition(): [number, number] } };
    const [line, column] = e.token?.getPosition() ?? [1, 1];
    throw new TemplateSyntaxError(e.message.replace(POSITION_SUFFIX, ''), line, column);
  }
  const meaningful = templates.filter((t) => !/^\s*$/.test(htmlText(t) ?? 'x'));
  let expression: Value | undefined;
  let expressionAt: [number, number] | undefined;
  const only = meaningful[0];
  if (meaningful.length === 1 && only instanceof Output) {
    const content = (only.token as { content?: string }).content;
    if (content !== undefined) {
      expression = new Value(content, liquid);
      expressionAt = only.token.getPosition() as [number, number];
    }
  }
  const fast = fastTemplate(templates);
  return Object.freeze({ source, engine: 'liquid', templates, expression, expressionAt, fast });
}

/** The text of a plain-text template piece; undefined for tags and outputs. */
function htmlText(t: Template): string | undefined {
  const str = (t as unknown as { str?: unknown }).str;
  return typeof str === 'string' ? str : undefined;
}

type Warn = (what: string) => void;

/**
 * Renders with liquidjs, again for each newly missing variable; one budget
 * (time, stop poll) for all the attempts, a fresh memory bound for each.
 */
function withMissingReported<T>(
  scope: TemplateScope,
  warn: Warn,
  budget: RenderBudget,
  run: (ctx: Context) => T,
  at?: readonly [number, number],
): T {
  const reported = new Set<string>();
  for (;;) {
    try {
      return run(new WarningContext(scope, reported, budget));
    } catch (err) {
      const bound = boundError(err);
      if (bound) throw bound;
      const e = err as Error & { token?: { getPosition(): [number, number] }; originalError?: Error };
      if (e.name !== 'UndefinedVariableError' || !e.originalError) throw err;
      const path = e.originalError.message;
      if (reported.has(path)) throw err;
      reported.add(path);
      const [line, column] = at ?? e.token?.getPosition() ?? [1, 1];
      warn(`missing variable "${path}" at line ${line}, column ${column} (rendered empty)`);
    }
  }
}

/**
 * Renders to text. Throws only for render failures: a filter error,
 * RenderOverrun past a bound (render-bounds.ts), RenderStopped once the
 * statement of `signal` is stopped.
 */
export function renderTemplate(
  t: CompiledTemplate,
  scope: TemplateScope,
  warn: Warn,
  signal?: AbortSignal,
): string {
  const { jinja } = t;
  if (jinja) return boundedRender(signal, t, (budget) => renderJinja(jinja, scope, budget));
  const quick = t.fast ? renderFast(t.fast, scope, liquid) : undefined;
  if (quick !== undefined) return quick;
  return boundedRender(signal, t, (budget) =>
    withMissingReported(scope, warn, budget, (ctx) =>
      String(liquid.renderSync(t.templates as Template[], ctx)),
    ),
  );
}

/**
 * Like renderTemplate, but a template that is exactly one `{{ expression }}`
 * gives the expression's value with its type (a list stays a list).
 */
export function evaluateTemplate(
  t: CompiledTemplate,
  scope: TemplateScope,
  warn: Warn,
  signal?: AbortSignal,
): unknown {
  const { jinja } = t;
  if (jinja) return boundedRender(signal, t, (budget) => evaluateJinja(jinja, scope, budget));
  const expression = t.expression;
  if (!expression) return renderTemplate(t, scope, warn, signal);
  const value = boundedRender(signal, t, (budget) =>
    withMissingReported(
      scope,
      warn,
      budget,
      (ctx) => toValueSync(expression.value(ctx, false)),
      t.expressionAt,
    ),
  );
  return value === undefined ? null : value;
}
