/**
 * The playground page: a CodeMirror 6 editor on RVBBIT SQL with the
 * grammar's highlighting, diagnostics and completions, and panels showing
 * the formatted text and the AST. Runs offline: everything is in the page.
 */
import { EditorState } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, lineNumbers } from '@codemirror/view';
import { EXAMPLES } from './examples.js';
import { rvbbitGrammar } from './grammar-extensions.js';
import { type Panels, showResult } from './panels.js';

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`playground: #${id} is missing from the page`);
  return el as T;
}

const panels: Panels = {
  errors: byId('errors'),
  formatted: byId('formatted'),
  ast: byId('ast'),
  withSpans: byId<HTMLInputElement>('with-spans'),
  status: byId('status'),
};
const picker = byId<HTMLSelectElement>('example');
for (const [i, ex] of EXAMPLES.entries()) picker.add(new Option(ex.title, String(i)));

const view = new EditorView({
  parent: byId('editor'),
  state: EditorState.create({
    doc: EXAMPLES[0]!.sql,
    extensions: [
      lineNumbers(),
      highlightActiveLine(),
      drawSelection(),
      EditorView.lineWrapping,
      rvbbitGrammar(),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) showResult(panels, u.state.doc.toString());
      }),
    ],
  }),
});

picker.addEventListener('change', () => {
  const sql = EXAMPLES[Number(picker.value)]!.sql;
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: sql } });
  view.focus();
});
panels.withSpans.addEventListener('change', () => showResult(panels, view.state.doc.toString()));
showResult(panels, view.state.doc.toString());
view.focus();
// The browser test drives the editor through this handle.
(window as unknown as { rvbbitPlayground: unknown }).rvbbitPlayground = { view };
