/**
 * Formatting: the whole document replaced by format() of its statements.
 * A document with parse errors is left alone (format() would drop the
 * statements that failed, and with them the user's text).
 */
import type { TextEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { LspContext } from './lsp-context.js';

export function formatEdits(ctx: LspContext, doc: TextDocument): TextEdit[] {
  const text = doc.getText();
  const result = ctx.grammar.parse(text);
  if (result.errors.length > 0 || result.statements.length === 0) return [];
  const formatted = `${ctx.grammar.format(result)}\n`;
  if (formatted === text) return [];
  return [{ range: { start: doc.positionAt(0), end: doc.positionAt(text.length) }, newText: formatted }];
}
