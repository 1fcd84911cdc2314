/**
 * Completion: cascade files and folders inside `RVBBIT MAP '…`; elsewhere what
 * the catalog's grammar offers (keywords, WITH keys and values, types,
 * annotation keys, operator words), plus, in SQL, tables and columns of the
 * `--db` file.
 */
import { type CompletionItem, CompletionItemKind } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { type CompletionKind, SqlTok, scanSql } from '../../grammar/index.js';
import { cascadePaths } from '../plan/cascade-paths.js';
import type { LspContext } from './lsp-context.js';
import { cascadePathBefore } from './text-spans.js';

const KINDS: Readonly<Record<CompletionKind, CompletionItemKind>> = {
  keyword: CompletionItemKind.Keyword,
  with_key: CompletionItemKind.Property,
  value: CompletionItemKind.Value,
  type: CompletionItemKind.TypeParameter,
  annotation_key: CompletionItemKind.Property,
  operator: CompletionItemKind.Operator,
  function: CompletionItemKind.Function,
};

/** Grammar contexts where a table or column name cannot come next. */
const NOT_SQL: ReadonlySet<CompletionKind> = new Set(['with_key', 'value', 'type', 'annotation_key']);

export async function completeAt(
  ctx: LspContext,
  doc: TextDocument,
  offset: number,
): Promise<CompletionItem[]> {
  const text = doc.getText();
  const typed = cascadePathBefore(text, offset);
  if (typed !== undefined) {
    const range = { start: doc.positionAt(offset - typed.length), end: doc.positionAt(offset) };
    return cascadePaths(ctx.realRoots, typed).map((path) => ({
      label: path,
      kind: path.endsWith('/') ? CompletionItemKind.Folder : CompletionItemKind.File,
      textEdit: { range, newText: path },
    }));
  }
  const grammarItems = ctx.grammar.complete(text, offset);
  const items: CompletionItem[] = grammarItems.map((c) => ({
    label: c.label,
    kind: KINDS[c.kind],
    detail: c.kind.replace('_', ' '),
  }));
  if (ctx.db && !grammarItems.some((c) => NOT_SQL.has(c.kind)) && !insideStringOrComment(text, offset)) {
    const names = await ctx.db.get();
    for (const t of names.tables) items.push({ label: t, kind: CompletionItemKind.Struct, detail: 'table' });
    for (const [table, columns] of names.columns) {
      for (const c of columns)
        items.push({ label: c, kind: CompletionItemKind.Field, detail: `column of ${table}` });
    }
  }
  return dedupe(items);
}

function insideStringOrComment(text: string, offset: number): boolean {
  const { tokens, error } = scanSql(text, 0, offset);
  const last = tokens[tokens.length - 1];
  if (error) return true;
  return (
    last !== undefined &&
    last.end === offset &&
    (last.type === SqlTok.String || last.type === SqlTok.LineComment || last.type === SqlTok.BlockComment)
  );
}

function dedupe(items: CompletionItem[]): CompletionItem[] {
  const seen = new Set<string>();
  return items.filter(
    (i) => !seen.has(`${i.kind}:${i.label}`) && seen.add(`${i.kind}:${i.label}`) !== undefined,
  );
}
