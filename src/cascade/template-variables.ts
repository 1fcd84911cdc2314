/**
 * Template variables nothing can supply, found when a cascade loads (so
 * `rvbbit cascades validate` and every statement that runs the file say so,
 * at its file:line:col): a Liquid template reads only what the run's scope
 * holds (run-session.ts `scope()`):
 * - `input.X`: when the cascade declares `inputs_schema`, X is one of its
 *   names, or one the engine adds (`rows` under BATCH, `data_table` and
 *   `row_count` for RUN, an operator's `sql_function` args and `hint`);
 *   without `inputs_schema` a MAP's columns are unknown until it runs, and a
 *   missing one renders empty with a warning on the run (templates.ts);
 * - `outputs.X`: X is an earlier cell's name;
 * - `state` (what cells keep), and `candidates` in a takes evaluator;
 * - names the template makes itself (`for`, `assign`, `capture`).
 * `if` and `default` do not make an unsuppliable name suppliable: it is a
 * typo there too. liquidjs's static analysis finds a Liquid template's
 * names; of a Jinja template (larsql's) only `input.X` and `outputs.X` are
 * checked here, the rest when it renders (jinja-interpreter.ts).
 */
import { didYouMean, meaning } from '../../grammar/did-you-mean.js';
import type { Cascade } from './cascade-types.js';
import { positionOfName } from './jinja-positions.js';
import type { JinjaTemplate } from './jinja-templates.js';
import { type CompiledTemplate, liquid } from './templates.js';

/** Inputs the engine gives a run besides a MAP row's columns and an operator's args. */
const ENGINE_INPUTS = ['rows', 'data_table', 'row_count'] as const;

export interface UnsuppliedVariable {
  /** 1-based, inside the template. */
  readonly line: number;
  readonly column: number;
  readonly what: string;
}

/** What a template in one place of a cascade may read. */
export interface TemplateReach {
  /** Names `input.X` may take; undefined: any (no `inputs_schema`). */
  readonly inputs?: { readonly declared: readonly string[]; readonly all: readonly string[] };
  /** Names of the cells before this one. */
  readonly earlierCells: readonly string[];
  /** Top-level names besides input, outputs and state (`candidates` in an evaluator). */
  readonly extraRoots?: readonly string[];
}

/** What `input.X` may name in `cascade`'s templates; undefined when it declares no `inputs_schema`. */
export function suppliedInputs(
  cascade: Pick<Cascade, 'inputsSchema' | 'sqlFunction'>,
): TemplateReach['inputs'] {
  const declared = Object.keys(cascade.inputsSchema ?? {});
  if (declared.length === 0) return undefined;
  const fn = cascade.sqlFunction;
  return {
    declared,
    all: [...declared, ...ENGINE_INPUTS, ...(fn ? [...fn.args.map((a) => a.name), 'hint'] : [])],
  };
}

/** The variables of a template that nothing in `reach` supplies, in template order. */
export function unsuppliedVariables(t: CompiledTemplate, reach: TemplateReach): UnsuppliedVariable[] {
  const uses = t.jinja ? jinjaUses(t.jinja) : t.templates.length > 0 ? liquidUses(t) : [];
  const roots = ['input', 'outputs', 'state', ...(reach.extraRoots ?? [])];
  const found: UnsuppliedVariable[] = [];
  for (const { root, path, at } of uses) {
    const second = path[1];
    if (!roots.includes(root)) {
      const shown = path.filter((s) => typeof s !== 'object').join('.');
      found.push({
        ...at,
        what: `undefined variable "${shown}": templates read ${roots.join(', ')}${meaning(didYouMean(root, roots), "'")}`,
      });
    } else if (
      root === 'input' &&
      typeof second === 'string' &&
      reach.inputs &&
      !reach.inputs.all.includes(second)
    ) {
      const meant = didYouMean(second, reach.inputs.all);
      found.push({
        ...at,
        what: `undefined variable "input.${second}": no input supplies it (inputs_schema declares ${reach.inputs.declared.join(', ')})${meaning(meant && `input.${meant}`, "'")}`,
      });
    } else if (root === 'outputs' && typeof second === 'string' && !reach.earlierCells.includes(second)) {
      const cells = reach.earlierCells;
      const meant = didYouMean(second, cells);
      found.push({
        ...at,
        what: `undefined variable "outputs.${second}": no earlier cell is named ${second} (${cells.length > 0 ? `earlier cells: ${cells.join(', ')}` : 'it is the first cell'})${meaning(meant && `outputs.${meant}`, "'")}`,
      });
    }
  }
  return found.sort((a, b) => a.line - b.line || a.column - b.column);
}

interface Use {
  /** The name the path starts with. */
  readonly root: string;
  /** The path's segments, the root first (a computed one is not a string). */
  readonly path: readonly unknown[];
  readonly at: { readonly line: number; readonly column: number };
}

/** Every name a Liquid template reads from its scope (not what it assigns or loops over itself). */
function liquidUses(t: CompiledTemplate): Use[] {
  const { globals } = liquid.analyzeSync([...t.templates], { partials: false });
  return Object.entries(globals).flatMap(([root, vs]) =>
    vs.map((v) => ({ root, path: v.toArray(), at: { line: v.location.row, column: v.location.col } })),
  );
}

type JinjaNode = { readonly type?: unknown; readonly [key: string]: unknown };

/**
 * The `input.X` and `outputs.X` paths of a Jinja template (its own names, from
 * `set`, `for` and macros, need scopes the check does not model: only these
 * two roots, which a template does not rebind, are checked).
 */
function jinjaUses(t: JinjaTemplate): Use[] {
  const found: Use[] = [];
  const seen = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const n = node as JinjaNode;
    if (n.type === 'MemberExpression' && !n['computed']) {
      const object = n['object'] as JinjaNode;
      const property = n['property'] as JinjaNode;
      const root = object?.type === 'Identifier' ? String(object['value']) : undefined;
      if ((root === 'input' || root === 'outputs') && property?.type === 'Identifier') {
        const name = String(property['value']);
        const path = `${root}.${name}`;
        if (!seen.has(path)) {
          seen.add(path);
          const { line, column } = positionOfName(t.source, path);
          found.push({ root, path: [root, name], at: { line, column } });
        }
      }
    }
    for (const [key, value] of Object.entries(n)) if (key !== 'type') visit(value);
  };
  visit(t.program.body);
  return found;
}
