/**
 * A MAP written to a table holds its rows in DuckDB, which keeps under the
 * memory bound the engine sets and spills the rest (db/spill-settings.ts):
 * the in-memory database to a private folder under the system's temp folder,
 * removed when the engine closes. Shown at a small size against a low
 * configured bound: a table several times the bound is written, and DuckDB's
 * own counters show it under the bound with the rest on disk. Real engine,
 * real DuckDB, real simulator.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConnectionQueue } from '../../src/db/connection-queue.js';
import {
  COPY_MEMORY_LIMIT,
  DEFAULT_LLM_MEMORY_LIMIT,
  FINAL_WRITE_MEMORY_LIMIT,
  LlmWorkBound,
  SHOWN_DEFAULT_LIMITS,
  WRITE_MEMORY_LIMIT,
} from '../../src/db/llm-work-bound.js';
import { DEFAULT_MEMORY_LIMIT } from '../../src/db/spill-settings.js';
import { createEngine } from '../../src/index.js';
import { sizedRowGroups, underFinalBound } from '../../src/statements/map/map-stream-write.js';
import { rowGroupRows } from '../../src/statements/map/map-write.js';
import { ENGINE_CASCADES, startFixture } from './engine-fixture.js';

const MB = 1024 * 1024;
/** 32,000 rows of ~4 KB text (~60 MB as DuckDB stores it), against a 32 MB bound (16 MB was too tight for DuckDB's own working buffers once: its out-of-memory at 15.0 of 15.2 MiB, with both test lanes busy). */
const ROWS = 32_000;
/** Ten distinct input rows: ten calls, the rest of the rows answered from them. */
const MAP = `CREATE TABLE out AS RVBBIT MAP PARALLEL 10 'label'
  USING (SELECT range % 10 AS k, repeat('spill ', 680) || (range % 10) AS text FROM range(${ROWS}))
  WITH (limit = 0)`;

function numberOf(rows: readonly Record<string, unknown>[], key: string): number {
  return Number(rows[0]![key]);
}

test('the in-memory database spills past the memory bound into its own temp folder, removed at close', async () => {
  const f = await startFixture({}, { memoryLimit: '32MB' });
  let folder = '';
  try {
    const setting = await f.engine.query(
      `SELECT current_setting('temp_directory') AS dir, current_setting('memory_limit') AS lim`,
    );
    folder = String(setting.rows[0]!.dir);
    assert.is(dirname(folder), tmpdir());
    assert.match(basename(folder), new RegExp(`^rvbbit-duckdb-temp-${process.pid}-`));
    assert.is(statSync(folder).mode & 0o777, 0o700);
    assert.match(String(setting.rows[0]!.lim), /^30\.\d MiB$/);

    const meta = await f.engine.query(MAP);
    assert.is(numberOf(meta.rows, 'row_count'), ROWS);
    assert.is(f.sim.stats().requests, 10);
    const memory = await f.engine.query(
      `SELECT sum(memory_usage_bytes)::DOUBLE AS held, sum(temporary_storage_bytes)::DOUBLE AS spilled
       FROM duckdb_memory()`,
    );
    const held = numberOf(memory.rows, 'held');
    const spilled = numberOf(memory.rows, 'spilled');
    assert.ok(held <= 32 * MB, `DuckDB holds ${held} bytes, over its 32 MB bound`);
    assert.ok(spilled > 16 * MB, `DuckDB spilled ${spilled} bytes: the table never passed its bound`);
    // The rows are all there, in input order.
    const check = await f.engine.query(
      `SELECT count(*)::DOUBLE AS n, count(DISTINCT (k, result))::DOUBLE AS answers,
         bool_and(k = rowid % 10) AS ordered FROM out`,
    );
    // One answer per distinct input: each k's rows carry the same one.
    assert.equal(check.rows[0], { n: ROWS, answers: 10, ordered: true });
  } finally {
    await f.close();
  }
  assert.not.ok(existsSync(folder), 'the spill folder is gone after close');
});

