/**
 * Cascade templates, parsed once (at load) and rendered many times. Liquid is
 * rvbbit's own: sandboxed (no file system, no includes, no environment, own
 * properties only), unknown filters are parse errors, and a missing variable
 * renders empty and is reported through `warn`. Jinja is larsql's (see
 * jinja-templates.ts; a missing variable is an error). Which one a cascade uses
 * is its `template_engine` (template-engine.ts).
 */
import { Context, Liquid, Output, Tag, type Template, toValueSync, Value } from 'liquidjs';
import {
  compileJinja,
  evaluateJinja,
  JinjaSyntaxError,
  type JinjaTemplate,
  renderJinja,
} from './jinja-templates.js';
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
  renderLimit: 2_000,
  memoryLimit: 64_000_000,
  cache: false,
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
  ) {
    super(scope, liquid.options, { sync: true }, { liquid });
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

function withMissingReported<T>(
  scope: TemplateScope,
  warn: Warn,
  run: (ctx: Context) => T,
  at?: readonly [number, number],
): T {
  const reported = new Set<string>();
  for (;;) {
    try {
      return run(new WarningContext(scope, reported));
    } catch (err) {
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

/** Renders to text. Throws only for render failures (a filter error, a render limit). */
export function renderTemplate(t: CompiledTemplate, scope: TemplateScope, warn: Warn): string {
  if (t.jinja) return renderJinja(t.jinja, scope);
  const quick = t.fast ? renderFast(t.fast, scope, liquid) : undefined;
  if (quick !== undefined) return quick;
  return withMissingReported(scope, warn, (ctx) => String(liquid.renderSync(t.templates as Template[], ctx)));
}

/**
 * Like renderTemplate, but a template that is exactly one `{{ expression }}`
 * gives the expression's value with its type (a list stays a list).
 */
export function evaluateTemplate(t: CompiledTemplate, scope: TemplateScope, warn: Warn): unknown {
  if (t.jinja) return evaluateJinja(t.jinja, scope);
  const expression = t.expression;
  if (!expression) return renderTemplate(t, scope, warn);
  const value = withMissingReported(
    scope,
    warn,
    (ctx) => toValueSync(expression.value(ctx, false)),
    t.expressionAt,
  );
  return value === undefined ? null : value;
}
