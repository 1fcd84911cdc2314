/**
 * Issue 57, "an endless template": a cascade whose template loops 10^10 times
 * with empty bodies, sent to `rvbbit serve` (one pool thread on this 2-core
 * machine, the server's own simulator). Its renders stop at their bound
 * (render-bounds.ts), each row's `_error` says which bound, and the server
 * answers other clients meanwhile; cancel, statement_timeout and a client's
 * disconnect stop the render in a worker within 1 s; SIGTERM stops the server
 * within 2 s; a RUN renders on the main thread and is bounded tighter there.
 * Before the bounds counted empty iterations, every one of these hung.
 *
 * Every query and login here has a timeout, so a render that is not stopped
 * fails the test instead of hanging it, and the server is killed at the end.
 *
 * "Within" is the server's CPU time (processCpuMs), and "another client waits"
 * is the server's main thread held (main-thread-watch.mjs): a render that is
 * not stopped runs on, and a busy machine stretches only the wall clock.
 */
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GIVEN_UP_NOTE, OVERRUNS_PER_STATEMENT, RENDER_MS_ON } from '../../src/cascade/render-bounds.js';
import { ROOT, type Running, SERVER_START_MS, start, waitFor } from '../cli/helpers.js';
import { rejection } from './helpers.js';
import { cancelClient, cpuUntilExit, type MainThreadWatch, mainThreadWatch, processCpuMs } from './probe.js';
import { query, rawClient, startupMessage } from './raw-socket.js';

const CASCADES = `${ROOT}test/fixtures/cascades/endless`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WORKER_MS = RENDER_MS_ON.worker;
/** The worst a statement of the endless template may cost a pool thread: its overruns, then nothing. */
const STATEMENT_BOUND_MS = OVERRUNS_PER_STATEMENT * WORKER_MS;
/** Slack: start-up of the statement, the other rows, the wire (server CPU). */
const SLACK_MS = 2500;
/** What a query may take before the test calls it hung (the old code rendered for ~22 h). */
const HUNG_MS = 20_000;

/**
 * PARALLEL 160 makes the rows one chunk (dispatch-spec.ts chunkSizeFor: 160 / (threads × 4), at
 * most 4 threads), so they render on one pool thread whatever the pool's size, and that thread's
 * count of overruns is the statement's.
 */
const endlessMap = (cascade: string, rows: number, tag: string) =>
  `RVBBIT MAP PARALLEL 160 '${cascade}' AS label USING (SELECT '${tag} ' || i AS text FROM range(${rows}) t(i)) WITH (cache = false)`;
/** A RUN renders its cascade on the server's main thread. */
const ENDLESS_RUN = "RVBBIT RUN 'endless_run.yaml' USING (SELECT 1 AS x)";
const quickMap = (tag: string) =>
  `RVBBIT MAP 'quick_label.yaml' AS label USING (SELECT '${tag} ' || i AS text FROM range(5) t(i)) WITH (cache = false)`;

/** The overrun a row's `_error` names: the time bound of a worker's render, or the step bound first. */
const OVERRUN = new RegExp(
  `the template ran over its (time bound of ${WORKER_MS} ms|bound of 2000000 steps)`,
);

function startServe(watch?: MainThreadWatch): Running {
  return start(['serve', '--port', '0', '--sim', '--cascades', CASCADES], { env: watch?.env ?? {} });
}

async function portOf(run: Running): Promise<number> {
  await waitFor(run.out, /listening on postgresql:\/\/127\.0\.0\.1:\d+/, SERVER_START_MS);
  return Number(/:(\d+) /.exec(run.out())![1]);
}

async function stopServe(run: Running): Promise<void> {
  if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  await run.done;
}

async function client(port: number): Promise<pg.Client> {
  const c = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'tester',
    database: 'rvbbit',
    // A main thread held by a render that never ends answers neither queries nor logins.
    query_timeout: HUNG_MS,
    connectionTimeoutMillis: HUNG_MS,
  });
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

