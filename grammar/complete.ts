/**
 * complete(): what may come next at an offset. Chevrotain's content assist
 * gives the keywords; context rules add WITH keys and values, types inside
 * AS ( … ), annotation keys after `-- @`, and operator words inside SQL.
 */
import type { IToken, TokenType } from 'chevrotain';
import { ANNOTATION_KEYS, STRATEGIES } from './annotation-node.js';
import { isRvbbitWord, SQL_RESERVED } from './keywords.js';
import { rvbbitLexer } from './lexer.js';
import type { OperatorSet } from './operators.js';
import { rvbbitParser } from './parser.js';
import { SqlTok, type SqlToken, scanSql } from './sql-scan.js';
import { MAP_KEYS, RUN_KEYS } from './statement-options.js';
import { TYPE_NAMES } from './type-names.js';
import { DELIVERY_VALUES, ON_ERROR_VALUES } from './with-options.js';

export type CompletionKind =
  | 'keyword'
  | 'with_key'
  | 'value'
  | 'type'
  | 'annotation_key'
  | 'operator'
  | 'function';
export interface Completion {
  readonly label: string;
  readonly kind: CompletionKind;
}

const VALUES: Readonly<Record<string, readonly string[]>> = {
  on_error: ON_ERROR_VALUES.map((v) => `'${v}'`),
  cache: ['TRUE', 'FALSE', "'1h'", "'1d'"],
  persist: ['TRUE', 'FALSE'],
  replace: ['TRUE', 'FALSE'],
  infer_schema: ['TRUE', 'FALSE'],
  delivery: DELIVERY_VALUES.map((v) => `'${v}'`),
};

/** The values offered after `-- @ key:`, for the keys that take one of a few words. */
const ANNOTATION_VALUES: Readonly<Record<string, readonly string[]>> = {
  strategy: STRATEGIES,
  delivery: DELIVERY_VALUES,
};

/** Completions at `offset` (clamped into the text); never throws. */
export function completeAt(ops: OperatorSet, sql: unknown, offset: number): Completion[] {
  try {
    const text = typeof sql === 'string' ? sql : String(sql ?? '');
    const at = Math.max(0, Math.min(Number.isFinite(offset) ? Math.floor(offset) : text.length, text.length));
    return dedupe(completions(ops, text, at));
  } catch {
    return [];
  }
}

function completions(ops: OperatorSet, text: string, at: number): Completion[] {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const linePrefix = text.slice(lineStart, at);
  const note = /^\s*--[ \t]*@[ \t]*([A-Za-z_]*)$/.exec(linePrefix);
  if (note)
    return filter(
      ANNOTATION_KEYS.map((k) => ({ label: k, kind: 'annotation_key' as const })),
      note[1]!,
    );
  const keyed = /^\s*--[ \t]*@[ \t]*([A-Za-z_]+)[ \t]*:[ \t]*([A-Za-z_]*)$/.exec(linePrefix);
  const words = keyed ? ANNOTATION_VALUES[keyed[1]!.toLowerCase()] : undefined;
  if (keyed && words)
    return filter(
      words.map((s) => ({ label: s, kind: 'value' as const })),
      keyed[2]!,
    );

  const { tokens } = scanSql(text, 0, at);
  const last = tokens[tokens.length - 1];
  if (last && last.end === at && last.type !== SqlTok.Word && last.type !== SqlTok.Number) {
    if (last.type === SqlTok.LineComment || last.type === SqlTok.BlockComment || last.type === SqlTok.String)
      return [];
  }
  const partial = last && last.end === at && last.type === SqlTok.Word ? text.slice(last.start, at) : '';
  let from = tokens.length;
  while (from > 0 && tokens[from - 1]!.type !== SqlTok.Semicolon) from--;
  const stmt = tokens.slice(from, partial ? -1 : undefined).filter((t) => t.type < SqlTok.LineComment);
  const firstWord = stmt.length === 0 ? '' : text.slice(stmt[0]!.start, stmt[0]!.end).toUpperCase();
  const startsRvbbit =
    stmt.length === 0 || isRvbbitWord(firstWord) || firstWord === 'EXPLAIN' || firstWord === 'CREATE';
  if (!startsRvbbit) return filter(sqlCompletions(ops, text, stmt, partial), partial);
  const begin = stmt[0]?.start ?? at;
  const end = partial ? last!.start : at;
  const lexed = rvbbitLexer.tokenize(text.slice(begin, end));
  const toks = lexed.tokens;
  const block = toks[toks.length - 1];
  if (block?.tokenType.name === 'SqlBlock' && !(block.payload as { closed: boolean }).closed) {
    const inner = scanSql(text, begin + block.startOffset + 1, end).tokens.filter(
      (t) => t.type < SqlTok.LineComment,
    );
    return filter(sqlCompletions(ops, text, inner, partial), partial);
  }
  return filter(rvbbitCompletions(toks), partial);
}

