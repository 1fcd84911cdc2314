/**
 * The one lexer for RVBBIT statements. Offsets only: lines and columns come
 * from the LineIndex of the whole input, which is cheaper and agrees with spans.
 */
import { type ILexerConfig, Lexer } from 'chevrotain';
import { allTokens } from './tokens.js';

/**
 * Chevrotain's checks of the token definitions (skipValidations) are off: the
 * tokens are fixed in code, so the checks say the same at every start, and
 * took ~30 ms of each one; test/grammar/definitions.test.ts runs them.
 */
export const LEXER_CONFIG = {
  positionTracking: 'onlyOffset',
  ensureOptimizations: true,
  skipValidations: true,
} as const satisfies ILexerConfig;

export const rvbbitLexer = new Lexer(allTokens, LEXER_CONFIG);
