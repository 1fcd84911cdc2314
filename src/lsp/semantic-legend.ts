/**
 * The semantic-token legend, announced in `initialize`: it imports the token
 * categories from their module, not from grammar/index.ts, whose default
 * grammar would load the parser before `initialize` is answered.
 */
import type { SemanticTokensLegend } from 'vscode-languageserver';
import { TOKEN_CATEGORIES, type TokenCategory } from '../../grammar/highlight/tokens.js';

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
export const TYPE_INDEX: ReadonlyMap<TokenCategory, number> = new Map(
  TOKEN_CATEGORIES.map((c) => [c, TYPES.indexOf(TYPE_OF[c])]),
);
