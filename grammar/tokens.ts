/**
 * Chevrotain token types of the RVBBIT statements. Keywords come before
 * Identifier and use `longer_alt` so `mapping` stays an identifier; categories
 * group alternatives (every keyword is also a Name, every type a TypeName).
 * @see ../docs/dialect.md §1
 */
import { createToken, Lexer, type TokenType } from 'chevrotain';
import { RVBBIT_WORDS } from './keywords.js';
import { matchParen } from './sql-balance.js';
import { blockCommentEnd } from './sql-chars.js';
import { TYPE_NAMES } from './type-names.js';

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/,
  group: Lexer.SKIPPED,
});
export const LineComment = createToken({ name: 'LineComment', pattern: /--[^\n]*/, group: 'comments' });
export const BlockComment = createToken({
  name: 'BlockComment',
  // Custom matcher: block comments nest (DuckDB, Postgres), which a regex cannot count.
  pattern: {
    exec: (text: string, offset: number) => {
      if (text.charCodeAt(offset) !== 47 || text.charCodeAt(offset + 1) !== 42) return null;
      const end = blockCommentEnd(text, offset);
      return end < 0 ? null : ([text.slice(offset, end)] as [string]);
    },
  },
  start_chars_hint: ['/'],
  group: 'comments',
  line_breaks: true,
});

/** Any word usable as a name (column, table, WITH key): identifiers and non-structural keywords. */
export const Name = createToken({ name: 'Name', pattern: Lexer.NA });
/** The types of the spec. */
export const TypeName = createToken({ name: 'TypeName', pattern: Lexer.NA });

export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/,
  categories: [Name],
});
export const QuotedIdentifier = createToken({
  name: 'QuotedIdentifier',
  pattern: /"(?:[^"]|"")*"/,
  categories: [Name],
  line_breaks: true,
});

/** A keyword token named and labelled by `word`, matching any of its `spellings` (case-insensitive). */
function keyword(
  word: string,
  categories: TokenType[] = [Name],
  spellings: readonly string[] = [word],
): TokenType {
  const type = createToken({
    name: word.charAt(0) + word.slice(1).toLowerCase(),
    label: word,
    pattern: new RegExp(`(?:${spellings.join('|')})(?![A-Za-z0-9_$\\u0080-\\uffff])`, 'i'),
    longer_alt: Identifier,
    categories,
  });
  return type;
}

/** RVBBIT, or larsql's LARS: one token, so every rule that takes RVBBIT takes LARS, and messages say RVBBIT. */
export const Rvbbit = keyword('RVBBIT', [Name], RVBBIT_WORDS);
export const MapKw = keyword('MAP');
export const Run = keyword('RUN');
export const Async = keyword('ASYNC');
export const Parallel = keyword('PARALLEL');
export const Distinct = keyword('DISTINCT');
export const Batch = keyword('BATCH');
export const As = keyword('AS');
export const Using = keyword('USING', []);
export const With = keyword('WITH', []);
export const Explain = keyword('EXPLAIN');
export const Format = keyword('FORMAT');
export const Create = keyword('CREATE');
export const Temp = keyword('TEMP');
export const Temporary = keyword('TEMPORARY');
export const Table = keyword('TABLE');
export const Insert = keyword('INSERT');
export const Into = keyword('INTO');
export const Copy = keyword('COPY');
export const To = keyword('TO');
export const True = keyword('TRUE');
export const False = keyword('FALSE');
export const Null = keyword('NULL');

export const typeTokens: readonly TokenType[] = TYPE_NAMES.map((t) => keyword(t, [Name, TypeName]));
const typeToken = (name: string): TokenType =>
  typeTokens[TYPE_NAMES.indexOf(name as (typeof TYPE_NAMES)[number])]!;
export const Text = typeToken('TEXT');
export const Json = typeToken('JSON');

export const StringLiteral = createToken({
  name: 'StringLiteral',
  label: 'a string',
  pattern: /[Ee]?'(?:[^']|'')*'/,
  line_breaks: true,
});
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  label: 'a number',
  pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/,
});

/**
 * The whole `( … )` after USING, as one token: matched by the hand scanner,
 * so the SQL inside is skipped in one fast loop and kept byte for byte. An
 * unclosed block runs to the end, flagged by its payload.
 */
export const SqlBlock = createToken({
  name: 'SqlBlock',
  label: '( query )',
  line_breaks: true,
  start_chars_hint: ['('],
  pattern: {
    exec: (text: string, offset: number, tokens: { tokenType: TokenType }[]) => {
      if (text.charCodeAt(offset) !== 40 || tokens[tokens.length - 1]?.tokenType !== Using) return null;
      const end = matchParen(text, offset);
      const match = [text.slice(offset, end < 0 ? text.length : end)] as [string] & { payload?: unknown };
      match.payload = { closed: end >= 0 };
      return match;
    },
  },
});

/**
 * The whole `( … )` of options after `COPY (…) TO 'file' [WITH]`, as one
 * token kept byte for byte: DuckDB reads the options (FORMAT, COMPRESSION …),
 * so the engine passes them on as written. Matched as SqlBlock is.
 */
export const CopyOptions = createToken({
  name: 'CopyOptions',
  label: '( copy options )',
  line_breaks: true,
  start_chars_hint: ['('],
  pattern: {
    exec: (text: string, offset: number, tokens: { tokenType: TokenType }[]) => {
      if (text.charCodeAt(offset) !== 40 || !afterCopyTarget(tokens)) return null;
      const end = matchParen(text, offset);
      const match = [text.slice(offset, end < 0 ? text.length : end)] as [string] & { payload?: unknown };
      match.payload = { closed: end >= 0 };
      return match;
    },
  },
});

/** The tokens so far end with `TO 'file'` or `TO 'file' WITH`. */
function afterCopyTarget(tokens: readonly { tokenType: TokenType }[]): boolean {
  const n = tokens.length;
  const at = (i: number) => tokens[n - i]?.tokenType;
  return at(1) === With ? at(2) === StringLiteral && at(3) === To : at(1) === StringLiteral && at(2) === To;
}

export const LParen = createToken({ name: 'LParen', label: "'('", pattern: '(' });
export const RParen = createToken({ name: 'RParen', label: "')'", pattern: ')' });
export const Comma = createToken({ name: 'Comma', label: "','", pattern: ',' });
export const Equals = createToken({ name: 'Equals', label: "'='", pattern: '=' });
export const Dot = createToken({ name: 'Dot', label: "'.'", pattern: '.' });
export const Minus = createToken({ name: 'Minus', label: "'-'", pattern: '-' });
export const Semicolon = createToken({ name: 'Semicolon', label: "';'", pattern: ';' });

/** Lexer order: trivia, keywords (types last so TIMESTAMP wins over TIME), literals, Identifier, punctuation. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  Rvbbit,
  MapKw,
  Run,
  Async,
  Parallel,
  Distinct,
  Batch,
  As,
  Using,
  With,
  Explain,
  Format,
  Create,
  Temp,
  Temporary,
  Table,
  Insert,
  Into,
  Copy,
  To,
  True,
  False,
  Null,
  ...typeTokens,
  StringLiteral,
  Identifier,
  QuotedIdentifier,
  NumberLiteral,
  SqlBlock,
  CopyOptions,
  LParen,
  RParen,
  Comma,
  Equals,
  Dot,
  Minus,
  Semicolon,
  Name,
  TypeName,
];
