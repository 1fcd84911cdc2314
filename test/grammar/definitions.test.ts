/**
 * Chevrotain's checks of the token and grammar definitions, which the shipped
 * lexer and parser skip at start (grammar/lexer.ts, grammar/parser.ts): they
 * run here, on the same definitions.
 */
import { createToken, Lexer } from 'chevrotain';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LEXER_CONFIG } from '../../grammar/lexer.js';
import { RvbbitParser } from '../../grammar/parser.js';
import { allTokens } from '../../grammar/tokens.js';

test('the token definitions pass the lexer checks the shipped lexer skips', () => {
  const lexer = new Lexer(allTokens, {
    ...LEXER_CONFIG,
    skipValidations: false,
    deferDefinitionErrorsHandling: true,
  });
  assert.equal(
    lexer.lexerDefinitionErrors.map((e) => e.message),
    [],
  );
});

test('the grammar passes the parser checks the shipped parser skips', () => {
  // Chevrotain throws "Parser Definition Errors detected", naming each, when a check fails.
  assert.not.throws(() => new RvbbitParser({ validate: true }));
});

test('the checks run: a token that can match the empty text fails them', () => {
  const empty = createToken({ name: 'Empty', pattern: /x*/ });
  const lexer = new Lexer([...allTokens, empty], {
    ...LEXER_CONFIG,
    skipValidations: false,
    deferDefinitionErrorsHandling: true,
  });
  assert.ok(lexer.lexerDefinitionErrors.length > 0);
});

test.run();
