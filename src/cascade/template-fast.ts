/**
 * A fast path for the common template: text and `{{ a.b.c | filters }}`
 * outputs over plain JSON inputs. liquidjs renders through generators and
 * allocates about 5 KB per render; a MAP renders once per row, thousands of
 * times a second, and that was the largest allocation of a cascade run.
 *
 * The fast path reads the variable itself and runs liquidjs's own Filter
 * objects, so filters behave exactly as in liquidjs. Anything it is not sure
 * of (a missing or inherited property, `size`/`first`/`last`, a filter that
 * throws) answers `undefined`, and the caller renders with liquidjs, which
 * also reports missing variables.
 */
import {
  Context,
  type Filter,
  type Liquid,
  Output,
  type Template,
  TypeGuards,
  toValueSync,
  type Value,
} from 'liquidjs';

type Key = string | number;
/**
 * `{% if a.b != "x" %}…{% else %}…{% endif %}`: one comparison of a variable
 * with a string literal (the shipped operators' `input.hint != ""`).
 */
interface IfPiece {
  readonly keys: readonly Key[];
  readonly equal: boolean;
  readonly literal: string;
  readonly then: FastTemplate;
  readonly otherwise: FastTemplate;
}
type Piece =
  | string
  | { readonly keys: readonly Key[]; readonly filters: readonly Filter[] }
  | { readonly when: IfPiece };

export type FastTemplate = readonly Piece[];

/** The pieces of a template the fast path can render, or undefined if any piece is beyond it. */
export function fastTemplate(templates: readonly Template[]): FastTemplate | undefined {
  const pieces: Piece[] = [];
  for (const t of templates) {
    const str = (t as unknown as { str?: unknown }).str;
    if (typeof str === 'string' && !(t instanceof Output)) {
      pieces.push(str);
      continue;
    }
    if (!(t instanceof Output)) {
      const when = fastIf(t);
      if (!when) return undefined;
      pieces.push({ when });
      continue;
    }
    const value = (t as unknown as { value: Value }).value;
    const postfix = value.initial.postfix;
    const only = postfix[0];
    if (postfix.length !== 1 || !only || !TypeGuards.isPropertyAccessToken(only) || only.variable)
      return undefined;
    const keys = keysOf(only);
    if (!keys) return undefined;
    pieces.push({ keys, filters: value.filters });
  }
  return pieces;
}

/** An `if` tag the fast path can decide: one branch (and an else), `variable ==|!= "literal"`, no filters. */
function fastIf(t: Template): IfPiece | undefined {
  const tag = t as unknown as {
    name?: unknown;
    branches?: { value: Value; templates: Template[] }[];
    elseTemplates?: Template[];
  };
  if (tag.name !== 'if' || tag.branches?.length !== 1) return undefined;
  const { value, templates } = tag.branches[0]!;
  if (value.filters.length > 0) return undefined;
  const [variable, literal, op] = value.initial.postfix;
  if (value.initial.postfix.length !== 3 || !variable || !literal || !op) return undefined;
  if (!TypeGuards.isPropertyAccessToken(variable) || variable.variable) return undefined;
  if (!TypeGuards.isQuotedToken(literal) || !TypeGuards.isOperatorToken(op)) return undefined;
  if (op.operator !== '==' && op.operator !== '!=') return undefined;
  const keys = keysOf(variable);
  const then = fastTemplate(templates);
  const otherwise = fastTemplate(tag.elseTemplates ?? []);
  if (!keys || !then || !otherwise) return undefined;
  return { keys, equal: op.operator === '==', literal: literal.content, then, otherwise };
}

function keysOf(token: { props: readonly unknown[] }): Key[] | undefined {
  const keys: Key[] = [];
  for (const p of token.props as Parameters<typeof TypeGuards.isWordToken>[0][]) {
    if (TypeGuards.isWordToken(p) || TypeGuards.isQuotedToken(p)) keys.push(p.content);
    else if (TypeGuards.isNumberToken(p)) keys.push(p.content);
    else return undefined;
  }
  return keys;
}

/** Reads `keys` from the scope: own properties of plain objects and array indexes, else undefined (slow path). */
function lookup(scope: Readonly<Record<string, unknown>>, keys: readonly Key[]): unknown {
  let v: unknown = scope;
  for (const k of keys) {
    // liquidjs's special properties (size, first, last, negative indexes) take the slow path.
    if (v === null || typeof v !== 'object' || (Array.isArray(v) && typeof k !== 'number')) return undefined;
    if (!Object.hasOwn(v, k)) return undefined;
    v = (v as Record<Key, unknown>)[k];
  }
  return v;
}

/** Renders, or undefined when liquidjs must (the result would otherwise be the same). */
export function renderFast(
  pieces: FastTemplate,
  scope: Readonly<Record<string, unknown>>,
  liquid: Liquid,
): string | undefined {
  let out = '';
  let ctx: Context | undefined;
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      out += piece;
      continue;
    }
    if ('when' in piece) {
      const w = piece.when;
      const v = lookup(scope, w.keys);
      // Only a string compares as plainly as ===; anything else is liquidjs's to decide.
      if (typeof v !== 'string') return undefined;
      const branch = (v === w.literal) === w.equal ? w.then : w.otherwise;
      const inner = renderFast(branch, scope, liquid);
      if (inner === undefined) return undefined;
      out += inner;
      continue;
    }
    let v = lookup(scope, piece.keys);
    if (v === undefined) return undefined;
    try {
      for (const f of piece.filters) {
        ctx ??= new Context(scope, liquid.options, { sync: true }, { liquid });
        v = toValueSync(f.render(v, ctx));
      }
    } catch {
      return undefined;
    }
    out += v === null || v === undefined ? '' : Array.isArray(v) ? v.join('') : String(v);
  }
  return out;
}