async function selectOne(c: pg.Client): Promise<void> {
  const r = await c.query('SELECT 1 AS ok');
  assert.equal(r.rows, [{ ok: 1 }]);
}

/**
 * `SELECT 1` on `c` every 20 ms until `busy` settles (each answered), and the
 * CPU the server's main thread ran in its longest turn meanwhile: what a render
 * cost another client. Paced, not back to back: the 2 cores are the renders' too.
 */
async function selectsDuring(c: pg.Client, watch: MainThreadWatch, busy: Promise<unknown>): Promise<number> {
  const from = Date.now();
  let settled = false;
  void busy.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    await selectOne(c);
    await sleep(20);
  }
  return (await watch.heldDuring(from, Date.now())).cpuMs;
}

/** What `p` resolves to, and the CPU the server `run` spent until then. */
async function timed<T>(run: Running, p: Promise<T>): Promise<{ value: T; ms: number }> {
  const cpu0 = processCpuMs(run.child.pid!);
  const value = await p;
  return { value, ms: processCpuMs(run.child.pid!) - cpu0 };
}

const connected = async (ctx: { port: number; clients: pg.Client[] }) => {
  const c = await client(ctx.port);
  ctx.clients.push(c);
  return c;
};

const t = suite<{ run: Running; port: number; clients: pg.Client[]; watch: MainThreadWatch }>(
  'server: an endless template',
);

t.before(async (ctx) => {
  ctx.watch = mainThreadWatch();
  ctx.run = startServe(ctx.watch);
  ctx.port = await portOf(ctx.run);
  ctx.clients = [];
  // The pool thread starts (and compiles its TypeScript) on the first MAP: not inside a measured one.
  const warm = await connected(ctx);
  assert.is((await warm.query(quickMap('warm'))).rows.length, 5);
});
t.after(async (ctx) => {
  await Promise.allSettled(ctx.clients.map((c) => c.end()));
  await stopServe(ctx.run);
  ctx.watch.close();
});

for (const cascade of ['endless_jinja.yaml', 'endless_liquid.yaml']) {
  t(
    `${cascade}: every row's _error names the bound within ${OVERRUNS_PER_STATEMENT} overruns; others are answered meanwhile`,
    async (ctx) => {
      const [a, b, c] = [await connected(ctx), await connected(ctx), await connected(ctx)];
      const map = timed(ctx.run, a.query(endlessMap(cascade, 5, 'endless')));
      // The renders run in the pool: the main thread answers another client's SELECT 1 throughout.
      const selects = selectsDuring(b, ctx.watch, map);
      await sleep(300);
      // Another client's MAP shares the one pool thread: it waits at most for the statement's overruns.
      const other = await timed(ctx.run, c.query(quickMap('other')));
      const { value: r, ms } = await map;

      const held = await selects;
      assert.ok(held < 1000, `the server's main thread ran ${Math.round(held)} ms of CPU in one turn`);
      assert.is(other.value.rows.length, 5);
      for (const row of other.value.rows) {
        assert.type(row.label, 'string');
        assert.is(row._error ?? null, null);
      }
      assert.ok(
        other.ms < STATEMENT_BOUND_MS + SLACK_MS,
        `the server ran ${other.ms} ms of CPU for the other MAP`,
      );

      // Users expect what every failing MAP row gives (on_error 'keep'): the rows, each with its error.
      assert.is(r.rows.length, 5);
      const errors = r.rows.map((row) => String(row._error));
      for (const e of errors) {
        assert.match(e, OVERRUN);
        assert.match(e, /cells\[0\]\.instructions/);
      }
      // One chunk, one thread: three renders ran to the bound, the rest failed at once with the first error.
      const givenUp = errors.filter((e) => e.includes(GIVEN_UP_NOTE)).length;
      assert.is(givenUp, 5 - OVERRUNS_PER_STATEMENT, errors.join('\n'));
      assert.ok(ms < STATEMENT_BOUND_MS + SLACK_MS, `the server ran ${ms} ms of CPU for the endless MAP`);
    },
  );
}

