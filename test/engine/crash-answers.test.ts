/**
 * A crash loses (almost) no paid answer: `rvbbit query --db file` runs a
 * 600-row MAP at ~200 calls/s against a simulator in another process, is
 * killed with SIGKILL mid-way, and the same statement run again reuses at
 * least 95% of the calls the simulator had finished at the kill (each answer
 * is in the answer log beside the database before it is used; the log is
 * replayed into the cache at start).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulatorProcess } from '../../src/sim/index.js';
import { dbOnSimulator, start } from '../cli/helpers.js';

const N = 600;
// PARALLEL 20 at 100 ms a call: ~200 calls/s.
const MAP = `RVBBIT MAP PARALLEL 20 'traits/extract_brand.yaml'
  USING (SELECT 'Brand' || range || ' phone' AS product_name FROM range(${N}))`;

function query(db: string, simUrl: string) {
  return start(['query', ...dbOnSimulator(db, simUrl), '--format', 'csv', MAP]);
}

test('kill -9 mid-MAP at ~200 calls/s: the re-run reuses >= 95% of the calls finished before the kill', async () => {
  const sim = await startSimulatorProcess({ latencyMs: 100 });
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-crash-answers-'));
  const db = join(dir, 'k.duckdb');
  try {
    const first = query(db, sim.url);
    // The calls finished when the kill is sent: counted after it, the count took in the calls the
    // simulator finished for a process already dead (up to PARALLEL of them on a busy machine).
    let finished = (await sim.stats()).completed;
    while (finished < 300) {
      if (first.child.exitCode !== null) throw new Error(`query ended early: ${first.err()}`);
      await new Promise((r) => setTimeout(r, 10));
      finished = (await sim.stats()).completed;
    }
    first.child.kill('SIGKILL');
    await first.done;
    assert.ok(finished < N, `killed mid-way (${finished} of ${N} finished)`);

    await sim.resetStats();
    const second = await query(db, sim.url).done;
    assert.is(second.code, 0, second.err);
    assert.is(second.out.trim().split('\n').length, N + 1);
    const calls = (await sim.stats()).requests;
    assert.ok(
      calls <= N - 0.95 * finished,
      `re-run made ${calls} calls: reused ${N - calls} of the ${finished} finished before the kill`,
    );
    // A clean close leaves no answer log behind: everything is in the database.
    assert.not.ok(existsSync(`${db}.answers`), 'the answer log is gone after a clean close');
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
