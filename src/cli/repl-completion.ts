/**
 * Tab completion in the REPL. What is offered depends on where the cursor is:
 * - inside the quoted cascade reference of a MAP/RUN: cascade files and
 *   folders under the engine's cascade roots (`'traits/ex` → `traits/extract_brand.yaml`);
 * - elsewhere in an RVBBIT statement (outside its USING query): what the
 *   grammar says may come next (keywords, WITH keys, their values);
 * - in SQL: keywords and operator words from the grammar, tables and views,
 *   columns (after `table.`, only that table's), and functions (DuckDB's and
 *   the semantic ones); after FROM/JOIN/INTO…, tables only;
 * - inside any other string or a comment: nothing.
 * Readline hands us the current line only; `pending` is the statement's
 * earlier lines, so context spans lines.
 */
import { type Completion, isRvbbitWord, SqlTok, type SqlToken, scanSql } from '../../grammar/index.js';
import { cascadePathBefore } from '../lsp/text-spans.js';
import { cascadePaths } from '../plan/cascade-paths.js';
import type { CatalogSnapshot } from './repl-catalog.js';
import { COMMANDS, isCommandLine } from './repl-commands.js';

export interface CompletionSources {
  /** The engine's grammar (its operator words included). */
  readonly complete: (sql: string, offset: number) => Completion[];
  /** The session catalog, read lazily (see ReplCatalog). */
  readonly catalog: () => Promise<CatalogSnapshot>;
  readonly cascadeRoots: readonly string[];
}

export type Completed = [hits: string[], word: string];

/** Keywords after which a relation name comes. */
const TABLE_KEYWORDS = new Set(['FROM', 'JOIN', 'INTO', 'UPDATE', 'TABLE', 'DESCRIBE', 'SUMMARIZE', 'VIEW']);

/** The readline completer's answer for `line` (the cursor at its end), `pending` the statement so far. */
export async function completeLine(
  src: CompletionSources,
  pending: string,
  line: string,
): Promise<Completed> {
  if (pending === '' && isCommandLine(line)) return completeCommand(src, line);
  const text = pending + line;
  const path = cascadePathBefore(text, text.length);
  if (path !== undefined) return [cascadePaths(src.cascadeRoots, path), path];

  const { tokens, error } = scanSql(text);
  const last = tokens[tokens.length - 1];
  if (error || (last && last.end === text.length && last.type >= SqlTok.LineComment)) return [[], ''];
  if (last && last.end === text.length && last.type === SqlTok.String) return [[], ''];

  const word = /[A-Za-z_][\w$]*$/.exec(line)?.[0] ?? '';
  const grammar = matching(
    src.complete(text, text.length).map((c) => c.label),
    word,
  );
  const stmt = statementTokens(tokens);
  if (isRvbbit(text, stmt) && !insideUsing(text, stmt)) return [grammar, word];

  const qualified = /((?:[A-Za-z_][\w$]*\s*\.\s*)+)([A-Za-z_][\w$]*)?$/.exec(text);
  const catalog = await src.catalog();
  if (qualified) {
    const qualifier = qualified[1]!.replace(/\s+/g, '').slice(0, -1);
    const partial = qualified[2] ?? '';
    return [qualifiedNames(catalog, text, qualifier, partial), partial];
  }
  const before = previousWord(text, stmt, word);
  const tables = catalog.relations.map((r) => r.qualified);
  if (before && TABLE_KEYWORDS.has(before)) return [matching(tables, word), word];
  if (word === '') return [grammar, word];
  const columns = [...new Set([...catalog.columns.values()].flat())];
  return [dedupe([...grammar, ...matching([...tables, ...columns, ...catalog.functions], word)]), word];
}

