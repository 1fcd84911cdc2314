/**
 * Semantic tokens from the grammar's tokens(): one LSP token type per
 * category, encoded as relative (line, start, length) quintuples. A token
 * spanning lines (a block comment, a multi-line string) is split per line,
 * since clients may not accept multi-line tokens.
 */
import type { SemanticTokens, SemanticTokensLegend } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { TOKEN_CATEGORIES, type TokenCategory } from '../../grammar/index.js';
import type { LspContext } from './lsp-context.js';

/** The LSP standard token type of each category. */
const TYPE_OF: Readonly<Record<TokenCategory, string>> = {
  keyword: 'keyword',
  operator: 'operator',
  string: 'string',
  number: 'number',
  identifier: 'variable',
  comment: 'comment',
  annotation: 'decorator',
  punctuation: 'operator',
};

const TYPES = [...new Set(TOKEN_CATEGORIES.map((c) => TYPE_OF[c]))];
export const LEGEND: SemanticTokensLegend = { tokenTypes: TYPES, tokenModifiers: [] };
const INDEX = new Map(TOKEN_CATEGORIES.map((c) => [c, TYPES.indexOf(TYPE_OF[c])]));

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
    const type = INDEX.get(t.category)!;
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
