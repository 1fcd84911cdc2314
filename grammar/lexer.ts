/**
 * The one lexer for RVBBIT statements. Offsets only: lines and columns come
 * from the LineIndex of the whole input, which is cheaper and agrees with spans.
 */
import { Lexer } from 'chevrotain';
import { allTokens } from './tokens.js';

export const rvbbitLexer = new Lexer(allTokens, {
  positionTracking: 'onlyOffset',
  ensureOptimizations: true,
});
