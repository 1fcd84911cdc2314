/** Go to definition: a cascade path or an operator word opens its cascade YAML. */
import { pathToFileURL } from 'node:url';
import type { Location } from 'vscode-languageserver';
import { cascadeInfo, lineOf } from './cascade-info.js';
import type { LspContext } from './lsp-context.js';
import { symbolAt } from './symbols.js';

export function definitionAt(ctx: LspContext, text: string, offset: number): Location | null {
  const sym = symbolAt(ctx, text, offset);
  if (sym?.kind === 'cascade' && sym.file) return locationOf(sym.file, 0);
  if (sym?.kind === 'operator' && sym.fn) {
    const file = sym.fn.cascadePath;
    const form = sym.fn.sql.operators.find((o) => o.keywords[0] === sym.def.word);
    const info = cascadeInfo(file);
    return locationOf(file, info && form ? lineOf(info.text, form.text) : 0);
  }
  return null;
}

function locationOf(file: string, line: number): Location {
  const at = { line, character: 0 };
  return { uri: pathToFileURL(file).href, range: { start: at, end: at } };
}
