/**
 * Everything a run needs that is not plain data: parsed templates and compiled
 * output validators, made once per loaded cascade and kept beside it.
 */
import { CascadeErrorCode, type CascadeProblem } from './cascade-error.js';
import type { Cascade, Cell } from './cascade-types.js';
import { findEnumTemplates, TemplatedSchema, withEnums } from './enum-template.js';
import { compileOutputSchema, type OutputValidator } from './output-validator.js';
import { suppliedInputs, type TemplateReach, unsuppliedVariables } from './template-variables.js';
import { type CompiledTemplate, compileTemplate, TemplateSyntaxError } from './templates.js';
import { type FieldPath, formatPath, type Position, type YamlSource } from './yaml-source.js';

/** Tool inputs with every string parsed as a template. */
export type InputTree =
  | { readonly kind: 'template'; readonly template: CompiledTemplate }
  | { readonly kind: 'list'; readonly items: readonly InputTree[] }
  | { readonly kind: 'map'; readonly entries: readonly (readonly [string, InputTree])[] }
  | { readonly kind: 'value'; readonly value: unknown };

export interface CompiledCell {
  readonly instructions?: CompiledTemplate;
  readonly evaluator?: CompiledTemplate;
  readonly inputs?: InputTree;
  readonly validate?: OutputValidator;
  /** An output_schema with templates (an `enum`, a subschema): its schema and validator are made per run (enum-template.ts). */
  readonly templated?: TemplatedSchema;
  /** Where the instructions start in the file (set when compiled from the file). */
  readonly instructionsAt?: TemplateOrigin;
}

export interface CompiledCascade {
  readonly cells: readonly CompiledCell[];
}

const compiledByCascade = new WeakMap<Cascade, CompiledCascade>();

export function attachCompiled(cascade: Cascade, compiled: CompiledCascade): void {
  compiledByCascade.set(cascade, compiled);
}

/** The compiled side of a cascade returned by loadCascade (a hand-built object is compiled on demand). */
export function compiledOf(cascade: Cascade): CompiledCascade {
  let compiled = compiledByCascade.get(cascade);
  if (!compiled) {
    const problems: CascadeProblem[] = [];
    compiled = compileCascade(cascade, undefined, '', problems);
    if (problems.length > 0) throw new Error(problems[0]!.what);
    compiledByCascade.set(cascade, compiled);
  }
  return compiled;
}

export function compileCascade(
  cascade: Pick<Cascade, 'cells' | 'templateEngine'> & Partial<Pick<Cascade, 'inputsSchema' | 'sqlFunction'>>,
  source: YamlSource | undefined,
  cellsKey: string,
  problems: CascadeProblem[],
  text = '',
  file = '',
): CompiledCascade {
  const inputs = suppliedInputs({
    inputsSchema: cascade.inputsSchema ?? {},
    sqlFunction: cascade.sqlFunction,
  });
  let reach: TemplateReach = { inputs, earlierCells: [] };
  const template = (
    path: FieldPath,
    src: string,
    extraRoots?: readonly string[],
  ): CompiledTemplate | undefined => {
    let compiled: CompiledTemplate;
    try {
      compiled = compileTemplate(src, cascade.templateEngine);
    } catch (err) {
      if (!(err instanceof TemplateSyntaxError)) throw err;
      const at = source ? templatePosition(source, text, path, err) : { line: 1, column: 1 };
      problems.push({ code: CascadeErrorCode.Template, file, ...at, path: formatPath(path), what: err.what });
      return undefined;
    }
    // A file's templates are checked for names nothing supplies (a hand-built cascade's are not).
    if (source) {
      for (const v of unsuppliedVariables(compiled, { ...reach, extraRoots })) {
        const at = templatePosition(source, text, path, v);
        problems.push({ code: CascadeErrorCode.Template, file, ...at, path: formatPath(path), what: v.what });
      }
    }
    return compiled;
  };
  const cells = cascade.cells.map((cell: Cell): CompiledCell => {
    reach = { inputs, earlierCells: cascade.cells.slice(0, cell.index).map((c) => c.name) };
    const at: FieldPath = [cellsKey, cell.index];
    if (cell.kind === 'tool') return { inputs: inputTree(cell.inputs, [...at, 'inputs'], template) };
    let validate: OutputValidator | undefined;
    let templated: TemplatedSchema | undefined;
    if (cell.outputSchema) {
      const found = findEnumTemplates(cell.outputSchema);
      try {
        // With enum templates, the schema is checked with a stand-in list; the real one is made per run.
        const sample = withEnums(
          cell.outputSchema,
          found.map((e) =>
            e.kind === 'enum'
              ? { path: e.path, kind: 'enum' as const, values: ['x'] }
              : { path: e.path, kind: 'schema' as const, schema: {} },
          ),
        );
        validate = compileOutputSchema(sample);
        if (found.length > 0) {
          const enums = found.flatMap((e) => {
            const where =
              e.kind === 'enum'
                ? [...at, 'output_schema', ...e.path, 'enum']
                : [...at, 'output_schema', ...e.path];
            const t = template(where, e.source);
            return t ? [{ path: e.path, template: t, kind: e.kind }] : [];
          });
          templated = new TemplatedSchema(cell.outputSchema, enums);
          validate = undefined;
        }
      } catch (err) {
        const path = [...at, 'output_schema'];
        const pos = source?.positionOf(path) ?? { line: 1, column: 1 };
        const what = `not a valid JSON Schema: ${(err as Error).message}`;
        problems.push({ code: CascadeErrorCode.OutputSchema, file, ...pos, path: formatPath(path), what });
      }
    }
    const takesKey = source ? takesKeyOf(source, at) : 'takes';
    const instructionsAt = source && templateOrigin(source, text, [...at, 'instructions']);
    return {
      ...(instructionsAt ? { instructionsAt } : {}),
      instructions: template([...at, 'instructions'], cell.instructions),
      ...(cell.takes?.evaluatorInstructions !== undefined
        ? {
            evaluator: template(
              [...at, takesKey, 'evaluator_instructions'],
              cell.takes.evaluatorInstructions,
              ['candidates'],
            ),
          }
        : {}),
      ...(validate ? { validate } : {}),
      ...(templated ? { templated } : {}),
    };
  });
  return { cells };
}

