/**
 * Parser messages in the dialect's words: "expected USING but found 'WITH'".
 * The builder maps them to codes; here they only need to read well.
 */
import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import { describeFound } from './errors.js';

/** A token type's display name: its label when it has one (keywords, punctuation). */
export const tokenLabel = (t: TokenType): string => {
  if (t.name === 'Name' || t.name === 'Identifier') return 'a name';
  if (t.name === 'TypeName') return 'a type';
  return t.LABEL ?? t.name;
};

const found = (t: IToken): string => describeFound(t.tokenType.name === 'EOF' ? null : t.image);

const oneOf = (labels: string[]): string => {
  const unique = [...new Set(labels)];
  if (unique.length <= 1) return unique[0] ?? 'something else';
  return `${unique.slice(0, -1).join(', ')} or ${unique[unique.length - 1]}`;
};

export const parserMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) =>
    `expected ${tokenLabel(expected)} but found ${found(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) =>
    `expected end of statement but found ${found(firstRedundant)}`,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual }) => {
    const firsts = expectedPathsPerAlt.flatMap((alt) =>
      alt.map((path) => (path[0] ? tokenLabel(path[0]) : '')),
    );
    return `expected ${oneOf(firsts.filter(Boolean))} but found ${found(actual[0]!)}`;
  },
  buildEarlyExitMessage: ({ expectedIterationPaths, actual }) => {
    const firsts = expectedIterationPaths.map((p) => (p[0] ? tokenLabel(p[0]) : ''));
    return `expected ${oneOf(firsts.filter(Boolean))} but found ${found(actual[0]!)}`;
  },
};
