/**
 * Semantic tokens from the grammar's tokens(): one LSP token type per
 * category, encoded as relative (line, start, length) quintuples. A token
 * spanning lines (a block comment, a multi-line string) is split per line,
 * since clients may not accept multi-line tokens.
 */
import type { SemanticTokens } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { LspContext } from './lsp-context.js';
import { TYPE_INDEX } from './semantic-legend.js';

export function semanticTokens(ctx: LspContext, doc: TextDocument): SemanticTokens {
  const text = doc.getText();
  const data: number[] = [];
  let prevLine = 0;
  let prevChar = 0;
  const push = (line: number, char: number, length: number, type: number) => {
    if (length <= 0) return;
    data.push(line - prevLine, line === prevLine ? char - prevChar : char, length, type, 0);
    prevLine = line;
    prevChar = char;
  };
  for (const t of ctx.grammar.tokens(text)) {
    const type = TYPE_INDEX.get(t.category)!;
    let start = t.start;
    let line = t.line - 1;
    let char = t.column - 1;
    for (let nl = text.indexOf('\n', start); nl >= 0 && nl < t.end; nl = text.indexOf('\n', start)) {
      push(line, char, nl - start, type);
      start = nl + 1;
      line++;
      char = 0;
    }
    push(line, char, t.end - start, type);
  }
  return { data };
}
