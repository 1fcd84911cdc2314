/**
 * A client that goes away cancels its work: the statement running (plain SQL
 * as well as LLM work) stops within 1 s, and the statements still to come in
 * its message never start; SIGTERM stops `rvbbit serve` within 2 s while a
 * client's plain SQL runs. "Within" is CPU time (this process's for the
 * server in it, the server's for `rvbbit serve`): a statement that is not
 * stopped runs on, and a busy machine stretches only the wall clock.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { simulatorEnv } from '../../src/llm/config.js';
import { SERVER_START_MS, start, waitFor } from '../cli/helpers.js';
import { type ServerFixture, startServerFixture } from './helpers.js';
import { cpuUntilExit } from './probe.js';
import { query, rawClient, startupMessage } from './raw-socket.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t = suite<{ f: ServerFixture }>('server: a disconnect cancels');

t.before(async (ctx) => {
  ctx.f = await startServerFixture({}, { latencyMs: 50 });
});
t.after(async (ctx) => {
  await ctx.f.close();
});

/** A logged-in raw client that has sent `sql` as one simple Query. */
async function sendAndStay(port: number, sql: string) {
  const c = await rawClient(port);
  c.socket.write(startupMessage('gone'));
  await c.readyCount(1);
  c.socket.write(query(sql));
  return c;
}

async function count(f: ServerFixture): Promise<number> {
  return Number((await f.engine.query('SELECT count(*) AS n FROM sink')).rows[0]!.n);
}

t(
  'a message of 20,000 INSERTs stops within 1 s of the client going away, and none is kept',
  async ({ f }) => {
    await f.engine.query('CREATE OR REPLACE TABLE sink (i INTEGER)');
    const inserts = Array.from({ length: 20_000 }, (_, i) => `INSERT INTO sink VALUES (${i})`).join(';\n');
    // The server logs each statement as it starts it: how far the message got.
    const ran = () => f.log.filter((line) => line.includes('INSERT INTO sink')).length;
    const c = await sendAndStay(f.port, inserts);
    while (ran() < 200) await sleep(20);
    c.socket.destroy();
    await sleep(1000);
    const after = ran();
    await sleep(1000);
    assert.is(ran(), after, 'inserts went on after the client left');
    assert.ok(after < 20_000, `all ${after} ran`);
    // A multi-statement Query is one implicit transaction: the client left before its end, so none stays.
    assert.is(await count(f), 0);
  },
);

/** The MAP's PARALLEL: the calls that may be in flight when its client leaves. */
const MAP_PARALLEL = 4;

for (const [what, sql] of [
  ['plain SQL', 'SELECT count(*) FROM range(10000000000) a'],
  [
    'a MAP',
    `RVBBIT MAP PARALLEL ${MAP_PARALLEL} 'traits/extract_brand.yaml' USING (SELECT 'gone ' || i AS product_name FROM range(2000) t(i)) WITH (cache = false)`,
  ],
] as const) {
  t(`${what} running when the client leaves stops within 1 s`, async () => {
    const f = await startServerFixture({}, { latencyMs: 50 });
    try {
      const c = await sendAndStay(f.port, sql);
      await sleep(500);
      const cpu0 = process.cpuUsage();
      const callsAtDisconnect = f.sim.stats().requests;
      c.socket.destroy();
      // The server's close waits for every connection's running statement to stop.
      await f.server.close();
      if (what === 'plain SQL') {
        // DuckDB's threads scan on until interrupted: this process's CPU from the disconnect.
        const { user, system } = process.cpuUsage(cpu0);
        const ms = Math.round((user + system) / 1000);
        assert.ok(ms < 1000, `the process ran ${ms} ms of CPU from the disconnect to the stop`);
      } else {
        // The MAP's steps are its calls: at most those in flight reach the simulator after the
        // disconnect (its CPU is mostly the pool's threads starting, stopped or not).
        const callsAfter = f.sim.stats().requests - callsAtDisconnect;
        assert.ok(callsAfter <= MAP_PARALLEL, `${callsAfter} calls after the disconnect`);
      }
      const calls = f.sim.stats().requests;
      await sleep(300);
      assert.is(f.sim.stats().requests, calls, 'calls went on after the statement stopped');
    } finally {
      await f.close();
    }
  });
}

t('SIGTERM stops rvbbit serve within 2 s while a client runs plain SQL', async () => {
  const run = start(['serve', '--port', '0', '--sim'], { env: simulatorEnv() });
  await waitFor(run.out, /listening on postgresql:\/\/127\.0\.0\.1:\d+/, SERVER_START_MS);
  const port = Number(/:(\d+) /.exec(run.out())![1]);
  const c = await sendAndStay(port, 'SELECT count(*) FROM range(10000000000) a');
  await sleep(500);
  const stopping = cpuUntilExit(run.child.pid!, run.done);
  run.child.kill('SIGTERM');
  const exit = await run.done;
  c.socket.destroy();
  assert.is(exit.code, 0);
  const ms = await stopping;
  assert.ok(ms < 2000, `the server ran ${ms} ms of CPU from SIGTERM to its exit`);
});

t.run();
