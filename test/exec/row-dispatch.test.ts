/**
 * The row dispatcher on its real parts (DuckDB cache and logs, the worker
 * pool, HTTP to the simulator): a statement's rows in the pool never exceed
 * its window, whatever N; every row gets exactly one outcome; two dispatches
 * of one statement share its PARALLEL bound.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ResultCache } from '../../src/cache/result-cache.js';
import type { CallLimits } from '../../src/cascade/call-limits.js';
import { loadCascade } from '../../src/cascade/load-cascade.js';
import { ConnectionQueue } from '../../src/db/connection-queue.js';
import type { DispatchContext, DispatchTarget } from '../../src/dispatch/dispatch-spec.js';
import { RowDispatch } from '../../src/dispatch/row-dispatch.js';
import { SharedGate } from '../../src/llm/shared-gate.js';
import { LogWriter } from '../../src/obs/log-writer.js';
import { ensureRvbbitSchema } from '../../src/obs/schema.js';
import { SHIPPED_CASCADES } from '../../src/runtime/package-files.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { CascadePool } from '../../src/thread/cascade-pool.js';
import type { ChunkRow, RowOutcome } from '../../src/thread/chunk-protocol.js';
import { CountingRunner } from '../thread/runner-faults.js';

interface Parts {
  sim: SimulatorHandle;
  pool: CascadePool;
  ctx: DispatchContext;
  /** What the rows run through, its spec carrying the dispatcher's limits. */
  target(limits: CallLimits): DispatchTarget;
  close(): Promise<void>;
}

const t = suite<{ p: Parts }>('exec: row dispatcher');

t.before(async (ctx) => {
  const sim = await startSimulator({ latencyMs: 5 });
  const instance = await DuckDBInstance.create(':memory:');
  const system = new ConnectionQueue(await instance.connect());
  const store = await system.run((con) => ensureRvbbitSchema(con, { inMemory: true }));
  const gate = new SharedGate({ maxConcurrency: 256 });
  const pool = new CascadePool({
    threads: 1,
    llm: { baseUrl: sim.url, defaultModel: 'sim-small', gateBuffer: gate.buffer },
  });
  const cascadePath = `${SHIPPED_CASCADES}/semantic/means.yaml`;
  const cascade = await loadCascade(cascadePath);
  ctx.p = {
    sim,
    pool,
    ctx: {
      pool,
      cache: new ResultCache(system, {}, store),
      logs: new LogWriter(system, store),
      queryId: 'q-test',
    },
    target: (limits) => ({
      spec: { cascade: { path: cascadePath, hash: cascade.contentHash }, limits, sessionPrefix: 'test_' },
      cascade,
      cacheable: false,
      callerId: 'semantic',
      stopOnFailure: false,
    }),
    async close() {
      await pool.close();
      await sim.close();
      system.con.closeSync();
    },
  };
});
t.after(async ({ p }) => {
  await p.close();
});

function rows(n: number): ChunkRow[] {
  return Array.from({ length: n }, (_, i) => ({
    index: i,
    inputs: { text: `item ${i}`, criterion: 'item' },
  }));
}

async function* pages(all: ChunkRow[], size = 256): AsyncGenerator<ChunkRow[]> {
  for (let i = 0; i < all.length; i += size) yield all.slice(i, i + size);
}

function collector() {
  const seen: number[] = [];
  return { seen, sink: { accept: (os: readonly RowOutcome[]) => void seen.push(...os.map((o) => o.index)) } };
}

t('rows in the pool never exceed the window, and every row gets exactly one outcome', async ({ p }) => {
  const pool = new CountingRunner(p.pool);
  const limits: CallLimits = { parallel: 4, cache: undefined };
  const d = new RowDispatch({ ...p.ctx, pool }, limits);
  const { seen, sink } = collector();
  await d.run(p.target(limits), pages(rows(1200)), sink);
  await d.close();
  const bound = d.window * d.chunkSize;
  assert.ok(pool.peak <= bound, `peak ${pool.peak} > window ${bound}`);
  assert.ok(pool.peak > 4, `peak ${pool.peak}: the window was never used`);
  assert.ok(bound < 1200, `window ${bound} does not bound anything here`);
  assert.equal(
    [...seen].sort((a, b) => a - b),
    Array.from({ length: 1200 }, (_, i) => i),
  );
});

t(
  "a statement's log writes are let go as they settle: the most held at once is not the count written",
  async ({ p }) => {
    const limits: CallLimits = { parallel: 4, cache: undefined };
    const d = new RowDispatch(p.ctx, limits);
    const { seen, sink } = collector();
    await d.run(p.target(limits), pages(rows(1200)), sink);
    await d.close();
    assert.is(seen.length, 1200);
    // Kept to the statement's end, every write was held at once (issue 66: ~50,000 at 1M rows).
    assert.ok(d.writes.tracked >= 100, `${d.writes.tracked} writes: too few to tell`);
    // Here 1 at a time when idle; a tenth leaves room for a busy machine's slower appends.
    assert.ok(
      d.writes.mostHeld * 10 <= d.writes.tracked,
      `${d.writes.mostHeld} of ${d.writes.tracked} writes held at once`,
    );
  },
);

t('two dispatches of one statement share its PARALLEL bound', async ({ p }) => {
  p.sim.resetStats();
  // The gate holds answers until 3 calls are in flight: the bound is reached however busy the machine.
  p.sim.setOptions({ latencyMs: 30, gate: { requests: 3 } });
  const limits: CallLimits = { parallel: 3, cache: undefined };
  const d = new RowDispatch(p.ctx, limits);
  const target = p.target(limits);
  const a = collector();
  const b = collector();
  await Promise.all([d.run(target, pages(rows(40)), a.sink), d.run(target, pages(rows(40)), b.sink)]);
  await d.close();
  p.sim.setOptions({ latencyMs: 5 });
  assert.is(a.seen.length + b.seen.length, 80);
  assert.is(p.sim.stats().maxInFlight, 3);
});

t.run();