function takesKeyOf(source: YamlSource, at: FieldPath): string {
  const cell = source.value as Record<string, unknown[]> | undefined;
  const raw = cell?.[at[0] as string]?.[at[1] as number] as Record<string, unknown> | undefined;
  return ['takes', 'soundings', 'candidates'].find((k) => raw && k in raw) ?? 'takes';
}

function inputTree(
  value: unknown,
  path: FieldPath,
  template: (path: FieldPath, src: string) => CompiledTemplate | undefined,
): InputTree {
  if (typeof value === 'string') {
    const t = template(path, value);
    return t ? { kind: 'template', template: t } : { kind: 'value', value };
  }
  if (Array.isArray(value))
    return { kind: 'list', items: value.map((v, i) => inputTree(v, [...path, i], template)) };
  if (value !== null && typeof value === 'object') {
    return {
      kind: 'map',
      entries: Object.entries(value).map(([k, v]) => [k, inputTree(v, [...path, k], template)] as const),
    };
  }
  return { kind: 'value', value };
}

/**
 * Where a template string starts in its file: enough to place a line:column
 * inside the template in the file, exactly for block and one-line scalars.
 * Kept on the cell (plain data) so a render error in a worker names the file.
 */
export interface TemplateOrigin {
  /** Block scalar: the line of its `|` or `>`; flow scalar: its first line. */
  readonly line: number;
  /** Block scalar: the content's indent; flow scalar: the column of its first character. */
  readonly column: number;
  readonly block: boolean;
}

function templateOrigin(source: YamlSource, text: string, path: FieldPath): TemplateOrigin | undefined {
  const scalar = source.scalarAt(path);
  if (!scalar?.range) return undefined;
  const start = source.linePos(scalar.range[0]);
  if (scalar.type === 'BLOCK_LITERAL' || scalar.type === 'BLOCK_FOLDED') {
    const lines = text.split(/\r?\n/);
    let indent = 0;
    for (let i = start.line; i < lines.length; i++) {
      const l = lines[i]!;
      if (l.trim() !== '') {
        indent = l.length - l.trimStart().length;
        break;
      }
    }
    return { line: start.line, column: indent, block: true };
  }
  const quote = scalar.type === 'QUOTE_DOUBLE' || scalar.type === 'QUOTE_SINGLE' ? 1 : 0;
  return { line: start.line, column: start.column + quote, block: false };
}

/** A line:column inside a template (1-based), in its file. */
export function placeInFile(origin: TemplateOrigin, line: number, column: number): Position {
  if (origin.block) return { line: origin.line + line, column: origin.column + column };
  if (line === 1) return { line: origin.line, column: origin.column + column - 1 };
  return { line: origin.line + line - 1, column };
}

function templatePosition(
  source: YamlSource,
  text: string,
  path: FieldPath,
  err: { readonly line: number; readonly column: number },
): Position {
  const origin = templateOrigin(source, text, path);
  return origin ? placeInFile(origin, err.line, err.column) : source.positionOf(path);
}
