/**
 * `delivery = 'batch'` survives a crash: `rvbbit query --db file` submits a
 * 1,000-row MAP as one batch and is killed (SIGKILL) while it polls; the same
 * statement run again finds the batch id in rvbbit.batches and polls that
 * batch — the simulator counts one submission in all — and prints every row.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulatorProcess } from '../../src/sim/index.js';
import { dbOnSimulator, rvbbit, start } from './helpers.js';

const N = 1000;
const MAP = `RVBBIT MAP 'traits/extract_brand.yaml' AS (brand VARCHAR)
  USING (SELECT range AS id, 'Brand' || range || ' phone' AS product_name FROM range(${N}))
  WITH (delivery = 'batch')`;

const args = (db: string, url: string) => ['query', ...dbOnSimulator(db, url), '--format', 'csv', MAP];

test('kill -9 while polling a batch: the same statement picks the batch up instead of submitting again', async () => {
  // Long enough that the first process is surely still polling when it is killed.
  const sim = await startSimulatorProcess({ batchCompletionMs: 4000 });
  const db = join(mkdtempSync(join(tmpdir(), 'rvbbit-batch-crash-')), 'b.duckdb');
  try {
    const first = start(args(db, sim.url));
    // Killed once it polls the batch: the batch's id is in the database then (the ledger's row is
    // written, autocommit, before the first poll: llm/batch-delivery.ts). A fixed 300 ms after the
    // create was not always enough at load 20 (the second run submitted again: 2 batches).
    while ((await sim.stats()).batchesRetrieved < 1) {
      if (first.child.exitCode !== null) assert.unreachable(`the first run ended: ${first.err()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    await first.done;

    const second = await rvbbit(args(db, sim.url));
    assert.is(second.code, 0, second.err);
    const lines = second.out.trim().split('\n');
    // CSV streams: a MAP's `_error` column is there, empty for a row that did not fail.
    assert.is(lines[0], 'id,product_name,brand,_error');
    assert.is(lines.length, N + 1);
    // Every row, in input order, with its answer.
    assert.equal(
      lines.slice(1).map((l) => l.split(',')[0]),
      Array.from({ length: N }, (_, i) => String(i)),
    );
    assert.is(lines[1], '0,Brand0 phone,Brand0,');
    assert.is(lines[N], `${N - 1},Brand${N - 1} phone,Brand${N - 1},`);
    const s = await sim.stats();
    assert.equal([s.batchesCreated, s.filesUploaded, s.requests], [1, 1, 0]);

    const kept = await rvbbit([
      'query',
      '--db',
      db,
      '--format',
      'csv',
      'SELECT status, total, completed FROM rvbbit.batches',
    ]);
    assert.equal(kept.out.trim().split('\n'), ['status,total,completed', `completed,${N},${N}`]);
  } finally {
    await sim.close();
  }
});

test.run();