/** A command's name, then its argument: a table or view name, or one of its words (`.mode c` → csv). */
async function completeCommand(src: CompletionSources, line: string): Promise<Completed> {
  const m = /^\s*(\S*)(\s+(\S*))?$/.exec(line);
  if (!m) return [[], ''];
  if (m[2] === undefined)
    return [
      matching(
        COMMANDS.flatMap((c) => c.names),
        m[1]!,
      ),
      m[1]!,
    ];
  const command = COMMANDS.find((c) => c.names.includes(m[1]!));
  const typed = m[3] ?? '';
  if (!command) return [[], typed];
  // `table` or `[table]`: a relation; `a|b|c`: one of those words.
  if (/^\[?table\]?$/.test(command.args)) {
    const relations = (await src.catalog()).relations.map((r) => r.qualified);
    return [matching(relations, typed), typed];
  }
  return [matching(command.args.split('|'), typed), typed];
}

/** Columns of `qualifier` (a table or an alias of one), or tables under a database/schema `qualifier`. */
function qualifiedNames(
  catalog: CatalogSnapshot,
  text: string,
  qualifier: string,
  partial: string,
): string[] {
  const q = qualifier.toLowerCase();
  const table = catalog.columns.has(q) ? q : aliasTarget(catalog, text, q);
  const columns = table ? (catalog.columns.get(table) ?? []) : [];
  const tables = catalog.relations
    .filter((r) => r.qualified.toLowerCase().startsWith(`${q}.`))
    .map((r) => r.qualified.slice(q.length + 1));
  return matching(dedupe([...columns, ...tables]), partial);
}

/** `FROM products p` / `JOIN products AS p`: the table an alias stands for. */
function aliasTarget(catalog: CatalogSnapshot, text: string, alias: string): string | undefined {
  // A lookahead, so that `FROM products p` is seen even after `x FROM` matched.
  const re = /(?=\b([A-Za-z_][\w$.]*)\s+(?:AS\s+)?([A-Za-z_][\w$]*))/gi;
  for (const m of text.matchAll(re)) {
    if (m[2]!.toLowerCase() === alias && catalog.columns.has(m[1]!.toLowerCase())) return m[1]!.toLowerCase();
  }
  return undefined;
}

/** The tokens of the statement the cursor is in (after the last `;`), comments dropped. */
function statementTokens(tokens: readonly SqlToken[]): SqlToken[] {
  let from = tokens.length;
  while (from > 0 && tokens[from - 1]!.type !== SqlTok.Semicolon) from--;
  return tokens.slice(from).filter((t) => t.type < SqlTok.LineComment);
}

const wordAt = (text: string, t: SqlToken | undefined): string =>
  t && t.type === SqlTok.Word ? text.slice(t.start, t.end).toUpperCase() : '';

/** RVBBIT (or LARS) MAP/RUN, with EXPLAIN or CREATE … AS before it. */
function isRvbbit(text: string, stmt: readonly SqlToken[]): boolean {
  return stmt
    .slice(0, 8)
    .some(
      (t, i) =>
        isRvbbitWord(wordAt(text, t)) &&
        (i === stmt.length - 1 || /^(MAP|RUN)$/.test(wordAt(text, stmt[i + 1]))),
    );
}

/** The cursor is inside the parentheses of USING ( … ): SQL, not the RVBBIT grammar. */
function insideUsing(text: string, stmt: readonly SqlToken[]): boolean {
  const at = stmt.findIndex((t) => wordAt(text, t) === 'USING');
  if (at < 0) return false;
  let depth = 0;
  for (const t of stmt.slice(at + 1)) {
    if (t.type === SqlTok.LParen) depth++;
    else if (t.type === SqlTok.RParen && --depth === 0) return false;
  }
  return depth > 0;
}

/** The keyword before the word being typed (upper case), if the token there is a word. */
function previousWord(text: string, stmt: readonly SqlToken[], word: string): string {
  const before = word === '' ? stmt : stmt.slice(0, -1);
  return wordAt(text, before[before.length - 1]);
}

function matching(labels: readonly string[], word: string): string[] {
  const w = word.toLowerCase();
  return dedupe(labels.filter((l) => l.toLowerCase().startsWith(w) && l.toLowerCase() !== w));
}

const dedupe = (items: readonly string[]): string[] => [...new Set(items)];
