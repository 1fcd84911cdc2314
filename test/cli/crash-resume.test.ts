/**
 * Paid work survives a crash: `rvbbit serve --db file`, a MAP killed with
 * SIGKILL halfway, a restarted server: the re-run reuses (from the cache) at
 * least 95% of the calls that had completed before the kill.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulatorProcess } from '../../src/sim/index.js';
import { dbOnSimulator, SERVER_START_MS, start, waitFor } from './helpers.js';

// 25 calls/s (PARALLEL 5, 200 ms each): the 250 ms durability window holds a handful of calls.
const N = 400;
const MAP = `RVBBIT MAP PARALLEL 5 'traits/extract_brand.yaml'
  USING (SELECT 'Brand' || range || ' phone' AS product_name FROM range(${N}))`;

async function serve(db: string, simUrl: string) {
  const run = start(['serve', '--port', '0', ...dbOnSimulator(db, simUrl)]);
  await waitFor(run.out, /listening on postgresql:\/\/127\.0\.0\.1:\d+/, SERVER_START_MS);
  const port = Number(/:(\d+) /.exec(run.out())![1]);
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'crash', database: 'rvbbit' });
  await client.connect();
  return { run, client };
}

test('kill -9 mid-MAP: after a restart the re-run reuses >= 95% of the completed calls', async () => {
  const sim = await startSimulatorProcess({ latencyMs: 200 });
  const db = join(mkdtempSync(join(tmpdir(), 'rvbbit-crash-')), 'k.duckdb');
  try {
    const first = await serve(db, sim.url);
    first.client.on('error', () => undefined);
    void first.client.query(MAP).catch(() => undefined);
    // A wait, not a bound: a MAP that stopped answering fails here instead of hanging the run.
    const giveUp = Date.now() + SERVER_START_MS;
    while ((await sim.stats()).completed < 300) {
      assert.ok(
        Date.now() < giveUp,
        `the MAP completed ${(await sim.stats()).completed} calls, then stopped`,
      );
      await new Promise((r) => setTimeout(r, 20));
    }
    first.run.child.kill('SIGKILL');
    const completedAtKill = (await sim.stats()).completed;
    await first.run.done;

    await sim.resetStats();
    const second = await serve(db, sim.url);
    const r = await second.client.query(MAP);
    assert.is(r.rows.length, N);
    const rerunCalls = (await sim.stats()).requests;
    const reused = N - rerunCalls;
    assert.ok(
      reused >= 0.95 * completedAtKill,
      `reused ${reused} of the ${completedAtKill} calls completed before the kill`,
    );
    await second.client.end();
    second.run.child.kill('SIGTERM');
    await second.run.done;
  } finally {
    await sim.close();
  }
});

test.run();
