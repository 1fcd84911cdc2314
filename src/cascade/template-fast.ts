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
type Piece = string | { readonly keys: readonly Key[]; readonly filters: readonly Filter[] };

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
    if (!(t instanceof Output)) return undefined;
    const value = (t as unknown as { value: Value }).value;
    const postfix = value.initial.postfix;
    const only = postfix[0];
    if (postfix.length !== 1 || !only || !TypeGuards.isPropertyAccessToken(only) || only.variable)
      return undefined;
    const keys: Key[] = [];
    for (const p of only.props) {
      if (TypeGuards.isWordToken(p) || TypeGuards.isQuotedToken(p)) keys.push(p.content);
      else if (TypeGuards.isNumberToken(p)) keys.push(p.content);
      else return undefined;
    }
    pieces.push({ keys, filters: value.filters });
  }
  return pieces;
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
    let v: unknown = scope;
    for (const k of piece.keys) {
      // Own properties of plain objects, and array indexes; liquidjs's special
      // properties (size, first, last, negative indexes) take the slow path.
      if (v === null || typeof v !== 'object' || (Array.isArray(v) && typeof k !== 'number'))
        return undefined;
      if (!Object.hasOwn(v, k)) return undefined;
      v = (v as Record<Key, unknown>)[k];
    }
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
