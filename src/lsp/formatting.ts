/**
 * Formatting: each statement that parses is replaced by its format() text;
 * everything between statements (comments, blank lines, `;`, a statement
 * with an error) stays as written, so no comment of the user's is lost.
 * Annotations before the statement's span stay where they are too, so the
 * statement is formatted without them; those after its EXPLAIN are inside
 * the span, and format() writes them back there.
 */
import type { TextEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { LspContext } from './lsp-context.js';

export function formatEdits(ctx: LspContext, doc: TextDocument): TextEdit[] {
  const text = doc.getText();
  const edits: TextEdit[] = [];
  for (const s of ctx.grammar.parse(text).statements) {
    // Those after EXPLAIN are inside the span: format() writes them where they were.
    const inside = s.annotations.filter((a) => a.span.start > s.span.start);
    const formatted = ctx.grammar.format({ ...s, annotations: inside }).replace(/;$/, '');
    if (formatted === text.slice(s.span.start, s.span.end)) continue;
    edits.push({
      range: { start: doc.positionAt(s.span.start), end: doc.positionAt(s.span.end) },
      newText: formatted,
    });
  }
  return edits;
}
