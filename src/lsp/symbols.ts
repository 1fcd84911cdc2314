/**
 * What is under the cursor, for hover and go-to-definition: a cascade path in
 * MAP/RUN, a semantic operator word of the catalog, a function called by
 * name (LLM_SUMMARIZE, a cascade's function or its call forms), a WITH key,
 * or the key of a `-- @ key:` annotation.
 */
import type { SemanticFunction } from '../plan/operator-catalog.js';
import type { LspContext } from './lsp-context.js';
import { cascadePathAt, wordAt } from './text-spans.js';

export type SymbolAt =
  | { kind: 'cascade'; ref: string; file: string | undefined; start: number; end: number }
  | {
      kind: 'operator';
      /** An infix word (`MEANS`, `~`) or a function name (`LLM_SUMMARIZE`). */
      word: string;
      infix: boolean;
      optionalWord: string | undefined;
      functionName: string;
      returns: string;
      /** The cascade behind it (none for SIMILAR_TO, EMBED…). */
      fn: SemanticFunction | undefined;
      start: number;
      end: number;
    }
  | { kind: 'with_key' | 'annotation_key'; key: string; start: number; end: number };

export function symbolAt(ctx: LspContext, text: string, offset: number): SymbolAt | undefined {
  const path = cascadePathAt(text, offset);
  if (path) return { kind: 'cascade', ...path, file: ctx.resolveCascade(path.ref) };
  const tilde = text[offset] === '~' ? offset : text[offset - 1] === '~' ? offset - 1 : -1;
  const w = tilde >= 0 ? { word: '~', start: tilde, end: tilde + 1 } : wordAt(text, offset);
  if (!w) return undefined;
  const lineStart = text.lastIndexOf('\n', w.start - 1) + 1;
  if (
    /^\s*--[ \t]*@[ \t]*$/.test(text.slice(lineStart, w.start)) &&
    /^[ \t]*:/.test(text.slice(w.end, w.end + 40))
  ) {
    return { kind: 'annotation_key', key: w.word.toLowerCase(), start: w.start, end: w.end };
  }
  const up = w.word.toUpperCase();
  const def = ctx.grammar.operators.find((o) => o.word === up);
  // A call by name: LLM_SUMMARIZE, or a cascade's function by its name, alias or call form (CLEAN, TIDY).
  const agg = def ? undefined : ctx.grammar.calls.get(up);
  const called = def ?? (agg && { word: agg.name, functionName: agg.functionName, returns: agg.returns });
  if (called) {
    return {
      kind: 'operator',
      word: called.word,
      infix: def !== undefined,
      optionalWord: def?.optionalWord,
      functionName: called.functionName,
      returns: called.returns,
      fn: ctx.catalog?.catalog.functions.get(called.functionName),
      start: w.start,
      end: w.end,
    };
  }
  if (
    /^\s*=/.test(text.slice(w.end, w.end + 40)) &&
    /\bWITH\s*\(/i.test(text.slice(Math.max(0, w.start - 2000), w.start))
  ) {
    return { kind: 'with_key', key: w.word.toLowerCase(), start: w.start, end: w.end };
  }
  return undefined;
}