function rvbbitCompletions(toks: IToken[]): Completion[] {
  const names = toks.map((t) => t.tokenType.name);
  const lastName = names[names.length - 1];
  const withAt = names.lastIndexOf('With');
  if (withAt >= 0 && names[withAt + 1] === 'LParen' && !names.slice(withAt).includes('RParen')) {
    if (lastName === 'LParen' || lastName === 'Comma') {
      const used = new Set(toks.slice(withAt).map((t) => t.image.toLowerCase()));
      const keys = names.includes('Run') ? RUN_KEYS : MAP_KEYS;
      return keys.filter((k) => !used.has(k)).map((k) => ({ label: k, kind: 'with_key' as const }));
    }
    if (lastName === 'Equals') {
      const key = toks[toks.length - 2]?.image.toLowerCase() ?? '';
      return (VALUES[key] ?? []).map((v) => ({ label: v, kind: 'value' as const }));
    }
  }
  const asAt = names.lastIndexOf('As');
  if (asAt >= 0 && names[asAt + 1] === 'LParen' && !names.slice(asAt).includes('RParen')) {
    const prev = names[names.length - 2];
    if (lastName !== 'LParen' && lastName !== 'Comma' && (prev === 'LParen' || prev === 'Comma')) {
      return TYPE_NAMES.map((t) => ({ label: t, kind: 'type' as const }));
    }
  }
  const paths = rvbbitParser.computeContentAssist('statement', toks);
  const out: Completion[] = [];
  for (const p of paths) out.push(...labelsOf(p.nextTokenType));
  return out;
}

function labelsOf(t: TokenType): Completion[] {
  if (t.name === 'TypeName') return TYPE_NAMES.map((n) => ({ label: n, kind: 'type' as const }));
  if (t.name === 'SqlBlock') return [{ label: '(', kind: 'keyword' }];
  if (t.name === 'Name' || t.name === 'Identifier' || t.name === 'QuotedIdentifier') return [];
  if (t.name === 'StringLiteral' || t.name === 'NumberLiteral') return [];
  const label = t.LABEL ?? t.name;
  return [{ label, kind: /^[A-Z]+$/.test(label) ? 'keyword' : 'value' }];
}

/**
 * After an operand, any operator word may follow; where a word is being typed
 * with no operand before it, a function the engine rewrites (LLM_SUMMARIZE, a
 * cascade's function by its name or call forms: TIDY).
 */
function sqlCompletions(
  ops: OperatorSet,
  text: string,
  toks: readonly SqlToken[],
  partial: string,
): Completion[] {
  const calls = (): Completion[] =>
    partial ? [...ops.aggregates.keys()].map((name) => ({ label: name, kind: 'function' as const })) : [];
  const last = toks[toks.length - 1];
  if (!last) return calls();
  const endsOperand =
    last.type === SqlTok.RParen ||
    last.type === SqlTok.String ||
    last.type === SqlTok.Number ||
    last.type === SqlTok.QuotedIdent ||
    (last.type === SqlTok.Word && isNameWord(ops, text.slice(last.start, last.end).toUpperCase()));
  if (!endsOperand) return calls();
  return [...ops.byWord.keys()].map((w) => ({ label: w, kind: 'operator' as const }));
}

const isNameWord = (ops: OperatorSet, up: string): boolean => !ops.byWord.has(up) && !SQL_RESERVED.has(up);

function filter(items: Completion[], prefix: string): Completion[] {
  if (!prefix) return items;
  const p = prefix.toLowerCase();
  return items.filter((i) => i.label.toLowerCase().startsWith(p) && i.label.toLowerCase() !== p);
}

function dedupe(items: Completion[]): Completion[] {
  const seen = new Set<string>();
  return items.filter(
    (i) => !seen.has(`${i.kind}:${i.label}`) && seen.add(`${i.kind}:${i.label}`) !== undefined,
  );
}
