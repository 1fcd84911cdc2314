/** The engine-file guard's tokens (src/server/sql-tokens.ts), read by the grammar's scanner and cutter. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readDuckdbSql } from '../../src/server/sql-tokens.js';

test('string constants carry their values: doubled quotes, E, N, U& and dollar forms', () => {
  const { tokens } = readDuckdbSql(`SELECT 'it''s', E'a\\'b''c', N'/x', U&'/y', $t$/z$t$, "q""n"`);
  const values = tokens.filter((t) => t.kind === 'string' || t.kind === 'quoted').map((t) => t.value);
  assert.equal(values, ["it's", "a\\'b'c", '/x', '/y', '/z', 'q"n']);
});

test('statements are cut by the grammar; adjacent strings make a run; a number runs through letters', () => {
  const { statements, runs, tokens } = readDuckdbSql(`SELECT '/a.' -- c\n 'duckdb';; SELECT 1_000, 0x1F`);
  assert.is(statements.length, 2);
  assert.equal(
    runs.map((r) => r.parts.map((p) => p.value)),
    [['/a.', 'duckdb']],
  );
  assert.equal(
    tokens.filter((t) => t.kind === 'number').map((t) => t.value),
    ['1_000', '0x1F'],
  );
  assert.ok(tokens.some((t) => t.kind === 'op' && t.value === ';'));
});

test('an unterminated string is the rest of the text', () => {
  const { tokens } = readDuckdbSql(`SELECT '/data/x; SELECT 1`);
  assert.equal(tokens[tokens.length - 1], {
    kind: 'string',
    value: '/data/x; SELECT 1',
    raw: `'/data/x; SELECT 1`,
    escaped: false,
  });
});

test.run();