t('a CancelRequest stops the render in the worker within 1 s; the session goes on', async (ctx) => {
  const a = await connected(ctx);
  const failed = rejection(a.query(endlessMap('endless_jinja.yaml', 3, 'cancel')));
  await sleep(400);
  const { value: err, ms } = await timed(
    ctx.run,
    cancelClient(ctx.port, a).then(() => failed),
  );
  assert.is(err.code, '57014', err.message);
  assert.ok(ms < 1000, `the server ran ${ms} ms of CPU from the cancel to the error`);
  // The pool thread is free: a normal MAP is answered as soon as it is asked.
  const next = await timed(ctx.run, a.query(quickMap('after cancel')));
  assert.is(next.value.rows.length, 5);
  assert.ok(next.ms < 1500, `the server ran ${next.ms} ms of CPU for the next MAP`);
});

t('statement_timeout stops the render in the worker within 1 s of the timeout', async (ctx) => {
  const a = await connected(ctx);
  await a.query('SET statement_timeout = 500');
  const { value: err, ms } = await timed(
    ctx.run,
    rejection(a.query(endlessMap('endless_jinja.yaml', 3, 'timeout'))),
  );
  assert.is(err.code, '57014', err.message);
  assert.ok(ms < 500 + 1000, `the server ran ${ms} ms of CPU until the statement ended`);
  await a.query('SET statement_timeout = 0');
});

t("a client that leaves frees the worker: another client's MAP is answered promptly", async (ctx) => {
  const gone = await rawClient(ctx.port);
  gone.socket.write(startupMessage('gone'));
  await gone.readyCount(1);
  gone.socket.write(query(endlessMap('endless_jinja.yaml', 3, 'gone')));
  await sleep(400);
  gone.socket.destroy();
  const b = await connected(ctx);
  const { value: r, ms } = await timed(ctx.run, b.query(quickMap('after disconnect')));
  assert.is(r.rows.length, 5);
  // Without the stop poll it waited for the leaver's renders (3 s of a pool thread's CPU), or
  // forever before the bounds.
  assert.ok(ms < 1500, `the server ran ${ms} ms of CPU for the MAP after the disconnect`);
});

t(
  `RUN renders on the main thread: bounded at ${RENDER_MS_ON.main} ms, and another client answers meanwhile`,
  async (ctx) => {
    const [a, b] = [await connected(ctx), await connected(ctx)];
    const run = timed(ctx.run, a.query(ENDLESS_RUN));
    // A render holds the main thread for at most its bound: a SELECT 1 in flight meanwhile waits that long.
    const held = await selectsDuring(b, ctx.watch, run);
    const { value: r, ms } = await run;
    assert.ok(held < 1000, `the server's main thread ran ${Math.round(held)} ms of CPU in one turn`);
    assert.is(r.rows.length, 1);
    const row = r.rows[0] as Record<string, unknown>;
    assert.is(row.status, 'failed');
    assert.match(
      String(row.error),
      new RegExp(`the template ran over its (time bound of ${RENDER_MS_ON.main} ms|bound of 2000000 steps)`),
    );
    assert.ok(ms < RENDER_MS_ON.main + SLACK_MS, `the server ran ${ms} ms of CPU for the RUN`);
  },
);

/**
 * How a RUN that was cancelled ended. A render holds the main thread, so a cancel
 * (or a statement_timeout) that comes during it is read only after it: if the
 * RUN has finished by then, it answers as a cancel that comes too late does, with
 * its row (the overrun). Otherwise it reports the cancel (57014), also when the
 * cancel stopped its render or its run, never a row saying the run was cut short.
 */
