/**
 * The answer log beside a database file: every stored answer is in it before
 * the store returns, it keeps only what the cache table has not committed,
 * and what a crash left in it is replayed into the table at the next open.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AnswerLog, answerLine, answerLogPath, readAnswerLog } from '../../src/cache/answer-log.js';
import { ResultCache } from '../../src/cache/result-cache.js';
import { ConnectionQueue } from '../../src/db/connection-queue.js';
import { ensureRvbbitSchema } from '../../src/obs/schema.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'rvbbit-answer-log-'));
}

async function openCache(database: string) {
  const instance = await DuckDBInstance.create(database);
  const con = await instance.connect();
  const store = await ensureRvbbitSchema(con);
  const cache = new ResultCache(new ConnectionQueue(con), {}, store);
  const count = async () =>
    Number((await con.runAndReadAll('SELECT count(*) AS n FROM rvbbit.cache')).getRowObjectsJS()[0]!.n);
  return {
    cache,
    count,
    /** Closes the database without closing the cache: what a kill -9 leaves behind. */
    crash() {
      con.closeSync();
      instance.closeSync();
    },
    async close() {
      await cache.close();
      con.closeSync();
      instance.closeSync();
    },
  };
}

test('the log file: appends whole lines, keeps only what is uncommitted, skips a torn last line', () => {
  const dir = tempDir();
  const path = join(dir, 'x.answers');
  try {
    const log = new AnswerLog(path);
    const a = { key: 'k1', cascadeId: 'c', value: '"one"', createdAt: 1, expiresAt: null };
    const b = { key: 'k2', cascadeId: 'c', value: '{"x":2}', createdAt: 2, expiresAt: 99 };
    log.append(answerLine(a) + answerLine(b));
    assert.equal(readAnswerLog(path), [a, b]);
    log.committed(answerLine(b));
    assert.equal(readAnswerLog(path), [b]);
    log.append(`${answerLine(a)}["torn`);
    assert.equal(readAnswerLog(path), [b, a]);
    log.committed('');
    assert.equal(readFileSync(path, 'utf8'), '');
    log.append(answerLine(a));
    assert.equal(readAnswerLog(path), [a]);
    log.close();
    assert.ok(existsSync(path), 'a log holding answers is kept');
    new AnswerLog(path).committed('');
    const empty = new AnswerLog(path);
    empty.close();
    assert.not.ok(existsSync(path), 'an empty log is removed on close');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stored answer is in the log before the store returns; a commit empties the log', async () => {
  const dir = tempDir();
  const database = join(dir, 'c.duckdb');
  try {
    const db = await openCache(database);
    await db.cache.lookup([]); // the log is open once the cache is ready
    void db.cache.store([{ key: 'k', cascadeId: 'c', value: '"v"' }]);
    assert.equal(
      readAnswerLog(answerLogPath(database)).map((a) => [a.key, a.value]),
      [['k', '"v"']],
    );
    await db.cache.commitRows(); // committed
    assert.equal(readFileSync(answerLogPath(database), 'utf8'), '');
    await db.close();
    assert.not.ok(existsSync(answerLogPath(database)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('answers a crash left uncommitted are replayed into the table at the next open', async () => {
  const dir = tempDir();
  const database = join(dir, 'c.duckdb');
  try {
    const first = await openCache(database);
    await first.cache.lookup([]);
    await first.cache.store([
      { key: 'k1', cascadeId: 'c', value: '"one"' },
      { key: 'gone', cascadeId: 'c', value: '"old"', ttlMs: 0 },
    ]);
    assert.is(await first.count(), 0);
    first.crash();
    // The crash also tore a write in half.
    writeFileSync(
      answerLogPath(database),
      `${readFileSync(answerLogPath(database), 'utf8')}["k2","c","\\"tw`,
    );

    const second = await openCache(database);
    const found = await second.cache.lookup(['k1', 'gone', 'k2']);
    assert.equal([...found.entries()], [['k1', '"one"']]);
    assert.is(await second.count(), 2);
    await second.close();
    assert.not.ok(existsSync(answerLogPath(database)), 'replayed and committed: the log is gone');

    const third = await openCache(database);
    assert.equal([...(await third.cache.lookup(['k1'])).entries()], [['k1', '"one"']]);
    assert.is(await third.count(), 2);
    await third.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an in-memory database keeps no answer log', async () => {
  const db = await openCache(':memory:');
  await db.cache.store([{ key: 'k', cascadeId: 'c', value: '"v"' }]);
  assert.is((await db.cache.lookup(['k'])).size, 1);
  await db.close();
});

test.run();
