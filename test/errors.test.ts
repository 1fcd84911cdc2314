import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { duckdbErrorCode, ENGINE_ERROR_CODES, isLlmHttpStatusCode } from '../base/error-codes.js';
import { errorMessage, RvbbitError } from '../base/errors.js';
import { duckdbError } from '../src/db/duckdb-error.js';

test('RvbbitError keeps its code and detail as plain data', () => {
  const err = new RvbbitError('MAP_BAD_OPTION', 'bad', { key: 'limit' });
  assert.equal(JSON.parse(JSON.stringify(err)), {
    code: 'MAP_BAD_OPTION',
    message: 'bad',
    detail: { key: 'limit' },
  });
  assert.is(errorMessage(err), 'bad');
  assert.is(errorMessage('plain'), 'plain');
});

test('every engine code is upper snake case and says in one line what it means', () => {
  for (const [code, meaning] of Object.entries(ENGINE_ERROR_CODES)) {
    assert.match(code, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/, code);
    assert.ok(meaning.length > 10 && !meaning.includes('\n'), code);
  }
});

test("a DuckDB error's code comes from the error type its message starts with", () => {
  assert.is(duckdbErrorCode('Binder'), 'DUCKDB_BINDER');
  assert.is(duckdbErrorCode('TransactionContext'), 'DUCKDB_TRANSACTIONCONTEXT');
  assert.is(duckdbErrorCode('INTERRUPT'), 'DUCKDB_INTERRUPT');
  // Types of a few words ("Out of Range Error: …") join with underscores.
  assert.is(duckdbErrorCode('Out of Range'), 'DUCKDB_OUT_OF_RANGE');
  assert.is(duckdbErrorCode('Invalid Input'), 'DUCKDB_INVALID_INPUT');
  // No type, or one DuckDB is not known to raise: the generic code, never an unlisted one.
  assert.is(duckdbErrorCode(undefined), 'DUCKDB_ERROR');
  assert.is(duckdbErrorCode('Whatever'), 'DUCKDB_ERROR');
  assert.is(duckdbErrorCode('Error'), 'DUCKDB_ERROR');
});

test("duckdbError reads the type off DuckDB's message, one word or several", () => {
  assert.is(duckdbError(new Error('Binder Error: column x not found')).code, 'DUCKDB_BINDER');
  assert.is(duckdbError(new Error('Invalid Input Error: bad row 3')).code, 'DUCKDB_INVALID_INPUT');
  assert.is(duckdbError(new Error('Out of Range Error: overflow')).code, 'DUCKDB_OUT_OF_RANGE');
  assert.is(duckdbError(new Error('no type at all')).code, 'DUCKDB_ERROR');
});

test('LLM_HTTP_<status> is a family of codes, told apart from the other LLM_HTTP_ code', () => {
  assert.ok(isLlmHttpStatusCode('LLM_HTTP_401'));
  assert.not.ok(isLlmHttpStatusCode('LLM_HTTP_ERROR'));
});

test.run();