function assertCancelledRun(outcome: { row: Record<string, unknown> } | { err: Error & { code?: string } }) {
  if ('err' in outcome) return assert.is(outcome.err.code, '57014', outcome.err.message);
  assert.is(outcome.row.status, 'failed');
  assert.match(
    String(outcome.row.error),
    new RegExp(`the template ran over its time bound of ${RENDER_MS_ON.main} ms$`),
  );
}

const settled = (p: Promise<pg.QueryResult>) =>
  p.then(
    (r) => ({ row: r.rows[0] as Record<string, unknown> }),
    (err: Error) => ({ err }),
  );

t('RUN: a CancelRequest while it renders ends it within 1 s', async (ctx) => {
  const a = await connected(ctx);
  const running = settled(a.query(ENDLESS_RUN));
  // Before or during the render.
  await sleep(100);
  const { value: outcome, ms } = await timed(
    ctx.run,
    cancelClient(ctx.port, a).then(() => running),
  );
  assertCancelledRun(outcome);
  assert.ok(ms < 1000, `the server ran ${ms} ms of CPU from the cancel to the RUN's end`);
  assert.equal((await a.query('SELECT 1 AS ok')).rows, [{ ok: 1 }]);
});

t('RUN: statement_timeout ends it within 1 s of the timeout', async (ctx) => {
  const a = await connected(ctx);
  await a.query('SET statement_timeout = 100');
  const { value: outcome, ms } = await timed(ctx.run, settled(a.query(ENDLESS_RUN)));
  await a.query('SET statement_timeout = 0');
  assertCancelledRun(outcome);
  assert.ok(ms < 100 + 1000, `the server ran ${ms} ms of CPU until the statement ended`);
});

t("RUN: a client that leaves while it renders does not hold up another client's SELECT 1", async (ctx) => {
  const gone = await rawClient(ctx.port);
  gone.socket.write(startupMessage('gone'));
  await gone.readyCount(1);
  gone.socket.write(query(ENDLESS_RUN));
  await sleep(100);
  gone.socket.destroy();
  const b = await connected(ctx);
  const from = Date.now();
  for (let i = 0; i < 5; i++) {
    await selectOne(b);
    await sleep(100);
  }
  const { cpuMs } = await ctx.watch.heldDuring(from, Date.now());
  assert.ok(cpuMs < 1000, `the server's main thread ran ${Math.round(cpuMs)} ms of CPU in one turn`);
});

t.run();

const sig = suite('server: SIGTERM while a template renders');

for (const [where, sql, wait] of [
  // A warm pool thread receives the MAP at once: 600 ms in, it renders.
  ['a worker renders a MAP', endlessMap('endless_jinja.yaml', 3, 'term'), 600],
  // 100 ms in, the RUN is before or in its render on the main thread (SIGTERM is read when it ends).
  ['the main thread renders a RUN', ENDLESS_RUN, 100],
] as const) {
  sig(`SIGTERM stops rvbbit serve within 2 s while ${where} of the endless template`, async () => {
    const run = startServe();
    try {
      const port = await portOf(run);
      const warm = await client(port);
      assert.is((await warm.query(quickMap('warm'))).rows.length, 5);
      await warm.end();
      const a = await rawClient(port);
      a.socket.write(startupMessage('term'));
      await a.readyCount(1);
      a.socket.write(query(sql));
      await sleep(wait);
      const stopping = cpuUntilExit(run.child.pid!, run.done);
      run.child.kill('SIGTERM');
      const exit = await Promise.race([run.done, sleep(HUNG_MS).then(() => undefined)]);
      a.socket.destroy();
      assert.ok(exit, `the server did not exit within ${HUNG_MS} ms of SIGTERM`);
      assert.is(exit.code, 0);
      const ms = await stopping;
      assert.ok(ms < 2000, `the server ran ${ms} ms of CPU from SIGTERM to its exit`);
    } finally {
      await stopServe(run);
    }
  });
}

sig.run();
