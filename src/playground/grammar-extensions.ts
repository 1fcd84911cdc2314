/**
 * CodeMirror extensions driven by rvbbit/grammar alone: highlighting from
 * tokens(), diagnostics from parse() (one per error, with its code), and
 * completions from complete(). No CodeMirror language package: the grammar
 * is the single source of what the dialect is.
 */
import { autocompletion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { type Diagnostic, linter, lintGutter } from '@codemirror/lint';
import { type Extension, RangeSetBuilder } from '@codemirror/state';
import {
  Decoration,
  type DecorationSet,
  type EditorView,
  ViewPlugin,
  type ViewUpdate,
} from '@codemirror/view';
import {
  type CompletionKind,
  complete,
  type HighlightToken,
  parse,
  TOKEN_CATEGORIES,
  type TokenCategory,
  tokens,
} from '../../grammar/index.js';

const MARKS = Object.fromEntries(
  TOKEN_CATEGORIES.map((c) => [c, Decoration.mark({ class: `tok-${c}` })]),
) as Record<TokenCategory, Decoration>;

function highlight(view: EditorView): DecorationSet {
  const marks = new RangeSetBuilder<Decoration>();
  for (const t of tokens(view.state.doc.toString())) {
    if (t.end > t.start) marks.add(t.start, t.end, MARKS[t.category]);
  }
  return marks.finish();
}

const highlighting = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = highlight(view);
    }
    update(update: ViewUpdate): void {
      if (update.docChanged) this.decorations = highlight(update.view);
    }
  },
  { decorations: (plugin) => plugin.decorations },
);

/** The error's extent: the token it points at, or one character (zero at the end of the text). */
function errorEnd(toks: readonly HighlightToken[], text: string, offset: number): number {
  const at = toks.find((t) => t.start === offset);
  return at ? at.end : Math.min(offset + 1, text.length);
}

function diagnostics(view: EditorView): Diagnostic[] {
  const text = view.state.doc.toString();
  const { errors } = parse(text);
  if (errors.length === 0) return [];
  const toks = tokens(text);
  return errors.map((e) => ({
    from: e.offset,
    to: errorEnd(toks, text, e.offset),
    severity: 'error',
    source: e.code,
    message: e.message,
  }));
}

/** CodeMirror's completion icons for the grammar's kinds. */
const ICON: Record<CompletionKind, string> = {
  keyword: 'keyword',
  with_key: 'property',
  value: 'constant',
  type: 'type',
  annotation_key: 'property',
  operator: 'function',
  function: 'function',
};

function completions(context: CompletionContext): CompletionResult | null {
  const word = context.matchBefore(/[\w$']*/);
  if (!word || (word.from === word.to && !context.explicit)) return null;
  const list = complete(context.state.doc.toString(), context.pos);
  if (list.length === 0) return null;
  return {
    from: word.from,
    options: list.map((c) => ({ label: c.label, type: ICON[c.kind], detail: c.kind.replace('_', ' ') })),
    validFor: /^[\w$']*$/,
  };
}

export function rvbbitGrammar(): Extension {
  return [
    highlighting,
    linter(diagnostics, { delay: 150 }),
    lintGutter(),
    autocompletion({ override: [completions], activateOnTypingDelay: 50 }),
  ];
}
