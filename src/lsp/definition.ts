/**
 * Go to definition: a cascade path, an operator word or an LLM aggregate opens its cascade YAML
 * (none for a function made by CREATE SEMANTIC FUNCTION).
 */
import { pathToFileURL } from 'node:url';
import type { Location } from 'vscode-languageserver';
import { cascadeInfo, lineOf } from './cascade-info.js';
import type { LspContext } from './lsp-context.js';
import { symbolAt } from './symbols.js';

export function definitionAt(ctx: LspContext, text: string, offset: number): Location | null {
  const sym = symbolAt(ctx, text, offset);
  if (sym?.kind === 'cascade' && sym.file) return locationOf(sym.file, 0);
  // A SQL-defined function has no file of the user's to open (its cascade is written for the run).
  if (sym?.kind === 'operator' && sym.fn && sym.fn.source !== 'sql') {
    const file = sym.fn.cascadePath;
    // The operator's form line (`"{{ a }} MEANS {{ b }}"`), else the function's name line.
    const form = sym.fn.sql.operators.find((o) => o.keywords[0] === sym.word);
    const info = cascadeInfo(file);
    const needle = form?.text ?? `name: ${sym.functionName}`;
    return locationOf(file, info ? lineOf(info.text, needle) : 0);
  }
  return null;
}

function locationOf(file: string, line: number): Location {
  const at = { line, character: 0 };
  return { uri: pathToFileURL(file).href, range: { start: at, end: at } };
}