test("a statement's SET memory_limit wins over the engine's: a MAP written through each path leaves it as set", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-limit-'));
  const f = await startFixture({}, { memoryLimit: '64MB', database: join(dir, 'f.duckdb') });
  try {
    const limit = async (q: {
      query(sql: string): Promise<{ readonly rows: readonly Record<string, unknown>[] }>;
    }) => String((await q.query(`SELECT current_setting('memory_limit') AS m`)).rows[0]!.m);
    assert.is(await limit(f.engine), '61.0 MiB');
    const session = await f.engine.session();
    await session.query(`SET memory_limit = '200MB'`);
    const input = `USING (SELECT range AS k, 'row ' || range AS text FROM range(40)) WITH (limit = 0)`;
    // Straight into its table (map-stream-write.ts), then through the scratch database file.
    await session.query(`CREATE TABLE direct AS RVBBIT MAP 'label' ${input}`);
    await session.query('CREATE TABLE later (k BIGINT, text VARCHAR, result VARCHAR)');
    await session.query(`INSERT INTO later RVBBIT MAP 'label' ${input}`);
    await session.query(`COPY (RVBBIT MAP 'label' ${input}) TO '${join(dir, 'x.parquet')}' (FORMAT parquet)`);
    assert.is(f.sim.stats().requests, 40, 'the 40 rows were asked once (the rest from the cache)');
    // memory_limit is the database's, not a session's: every session, and the engine's next statement, sees the SET.
    assert.is(await limit(session), '190.7 MiB');
    assert.is(await limit(await f.engine.session()), '190.7 MiB');
    assert.is(await limit(f.engine), '190.7 MiB');
    const rows = await f.engine.query(
      `SELECT (SELECT count(*) FROM direct)::DOUBLE AS direct, (SELECT count(*) FROM later)::DOUBLE AS later,
         (SELECT count(*) FROM '${join(dir, 'x.parquet')}')::DOUBLE AS copied`,
    );
    assert.equal(rows.rows, [{ direct: 40, later: 40, copied: 40 }]);
  } finally {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('once a statement with LLM calls has run a second, DuckDB is under the lower bound, put back at its end; a SET wins', async () => {
  // Each call takes 2.5 s: a MAP of one new row runs past the second after which the bound is lowered.
  const f = await startFixture({ latencyMs: 2500 }, { llmMemoryLimit: '256MB' });
  const bound = f.engine.shared.llmWork;
  // Read on a session of its own: the engine's queries share one connection, one statement at a
  // time, so a read there waits for the MAP and sees the bound only in the moment between the
  // MAP's result and its putting back (once missed on a loaded machine: the wait below never ended).
  const watcher = await f.engine.session();
  const limitNow = async () =>
    String((await watcher.query(`SELECT current_setting('memory_limit') AS m`)).rows[0]!.m);
  const map = (text: string) => `RVBBIT MAP 'label' USING (SELECT '${text}' AS text) WITH (limit = 0)`;
  /** The bounds another session sees every 100 ms while `running` runs. */
  const watch = async (running: Promise<unknown>): Promise<Set<string>> => {
    const seen = new Set<string>();
    let done = false;
    const ended = running.finally(() => {
      done = true;
    });
    while (!done) {
      seen.add(await limitNow());
      await new Promise((r) => setTimeout(r, 100));
    }
    await ended;
    return seen;
  };
  try {
    assert.is(await limitNow(), '953.6 MiB', 'plain SQL: the engine’s 1GB');
    assert.equal([...(await watch(f.engine.query(map('one'))))].sort(), ['244.1 MiB', '953.6 MiB']);
    assert.is(await limitNow(), '953.6 MiB', 'put back when it ended');
    assert.is(bound.lowerings, 1);
    // The same row again is answered from the cache at once: the bound is never lowered.
    await f.engine.query(map('one'));
    assert.is(bound.lowerings, 1);
    // Two at once: lowered once, put back once the second ends.
    const both = Promise.all([f.engine.query(map('two')), f.engine.query(map('three'))]);
    assert.ok((await watch(both)).has('244.1 MiB'));
    assert.is(bound.lowerings, 2);
    assert.is(await limitNow(), '953.6 MiB');
    // A SET made while it is lowered stands when the statement ends. The simulator holds the
    // answer (a gate one call never fills) until the SET is made.
    f.sim.setOptions({ gate: { requests: 2, timeoutMs: 60_000 } });
    let settled = false;
    const running = f.engine.query(map('four')).finally(() => {
      settled = true;
    });
    while ((await limitNow()) !== '244.1 MiB') {
      assert.not.ok(settled, 'the statement ended before the bound was lowered');
      await new Promise((r) => setTimeout(r, 50));
    }
    await watcher.query(`SET memory_limit = '300MB'`);
    f.sim.setOptions({ gate: null });
    await running;
    assert.not.ok(f.sim.stats().gateTimedOut);
    assert.is(await limitNow(), '286.1 MiB');
    // A SET before: never lowered.
    assert.equal([...(await watch(f.engine.query(map('five'))))], ['286.1 MiB']);
    assert.is(bound.lowerings, 3);
    assert.is(f.sim.stats().requests, 5);
  } finally {
    await f.close();
  }
});

test('unset, llmMemoryLimit is 256MB: lowered while a MAP runs past a second, 1GB again after; set to memoryLimit, never lowered', async () => {
  const map = `RVBBIT MAP 'label' USING (SELECT 'x' AS text) WITH (limit = 0)`;
  const unset = await startFixture({ latencyMs: 1500 });
  try {
    const seen = new Set<string>();
    // Read on a session of its own (see above).
    const watcher = await unset.engine.session();
    const running = unset.engine.query(map);
    let done = false;
    void running.finally(() => {
      done = true;
    });
    while (!done) {
      seen.add(String((await watcher.query(`SELECT current_setting('memory_limit') AS m`)).rows[0]!.m));
      await new Promise((r) => setTimeout(r, 100));
    }
    await running;
    assert.equal([...seen].sort(), ['244.1 MiB', '953.6 MiB']);
    assert.is(unset.engine.shared.llmWork.lowerings, 1);
    const now = await unset.engine.query(`SELECT current_setting('memory_limit') AS m`);
    assert.is(now.rows[0]!.m, '953.6 MiB');
  } finally {
    await unset.close();
  }
  const off = await startFixture({ latencyMs: 1500 }, { memoryLimit: '1GB', llmMemoryLimit: '1GB' });
  try {
    await off.engine.query(map);
    assert.is(off.engine.shared.llmWork.lowerings, 0);
  } finally {
    await off.close();
  }
});

test("a MAP streaming its rows into a table or file runs under the write bound, lower than other LLM work's, an INSERT's final copy under a lower one still; the LLM bound again when it ends", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-write-bound-'));
  // Calls of 2.5 s: every statement below runs past the second after which the bound is lowered.
  const f = await startFixture({ latencyMs: 2500 }, { database: join(dir, 'f.duckdb') });
  const bound = f.engine.shared.llmWork;
  // Read on a session of its own: a streamed write holds its session's connection to its end.
  const watcher = await f.engine.session();
  const limitNow = async () =>
    String((await watcher.query(`SELECT current_setting('memory_limit') AS m`)).rows[0]!.m);
  /** The bounds another session sees every 100 ms while `running` runs, each change once, in order. */
  const watch = async (running: Promise<unknown>): Promise<string[]> => {
    const seen: string[] = [];
    let done = false;
    const ended = running.finally(() => {
      done = true;
    });
    while (!done) {
      const now = await limitNow();
      if (seen.at(-1) !== now) seen.push(now);
      await new Promise((r) => setTimeout(r, 100));
    }
    await ended;
    return seen;
  };
  const using = (rows: number) =>
    `USING (SELECT range AS k, 'write ' || range AS text FROM range(${rows})) WITH (limit = 0)`;
  try {
    assert.is(SHOWN_DEFAULT_LIMITS[WRITE_MEMORY_LIMIT], '61.0 MiB');
    assert.is(SHOWN_DEFAULT_LIMITS[COPY_MEMORY_LIMIT], '91.5 MiB');
    assert.is(SHOWN_DEFAULT_LIMITS[FINAL_WRITE_MEMORY_LIMIT], '45.7 MiB');
    // A first MAP loads the engine's LLM statements, so the next ones take their holds at once.
    await f.engine.query(`RVBBIT MAP 'label' USING (SELECT 'warm' AS text) WITH (limit = 0)`);
    const before = [bound.lowerings, bound.writeLowerings, bound.finalLowerings];
    // A CTAS written straight into its table: the write bound, then the engine's (no final copy).
    const ctas = await watch(f.engine.query(`CREATE TABLE direct AS RVBBIT MAP 'label' ${using(1)}`));
    assert.equal([...new Set(ctas)], ['953.6 MiB', '61.0 MiB']);
    assert.is(await limitNow(), '953.6 MiB');
    assert.equal(
      [bound.lowerings, bound.writeLowerings, bound.finalLowerings],
      [before[0]! + 1, before[1]! + 1, before[2]!],
    );
    // An INSERT fills its table from the scratch file at the end: that statement runs under the
    // final copy's bound, which the table's DEFAULT reads as each row goes in.
    await f.engine.query(
      `CREATE TABLE ins (k BIGINT, text VARCHAR, result VARCHAR, bound VARCHAR DEFAULT current_setting('memory_limit'))`,
    );
    const insert = await watch(
      f.engine.query(
        `INSERT INTO ins (k, text, result) RVBBIT MAP 'label' ${using(1).replace("'write '", "'insert '")}`,
      ),
    );
    assert.equal([...new Set(insert)].slice(0, 2), ['953.6 MiB', '61.0 MiB']);
    assert.equal((await watcher.query('SELECT k, text, bound FROM ins')).rows, [
      { k: 0n, text: 'insert 0', bound: '45.7 MiB' },
    ]);
    assert.is(await limitNow(), '953.6 MiB');
    assert.equal(
      [bound.lowerings, bound.writeLowerings, bound.finalLowerings],
      [before[0]! + 2, before[1]! + 2, before[2]! + 1],
    );
    // A plain MAP of two rows, one call at a time (5 s), and a COPY to Parquet through the scratch
    // file started once the LLM bound is on: the write bound while the COPY runs, the LLM bound
    // again while the plain MAP runs on after it.
    // Sessions of their own: an engine's queries share one connection, one statement at a time.
    const [one, two] = [await f.engine.session(), await f.engine.session()];
    const plain = one.query(
      `RVBBIT MAP PARALLEL 1 'label' USING (SELECT range AS k, 'plain ' || range AS text FROM range(2)) WITH (limit = 0)`,
    );
    while ((await limitNow()) !== '244.1 MiB') await new Promise((r) => setTimeout(r, 50));
    const copy = await watch(
      two.query(
        `COPY (RVBBIT MAP 'label' ${using(1).replace("'write '", "'copy '")}) TO '${join(dir, 'x.parquet')}' (FORMAT parquet)`,
      ),
    );
    // The rows stream under the write bound; the file is written under the COPY's (a moment here).
    assert.equal([...new Set(copy)].slice(0, 2), ['244.1 MiB', '61.0 MiB']);
    assert.ok(
      copy.every((m) => ['244.1 MiB', '61.0 MiB', '91.5 MiB'].includes(m)),
      copy.join(', '),
    );
    assert.is(await limitNow(), '244.1 MiB', 'the plain MAP runs on under the LLM bound');
    assert.is((await plain).rows.length, 2);
    assert.is(await limitNow(), '953.6 MiB');
    assert.equal(
      [bound.lowerings, bound.writeLowerings, bound.finalLowerings],
      [before[0]! + 3, before[1]! + 3, before[2]! + 1],
    );
    assert.is(f.sim.stats().requests, 6);
  } finally {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a final copy that runs out of memory under its bound runs once more under the write's; other errors are thrown as they are", async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  const limit = async () =>
    String((await con.runAndReadAll(`SELECT current_setting('memory_limit') AS m`)).getRowObjectsJS()[0]!.m);
  const holds: string[] = [];
  // The bound as the engine's holds set it: 1MB while held (what a list of 3M numbers cannot fit), 1GB after.
  const bound = {
    bytes: 100 * MB,
    final: async () => {
      holds.push('hold');
      await con.run(`SET memory_limit = '1MB'`);
      return async () => {
        holds.push('release');
        await con.run(`SET memory_limit = '1GB'`);
      };
    },
  };
  const tried: string[] = [];
  const write = async (sql: string) => {
    tried.push(await limit());
    return (await con.runAndReadAll(sql)).getRowObjectsJS();
  };
  try {
    const rows = await underFinalBound(bound, () =>
      write('SELECT len(list(range)) AS n FROM range(3000000)'),
    );
    assert.equal(rows, [{ n: 3000000n }]);
    assert.equal(
      tried,
      ['976.5 KiB', '953.6 MiB'],
      'out of memory under the final bound, then run under the next',
    );
    assert.equal(holds, ['hold', 'release'], 'released once');
    tried.length = 0;
    holds.length = 0;
    const failed = await underFinalBound(bound, () => write('SELECT * FROM no_such_table')).catch(
      (e: Error) => e,
    );
    assert.match(String(failed), /Catalog Error: Table with name no_such_table does not exist/);
    assert.equal(tried, ['976.5 KiB'], 'not run again');
    assert.equal(holds, ['hold', 'release']);
    // No final bound (the engine's bounds off): the statement as it is, once.
    tried.length = 0;
    assert.equal(await underFinalBound({ bytes: undefined }, () => write('SELECT 1 AS one')), [{ one: 1 }]);
    assert.equal(tried, ['953.6 MiB']);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
});

test("a Parquet COPY's final statement raises the bound to the COPY's and keeps it there while another write's final copy would take it lower", async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  const now = async () =>
    String((await con.runAndReadAll(`SELECT current_setting('memory_limit') AS m`)).getRowObjectsJS()[0]!.m);
  try {
    await con.run(`SET GLOBAL memory_limit = '${DEFAULT_MEMORY_LIMIT}'`);
    // Lowered as soon as LLM work runs (0 ms): each step below is the bound the holds ask for.
    const bound = await LlmWorkBound.create(
      new ConnectionQueue(con),
      DEFAULT_MEMORY_LIMIT,
      DEFAULT_LLM_MEMORY_LIMIT,
      0,
    );
    const statementA = bound.hold();
    const writeA = bound.hold('write');
    const statementB = bound.hold();
    const writeB = bound.hold('write');
    // The 0 ms timer fires (it lowers the bound), then each hold settles its own SET: waited for by
    // its count, not by a sleep (10 ms was once too short for the four, on a loaded machine).
    for (let waited = 0; bound.writeLowerings === 0 && waited < 30_000; waited += 5) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.is(await now(), '61.0 MiB', 'both stream their rows under the write bound');
    const copyB = await bound.holdCopy();
    assert.is(
      await now(),
      '91.5 MiB',
      "B writes its file under the COPY's bound, its row groups sized to it",
    );
    const finalA = await bound.holdFinal();
    assert.is(await now(), '91.5 MiB', "A's final copy does not take the bound under B's COPY");
    await copyB();
    assert.is(await now(), '45.7 MiB', "B's COPY done: A's final copy has its own bound");
    await finalA();
    assert.is(await now(), '61.0 MiB');
    await writeA();
    await statementA();
    await writeB();
    assert.is(await now(), '244.1 MiB', 'B runs on with LLM work only');
    await statementB();
    assert.is(await now(), '953.6 MiB');
    assert.equal([bound.lowerings, bound.writeLowerings, bound.finalLowerings], [1, 1, 1]);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
});

test('the default bounds as DuckDB shows them (an engine started with both defaults reads neither)', async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  try {
    for (const [given, shown] of Object.entries(SHOWN_DEFAULT_LIMITS)) {
      await con.run(`SET memory_limit = '${given}'`);
      const r = await con.runAndReadAll(`SELECT current_setting('memory_limit') AS m`);
      assert.is(r.getRowObjectsJS()[0]!.m, shown, given);
    }
    assert.equal(
      Object.keys(SHOWN_DEFAULT_LIMITS).sort(),
      [
        DEFAULT_MEMORY_LIMIT,
        DEFAULT_LLM_MEMORY_LIMIT,
        COPY_MEMORY_LIMIT,
        WRITE_MEMORY_LIMIT,
        FINAL_WRITE_MEMORY_LIMIT,
      ].sort(),
    );
  } finally {
    con.closeSync();
    instance.closeSync();
  }
});

test('a COPY (SELECT … LLM(…)) TO Parquet runs under the engine bound: its row group, built in memory, is past the LLM bound', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-copy-semantic-'));
  const f = await startFixture({ latencyMs: 1500 }, { llmMemoryLimit: '32MB' });
  try {
    const file = join(dir, 'out.parquet');
    // Under the 32 MB bound this failed: "Out of Memory Error: failed to allocate data of size 16.0 MiB (19.0 MiB/30.5 MiB used)".
    const r = await f.engine.query(`-- @ parallel: 10
      -- @ batch: 1
      COPY (SELECT k, pad, LLM('Give a short label for the text', text RETURNING VARCHAR) AS label
        FROM (SELECT range % 10 AS k, repeat(md5(range::VARCHAR), 128) AS pad, 'item ' || (range % 10) AS text
              FROM range(${ROWS})))
      TO '${file}' (FORMAT parquet)`);
    assert.equal(
      r.rows.map((row) => Number(row.Count)),
      [ROWS],
    );
    assert.is(f.engine.shared.llmWork.lowerings, 0);
    assert.is(f.sim.stats().requests, 10);
    const check = await f.engine.query(
      `SELECT count(*)::DOUBLE AS n, count(DISTINCT (k, label))::DOUBLE AS answers FROM '${file}'`,
    );
    assert.equal(check.rows[0], { n: ROWS, answers: 10 });
  } finally {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a MAP's COPY to Parquet keeps the LLM bound through its final write, its row groups sized to a share of it; a user's ROW_GROUP_SIZE and a CSV are left as given", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-copy-map-'));
  // Calls of 1.5 s: the bound is lowered (after a second) before the last row is in.
  const f = await startFixture({ latencyMs: 1500 }, { llmMemoryLimit: '64MB' });
  const n = 20_000;
  /** ~1 KB rows, ten distinct (k cycles 0–9): ten calls, the rest answered from them. */
  const copy = (file: string, options: string) => `COPY (RVBBIT MAP PARALLEL 10 'label'
      USING (SELECT range % 10 AS k, repeat('copy ', 200) || (range % 10) AS text FROM range(${n})) WITH (limit = 0))
    TO '${join(dir, file)}' ${options}`;
  /** The file's row groups and the rows of its largest. */
  const groups = async (file: string) => {
    const row = (
      await f.engine.query(
        `SELECT count(DISTINCT row_group_id)::INT AS groups, max(row_group_num_rows)::INT AS most
         FROM parquet_metadata('${join(dir, file)}')`,
      )
    ).rows[0]!;
    return { groups: Number(row.groups), most: Number(row.most) };
  };
  try {
    const before = { ...sizedRowGroups };
    const r = await f.engine.query(copy('sized.parquet', '(FORMAT parquet)'));
    assert.equal(
      r.rows.map((row) => Number(row.Count)),
      [n],
    );
    assert.is(f.sim.stats().requests, 10);
    assert.is(f.engine.shared.llmWork.lowerings, 1);
    assert.is(sizedRowGroups.copies, before.copies + 1);
    // The engine's size: a tenth of the 64 MB bound (61.0 MiB as DuckDB shows it) over the
    // rows' average size (text, answer, 8 bytes for k).
    const file = join(dir, 'sized.parquet');
    const back = (
      await f.engine.query(
        `SELECT count(*)::INT AS n, count(DISTINCT (k, result))::INT AS answers,
           avg(length(text) + length(result) + 8)::DOUBLE AS bytes,
           bool_and(k = file_row_number % 10 AND text = repeat('copy ', 200) || k) AS ordered
         FROM read_parquet('${file}', file_row_number = true)`,
      )
    ).rows[0]!;
    assert.equal([back.n, back.answers, back.ordered], [n, 10, true]);
    const expected = rowGroupRows(Number(back.bytes), 61 * MB);
    assert.is(sizedRowGroups.lastRows, expected);
    assert.is(expected, 6144, 'a tenth of 61 MiB is three vectors of ~1 KB rows');
    // DuckDB's COPY aims at that size; a group it merges from two threads' batches holds up to
    // twice it (3,616 rows seen with both cores busy, 2,048 otherwise). DuckDB's default: one group.
    const sized = await groups('sized.parquet');
    assert.ok(sized.most >= expected && sized.most < 2 * expected, `${sized.most} rows in the largest group`);
    assert.ok(sized.groups >= Math.ceil(n / (2 * expected)), `${sized.groups} groups`);
    assert.is(
      String((await f.engine.query(`SELECT current_setting('memory_limit') AS m`)).rows[0]!.m),
      '953.6 MiB',
      'the engine bound put back at the end',
    );
    // The user's own row group size: kept, and the engine adds none.
    await f.engine.query(copy('own.parquet', '(FORMAT parquet, ROW_GROUP_SIZE 6144)'));
    const own = await groups('own.parquet');
    assert.ok(own.most >= 6144 && own.most < 2 * 6144, `${own.most} rows in the largest group`);
    assert.ok(own.groups <= Math.ceil(n / 6144), `${own.groups} groups`);
    // A CSV takes no row group size: written as given.
    const csv = await f.engine.query(copy('rows.csv', '(FORMAT csv, HEADER)'));
    assert.equal(
      csv.rows.map((row) => Number(row.Count)),
      [n],
    );
    const lines = await f.engine.query(`SELECT count(*)::INT AS n FROM read_csv('${join(dir, 'rows.csv')}')`);
    assert.is(lines.rows[0]!.n, n);
    assert.is(sizedRowGroups.copies, before.copies + 1);
    assert.is(f.sim.stats().requests, 10);
  } finally {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a memoryLimit below the LLM bound is kept while LLM calls run (never raised)', async () => {
  const f = await startFixture({ latencyMs: 1500 }, { memoryLimit: '128MB', llmMemoryLimit: '256MB' });
  try {
    await f.engine.query(`RVBBIT MAP 'label' USING (SELECT 'x' AS text) WITH (limit = 0)`);
    assert.is(f.engine.shared.llmWork.lowerings, 0);
    const now = await f.engine.query(`SELECT current_setting('memory_limit') AS m`);
    assert.is(now.rows[0]!.m, '122.0 MiB');
  } finally {
    await f.close();
  }
});

test("private logs: the log database, a DuckDB of its own, gets the engine's bound and a spill folder removed at close", async () => {
  const f = await startFixture({}, { memoryLimit: '48MB', logs: 'private' });
  let folder = '';
  try {
    await f.engine.query(`RVBBIT MAP 'label' USING (SELECT 'one row' AS text) WITH (limit = 0)`);
    // Read here on the log database's own connection, not through a statement: its rows committed first.
    await f.engine.shared.logs.flush();
    const settings = await f.engine.shared.logDb.q.run(async (con) =>
      (
        await con.runAndReadAll(
          `SELECT current_setting('memory_limit') AS lim, current_setting('temp_directory') AS dir,
             current_setting('allocator_flush_threshold') AS flush,
             (SELECT count(*) FROM rvbbit.unified_logs)::DOUBLE AS calls`,
        )
      ).getRowObjectsJS(),
    );
    folder = String(settings[0]!.dir);
    // Left to DuckDB, the log database's bound was 80% of the machine's memory and its spill folder `.tmp` in the working directory.
    assert.equal(settings[0], { lim: '45.7 MiB', dir: folder, flush: '7.6 MiB', calls: 1 });
    assert.is(dirname(folder), tmpdir());
    assert.match(basename(folder), new RegExp(`^rvbbit-duckdb-temp-${process.pid}-`));
    const main = await f.engine.query(`SELECT current_setting('temp_directory') AS dir`);
    assert.is.not(main.rows[0]!.dir, folder, 'each database spills into a folder of its own');
  } finally {
    await f.close();
  }
  assert.not.ok(existsSync(folder), 'the log database spill folder is gone after close');
});

test('memoryLimit that DuckDB cannot read is ENGINE_OPTION, naming the option', async () => {
  try {
    await createEngine({ cascadeRoots: [ENGINE_CASCADES], memoryLimit: 'lots' });
    assert.unreachable('the engine started');
  } catch (err) {
    assert.is((err as { code?: string }).code, 'ENGINE_OPTION');
    assert.match((err as Error).message, /^options\.memoryLimit: .*Memory must have a number/);
  }
});

test.run();
