/**
 * A cancel that lands after a statement started but before DuckDB started its
 * query (Session.interrupter): DuckDB drops an interrupt on an idle
 * connection, and a signal aborts once, so the statement used to run to its
 * end (a server test's pg_cancel_backend loop hung for 900 s in CI). Aborted in
 * the same tick as the call, the signal is aborted before the statement's
 * first query: it must end CANCELLED, through query and stream alike.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';

// Billions of products: minutes of DuckDB's work if nothing stops it.
const LONG = 'SELECT sum(a.range * b.range) AS s FROM range(200000) a, range(200000) b';

test('aborted before its first query starts: query() ends CANCELLED, and the connection runs the next statement', async () => {
  const engine = await createEngine({ threads: 1 });
  try {
    const ac = new AbortController();
    const running = engine.query(LONG, [], { signal: ac.signal });
    ac.abort();
    const e = await running.then(
      () => undefined,
      (err: Error & { code?: string }) => err,
    );
    assert.is(e?.code, 'CANCELLED');
    assert.equal((await engine.query('SELECT 42 AS answer')).rows, [{ answer: 42 }]);
  } finally {
    await engine.close();
  }
});

test('aborted before its first query starts: stream() ends CANCELLED', async () => {
  const engine = await createEngine({ threads: 1 });
  try {
    const ac = new AbortController();
    const it = engine.stream(LONG, [], { signal: ac.signal });
    const first = it.next();
    ac.abort();
    const e = await first.then(
      () => undefined,
      (err: Error & { code?: string }) => err,
    );
    assert.is(e?.code, 'CANCELLED');
  } finally {
    await engine.close();
  }
});

test.run();
