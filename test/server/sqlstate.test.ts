/**
 * Every error code has a SQLSTATE (the compiler checks the map is complete;
 * this checks what is in it), and representative codes land in the classes
 * Postgres clients branch on.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ENGINE_ERROR_CODES, type ErrorCode, ROW_ERROR_CODES } from '../../base/error-codes.js';
import { RvbbitError } from '../../base/errors.js';
import { GrammarErrorCode } from '../../grammar/errors.js';
import { CascadeErrorCode } from '../../src/cascade/cascade-error.js';
import { SqlDataErrorCode } from '../../src/cascade/duckdb-host.js';
import { LLM_ERROR } from '../../src/llm/errors.js';
import { errorFields, SQLSTATE_OF_CODE, SqlState, sqlStateOf } from '../../src/server/sqlstate.js';

const everyCode: ErrorCode[] = [
  ...(Object.keys(ENGINE_ERROR_CODES) as (keyof typeof ENGINE_ERROR_CODES)[]),
  ...(Object.keys(ROW_ERROR_CODES) as (keyof typeof ROW_ERROR_CODES)[]),
  ...Object.values(GrammarErrorCode),
  ...Object.values(CascadeErrorCode),
  ...Object.values(SqlDataErrorCode),
  ...Object.values(LLM_ERROR),
];

test('every code maps to a 5-character SQLSTATE', () => {
  for (const code of [...everyCode, 'LLM_HTTP_401', 'LLM_HTTP_413'] as const) {
    assert.match(sqlStateOf(code), /^[0-9A-Z]{5}$/, code);
  }
});

test('the map holds exactly the codes there are, each once', () => {
  assert.is(new Set(everyCode).size, everyCode.length, 'a code is listed by two catalogs');
  assert.equal(Object.keys(SQLSTATE_OF_CODE).sort(), [...everyCode].sort());
});

test('every SQLSTATE used is a known one', () => {
  const known = new Set<string>(Object.values(SqlState));
  for (const [code, state] of Object.entries(SQLSTATE_OF_CODE)) assert.ok(known.has(state), code);
});

test('representative codes map to the documented classes', () => {
  const expected: [ErrorCode, string][] = [
    // Class 42: syntax error or access rule violation.
    ['E_UNEXPECTED_TOKEN', '42601'],
    ['E_BAD_PARALLEL', '42601'],
    ['DUCKDB_PARSER', '42601'],
    ['DUCKDB_CATALOG', '42P01'],
    ['DUCKDB_BINDER', '42703'],
    ['SEMANTIC_NO_FUNCTION', '42883'],
    // Class 22: data exception.
    ['DUCKDB_CONVERSION', '22000'],
    ['DUCKDB_INVALID_INPUT', '22000'],
    ['DUCKDB_OUT_OF_RANGE', '22003'],
    ['BAD_PARAMETER', '22000'],
    ['CASCADE_NOT_FOUND', '22000'],
    ['CASCADE_SCHEMA', '22000'],
    ['MAP_BAD_OPTION', '22023'],
    // Class 25: invalid transaction state; 26 and 34: unknown prepared statement and portal.
    ['IN_FAILED_TRANSACTION', '25P02'],
    ['DUCKDB_TRANSACTIONCONTEXT', '25P02'],
    ['UNKNOWN_STATEMENT', '26000'],
    ['UNKNOWN_PORTAL', '34000'],
    // Class 57: operator intervention; 53: insufficient resources; 08: connection exception.
    ['CANCELLED', '57014'],
    ['TOO_MANY_CONNECTIONS', '53300'],
    ['PROTOCOL_VIOLATION', '08P01'],
    ['UNSUPPORTED_MESSAGE', '0A000'],
    ['DUCKDB_NOT_IMPLEMENTED', '0A000'],
    ['DUCKDB_CONSTRAINT', '23000'],
    // Class XX: internal error.
    ['INTERNAL', 'XX000'],
    ['DUCKDB_ERROR', 'XX000'],
    ['LLM_HTTP_401', 'XX000'],
    ['LLM_RETRIES_EXHAUSTED', 'XX000'],
  ];
  for (const [code, state] of expected) assert.is(sqlStateOf(code), state, code);
});

test('errorFields names the code, and anything that is not an RvbbitError is INTERNAL (XX000)', () => {
  const syntax = errorFields(new RvbbitError('E_UNEXPECTED_TOKEN', 'bad', { offset: 4 }), {
    text: 'SELEC 1',
    start: 10,
  });
  assert.equal([syntax.C, syntax.P, syntax.D], ['42601', '15', 'rvbbit code E_UNEXPECTED_TOKEN']);
  const other = errorFields(new TypeError('boom'));
  assert.equal([other.C, other.M, other.D], ['XX000', 'boom', 'rvbbit code INTERNAL']);
});

test.run();
