import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ResultCache } from '../../src/cache/result-cache.js';
import { ConnectionQueue } from '../../src/db/connection-queue.js';
import { ensureRvbbitSchema, ROWS_COMMITTED_WITHIN_MS } from '../../src/obs/schema.js';
import { LruCache } from '../../src/runtime/lru-cache.js';

test('LRU evicts the least recently used entry past its entry bound', () => {
  const lru = new LruCache<string>(2, 1000);
  lru.set('a', '1', 1);
  lru.set('b', '2', 1);
  assert.is(lru.get('a'), '1'); // a is now the most recent
  lru.set('c', '3', 1);
  assert.is(lru.get('b'), undefined);
  assert.is(lru.get('a'), '1');
  assert.is(lru.evictions, 1);
});

test('LRU drops expired entries and respects its byte bound', () => {
  const lru = new LruCache<string>(10, 10);
  lru.set('old', 'x', 1, 100);
  assert.is(lru.get('old', 99), 'x');
  assert.is(lru.get('old', 100), undefined);
  lru.set('big', 'y', 11);
  assert.is(lru.size, 0);
  lru.set('p', 'y', 6);
  lru.set('q', 'z', 6);
  assert.equal([lru.get('p'), lru.get('q'), lru.bytes], [undefined, 'z', 6]);
});

test('result cache survives a new in-memory front (persistent table) and honours TTL', async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  await ensureRvbbitSchema(con);
  const q = new ConnectionQueue(con);
  const first = new ResultCache(q);
  await first.store([
    { key: 'k1', cascadeId: 'c', value: '"one"' },
    { key: 'k2', cascadeId: 'c', value: '"two"', ttlMs: 0 },
  ]);
  // Writes are buffered; closing flushes them (the engine flushes at the end of every statement).
  await first.close();
  // A fresh cache object has an empty LRU: hits must come from rvbbit.cache.
  const second = new ResultCache(q);
  const found = await second.lookup(['k1', 'k2', 'k3']);
  assert.equal([...found.entries()], [['k1', '"one"']]);
  assert.equal(second.stats(), { hits: 1, misses: 2, evictions: 0, entries: 1, bytes: 7 });
  await second.publishStats();
  const rows = (await con.runAndReadAll('SELECT hits, misses FROM rvbbit.cache_stats')).getRowObjectsJson();
  assert.equal(rows, [{ hits: '1', misses: '2' }]);
  con.closeSync();
});

test('recall names the run that made an answer, for the last 4,096 answers stored; counts nothing', async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  await ensureRvbbitSchema(con);
  const cache = new ResultCache(new ConnectionQueue(con));
  await cache.store([
    { key: 'k0', cascadeId: 'c', value: '"zero"', sessionId: 's0' },
    { key: 'plain', cascadeId: 'c', value: '"p"' },
  ]);
  assert.equal(cache.recall('k0'), { value: '"zero"', sessionId: 's0' });
  // An answer stored without its run (a cache write of no run) is recalled with none.
  assert.equal(cache.recall('plain'), { value: '"p"', sessionId: '' });
  assert.is(cache.recall('nope'), undefined);
  // 4,096 later answers: k0's run is forgotten (the memory stays bounded), its answer is not.
  await cache.store(
    Array.from({ length: 4096 }, (_, i) => ({
      key: `k${i + 1}`,
      cascadeId: 'c',
      value: `${i + 1}`,
      sessionId: `s${i + 1}`,
    })),
  );
  assert.equal(cache.recall('k0'), { value: '"zero"', sessionId: '' });
  assert.equal(cache.recall('k1'), { value: '1', sessionId: 's1' });
  assert.equal(cache.recall('k4096'), { value: '4096', sessionId: 's4096' });
  assert.equal(cache.stats().hits + cache.stats().misses, 0);
  await cache.close();
  con.closeSync();
});

test('a lookup finds rows still buffered for the table without flushing them, and honours their TTL', async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  await ensureRvbbitSchema(con);
  // A 1-entry LRU: the second store evicts the first from memory while both are still unflushed.
  const cache = new ResultCache(new ConnectionQueue(con), { maxEntries: 1 });
  await cache.store([
    { key: 'a', cascadeId: 'c', value: '"A"' },
    { key: 'b', cascadeId: 'c', value: '"B"' },
    { key: 'gone', cascadeId: 'c', value: '"G"', ttlMs: 0 },
  ]);
  const found = await cache.lookup(['a', 'b', 'gone']);
  assert.equal([...found.entries()].sort(), [
    ['a', '"A"'],
    ['b', '"B"'],
  ]);
  // Nothing was flushed by the lookup: the table is still empty.
  const n = (await con.runAndReadAll('SELECT count(*)::INTEGER AS n FROM rvbbit.cache')).getRowObjectsJS();
  assert.equal(n, [{ n: 0 }]);
  await cache.close();
  con.closeSync();
});

/** A queue over `con` that counts the statements run through it. */
function countingQueue(con: DuckDBConnection): { q: ConnectionQueue; runs: () => number } {
  const q = new ConnectionQueue(con);
  let runs = 0;
  const run = q.run.bind(q);
  q.run = ((task) => {
    runs++;
    return run(task);
  }) as ConnectionQueue['run'];
  return { q, runs: () => runs };
}

test('a key memory lacks is looked for in the table only when the table may hold more than memory', async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  await ensureRvbbitSchema(con);
  // An empty table at open: a new key is no query (the table holds nothing memory does not).
  const { q, runs } = countingQueue(con);
  const cache = new ResultCache(q, { maxEntries: 2 });
  await cache.lookup(['warm']);
  const before = runs();
  assert.equal([...(await cache.lookup(['new-1', 'new-2'])).keys()], []);
  assert.is(runs(), before, 'no table read for keys memory lacks');
  // Memory lets an answer go (2 entries at most): the table is read from then on, and has it.
  await cache.store([
    { key: 'a', cascadeId: 'c', value: '"A"' },
    { key: 'b', cascadeId: 'c', value: '"B"' },
    { key: 'c', cascadeId: 'c', value: '"C"' },
  ]);
  // Committed by the deadline's timer (no statement named the table), polled.
  const until = Date.now() + 20 * ROWS_COMMITTED_WITHIN_MS;
  const held = async () =>
    Number((await con.runAndReadAll('SELECT count(*) AS n FROM rvbbit.cache')).getRows()[0]![0]);
  while ((await held()) < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  assert.is(await held(), 3);
  assert.equal([...(await cache.lookup(['a'])).entries()], [['a', '"A"']]);
  await cache.close();
  // Rows in the table at open (an earlier run's) are found by a new cache.
  const reopened = new ResultCache(new ConnectionQueue(con));
  assert.equal([...(await reopened.lookup(['b'])).entries()], [['b', '"B"']]);
  await reopened.close();
  // A row a statement wrote into the table (it named the table: commitRows) is found too.
  const fresh = await DuckDBInstance.create(':memory:');
  const con2 = await fresh.connect();
  await ensureRvbbitSchema(con2);
  const third = new ResultCache(new ConnectionQueue(con2));
  assert.equal([...(await third.lookup(['hand'])).keys()], []);
  await third.commitRows();
  await con2.run(`INSERT INTO rvbbit.cache VALUES ('hand', 'c', '"H"', now()::TIMESTAMP, NULL, 3)`);
  assert.equal([...(await third.lookup(['hand'])).entries()], [['hand', '"H"']]);
  await third.close();
  con2.closeSync();
  con.closeSync();
});

test.run();
