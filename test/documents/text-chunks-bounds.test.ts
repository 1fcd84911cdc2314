/**
 * TEXT_CHUNKS' text is refused by its size before it is copied out of
 * DuckDB: the length DuckDB holds is read first, so a text over
 * maxDocumentBytes is DOCUMENT_TOO_LARGE naming the bound, even one longer
 * than V8's longest string (2^29 - 24 characters), which getItem's copy
 * failed on with an INTERNAL error. NULL rows and texts within the bound, in
 * the same chunk of rows, still answer.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine, type RvbbitError } from '../../src/index.js';

async function failure(p: Promise<unknown>): Promise<RvbbitError> {
  try {
    await p;
  } catch (err) {
    return err as RvbbitError;
  }
  throw new Error('expected a failure');
}

test('a 600,000,000-byte text (past V8’s longest string): DOCUMENT_TOO_LARGE naming the 64 MiB bound, not copied', async () => {
  const engine = await createEngine();
  try {
    // Made once into a table (DuckDB's repeat of one character is slow, and a constant is folded more than once).
    await engine.query(`CREATE TABLE big AS SELECT repeat(repeat('x', 10000), 60000) AS body`);
    const err = await failure(engine.query('SELECT len(TEXT_CHUNKS(body, 100)) AS n FROM big'));
    assert.is(err.code, 'DOCUMENT_TOO_LARGE', err.message);
    assert.is(
      err.message,
      'TEXT_CHUNKS: the text is 572.2 MiB (600000000 bytes); documents are limited to 64.0 MiB (67108864 bytes; engine option maxDocumentBytes, --max-document-bytes)',
    );
    assert.equal((await engine.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  } finally {
    await engine.close();
  }
});

test('a lowered bound: the text over it (in UTF-8 bytes) is refused; NULL and texts within it in the same rows answer', async () => {
  const engine = await createEngine({ maxDocumentBytes: 1000 });
  try {
    await engine.query(
      `CREATE TABLE t AS SELECT * FROM (VALUES (1, 'Short one.'), (2, NULL), (3, repeat('é', 500))) v(i, body)`,
    );
    assert.equal(
      (await engine.query('SELECT i, TEXT_CHUNKS(body, 100) AS c FROM t WHERE i < 3 ORDER BY i')).rows,
      [
        { i: 1, c: ['Short one.'] },
        { i: 2, c: null },
      ],
    );
    // 500 characters, 1,000 bytes: at the bound.
    assert.equal(
      (await engine.query('SELECT len(TEXT_CHUNKS(body, 100))::INTEGER AS n FROM t WHERE i = 3')).rows,
      [{ n: 5 }],
    );
    const err = await failure(engine.query(`SELECT TEXT_CHUNKS(body || 'x', 100) AS c FROM t ORDER BY i`));
    assert.is(err.code, 'DOCUMENT_TOO_LARGE');
    assert.match(
      err.message,
      /^TEXT_CHUNKS: the text is 0\.0 MiB \(1001 bytes\); documents are limited to 0\.0 MiB \(1000 bytes;/,
    );
  } finally {
    await engine.close();
  }
});

test.run();
