/**
 * Hover: an operator's description, arguments and return type (from its
 * cascade's sql_function); a cascade path's description, inputs and cells; a
 * WITH key's or an annotation key's type and meaning (grammar/statement-options.ts).
 */
import type { Hover } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { optionDoc } from '../../grammar/index.js';
import { cascadeInfo } from './cascade-info.js';
import type { LspContext } from './lsp-context.js';
import { type SymbolAt, symbolAt } from './symbols.js';

export function hoverAt(ctx: LspContext, doc: TextDocument, offset: number): Hover | null {
  const sym = symbolAt(ctx, doc.getText(), offset);
  const value = sym && markdownOf(sym);
  if (!sym || !value) return null;
  return {
    contents: { kind: 'markdown', value },
    range: { start: doc.positionAt(sym.start), end: doc.positionAt(sym.end) },
  };
}

function markdownOf(sym: SymbolAt): string | undefined {
  switch (sym.kind) {
    case 'with_key':
      return optionDoc(sym.key, 'with');
    case 'annotation_key':
      return optionDoc(sym.key, 'annotation');
    case 'operator': {
      const { fn } = sym;
      const args = fn
        ? fn.sql.args
            .map((a) => `${a.name} ${a.type}${a.optional ? ` = ${JSON.stringify(a.default ?? null)}` : ''}`)
            .join(', ')
        : '…';
      const head = `**${sym.word}**${sym.optionalWord ? ` [${sym.optionalWord}]` : ''} — \`${sym.functionName}(${args}) → ${sym.returns}\``;
      if (!fn) return `${head}\n\nBuilt in (no cascade).`;
      const info = cascadeInfo(fn.cascadePath);
      const forms = [...fn.sql.operators, ...fn.sql.calls].map((o) => `\`${o.text}\``).join(', ');
      const described = fn.sql.args
        .filter((a) => a.description)
        .map((a) => `- \`${a.name}\`: ${a.description}`);
      return [
        head,
        fn.sql.description ?? info?.description ?? '',
        described.length > 0 ? `Arguments:\n${described.join('\n')}` : '',
        forms ? `Forms: ${forms}` : '',
        // A SQL-defined function's cascade is a file the engine wrote for its run, not the user's.
        fn.source === 'sql'
          ? 'Defined in SQL (`CREATE SEMANTIC FUNCTION`, stored in `rvbbit.semantic_functions`)'
          : `Cascade: \`${fn.cascadePath}\``,
      ]
        .filter((l) => l !== '')
        .join('\n\n');
    }
    case 'cascade': {
      if (!sym.file) return `cascade '${sym.ref}' is not in the cascade roots`;
      const info = cascadeInfo(sym.file);
      if (!info) return `\`${sym.file}\` (not readable as YAML)`;
      const inputs = info.inputs.map(([k, v]) => `- \`${k}\`: ${v}`).join('\n');
      return [
        `**${info.id || sym.ref}** — \`${sym.file}\``,
        info.description,
        inputs ? `Inputs:\n${inputs}` : '',
        info.cells.length > 0 ? `Cells: ${info.cells.join(', ')}` : '',
      ]
        .filter((l) => l !== '')
        .join('\n\n');
    }
  }
}
