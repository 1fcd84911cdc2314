/**
 * The defaults with no configuration (no provider: the built-in simulator,
 * started by the engine on a thread of its own): every statement kind and
 * strategy that once hung forever completes with the right rows, through
 * createEngine() with no options, the CLI with no provider flags, and
 * `rvbbit serve --sim` with psql; on the server no client's statement
 * delays another's SELECT 1, and SIGTERM during a statement stops it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { simulatorEnv } from '../../src/llm/config.js';
import { requires } from '../requires.js';
import { type MainThreadWatch, mainThreadWatch } from '../server/probe.js';
import { psql } from '../server/py-client.js';
import { rvbbit, SERVER_START_MS, start, waitFor, within } from './helpers.js';

const ENV = simulatorEnv();
/** 20 rows; the simulator answers `t MEANS 'eco friendly'` true for the 4 that say so. */
const DOCS = `CREATE TABLE docs AS SELECT i AS id,
  CASE WHEN i % 5 = 0 THEN 'eco friendly bottle ' ELSE 'plain thing ' END || i AS t FROM range(20) r(i)`;
const ECO = '0,5,10,15';

/** Each statement that hung on the defaults, and a query whose single value shows it ran right. */
const CASES: readonly { name: string; sql: string; check: string; want: string }[] = [
  {
    name: 'CREATE TABLE … AS with MEANS',
    sql: `CREATE TABLE m AS SELECT id, t MEANS 'eco friendly' AS m FROM docs`,
    check: `SELECT string_agg(id::VARCHAR, ',' ORDER BY id) AS v FROM m WHERE m`,
    want: ECO,
  },
  {
    name: 'INSERT … SELECT with MEANS',
    sql: `INSERT INTO ins SELECT id FROM docs WHERE t MEANS 'eco friendly'`,
    check: `SELECT string_agg(id::VARCHAR, ',' ORDER BY id) AS v FROM ins`,
    want: ECO,
  },
  ...(['sequential', 'vectorized', 'union_all', 'batch'] as const).map((s) => ({
    name: `-- @ strategy: ${s}`,
    sql: `-- @ strategy: ${s}\nCREATE TABLE s_${s} AS SELECT id FROM docs WHERE t MEANS 'eco friendly'`,
    check: `SELECT string_agg(id::VARCHAR, ',' ORDER BY id) AS v FROM s_${s}`,
    want: ECO,
  })),
];
const SETUP = `${DOCS}; CREATE TABLE ins (id BIGINT)`;

const lib = suite('defaults: createEngine() with no options');

lib('every case completes with the right rows, and the event loop keeps running', async () => {
  const saved = { ...process.env };
  Object.assign(process.env, ENV);
  const engine = await createEngine();
  Object.assign(process.env, saved);
  try {
    assert.is(engine.answeredBy, 'simulator');
    await engine.query(SETUP);
    for (const c of CASES) {
      let ticks = 0;
      const tick = setInterval(() => ticks++, 1);
      try {
        await within(20_000, engine.query(c.sql), c.name);
      } finally {
        clearInterval(tick);
      }
      const rows = (await engine.query(c.check)).rows as { v: string }[];
      assert.is(rows[0]?.v, c.want, c.name);
      // The batch paths leave the main thread free while calls are in flight.
      if (!/sequential|vectorized|union_all/.test(c.name)) assert.ok(ticks > 0, `${c.name}: no timer fired`);
    }
  } finally {
    await engine.close();
  }
});

lib.run();

const cli = suite<{ dir: string }>('defaults: rvbbit query with no provider flags');
cli.before((ctx) => {
  ctx.dir = mkdtempSync(join(tmpdir(), 'rvbbit-defaults-'));
});
cli.after((ctx) => rmSync(ctx.dir, { recursive: true, force: true }));

cli('every case completes, in one process, and prints the checked value of each', async () => {
  // One process for every case (each once ran in one of its own too: 6 more starts, ~14 s of CPU,
  // for values this run prints as well). --format json prints each statement that returns rows.
  const script = [SETUP, ...CASES.flatMap((c) => [c.sql, c.check])].join(';\n');
  const r = await within(60_000, rvbbit(['query', '--format', 'json', script], { env: ENV }), 'rvbbit query');
  assert.is(r.code, 0, r.err);
  assert.equal(
    JSON.parse(r.out),
    CASES.map((c) => [{ v: c.want }]),
  );
});

cli.run();

const server = requires(suite('defaults: rvbbit serve --sim with psql clients'), 'psql');

async function serve(extra: string[] = [], watch?: MainThreadWatch) {
  const run = start(['serve', '--port', '0', '--sim', ...extra], { env: { ...ENV, ...watch?.env } });
  await waitFor(run.out, /listening on postgresql:\/\/127\.0\.0\.1:\d+/);
  return { run, port: Number(/:(\d+) /.exec(run.out())![1]) };
}

/** The server's main thread held at most this much CPU in one turn: what another client's answer waits for. */
const HELD_MS = 1000;

/**
 * Runs SELECT 1 through psql every 100 ms while `busy` runs (each answer
 * checked); how many, and the most CPU the server's main thread ran in one
 * turn meanwhile (main-thread-watch.mjs): unlike psql's wall time, which
 * took 1,113 ms once with both test lanes busy, a loaded machine does not stretch it.
 */
async function select1While(
  port: number,
  watch: MainThreadWatch,
  busy: Promise<unknown>,
): Promise<{ heldCpuMs: number; n: number }> {
  const from = Date.now();
  let done = false;
  void busy.finally(() => {
    done = true;
  });
  let n = 0;
  while (!done) {
    const r = await psql(port, ['-At', '-c', 'SELECT 1'], undefined, 'rvbbit');
    n++;
    assert.is(r.out.trim(), '1', r.err);
    await new Promise((res) => setTimeout(res, 100));
  }
  return { heldCpuMs: (await watch.heldDuring(from, Date.now())).cpuMs, n };
}

server(
  'each case runs for one client while another client’s SELECT 1 answers, the server’s main thread never held 1 s',
  async () => {
    const watch = mainThreadWatch();
    const { run, port } = await serve([], watch);
    try {
      const setup = await psql(
        port,
        [
          '-v',
          'ON_ERROR_STOP=1',
          '-c',
          `${SETUP}; CREATE TABLE big AS
      SELECT i AS id, 'item ' || i AS t FROM range(3000) r(i)`,
        ],
        undefined,
        'rvbbit',
      );
      assert.is(setup.code, 0, setup.err);
      // A statement long enough to sample: 3,000 distinct calls on the batch write path.
      const long = psql(
        port,
        ['-v', 'ON_ERROR_STOP=1', '-c', `CREATE TABLE big_m AS SELECT id, t MEANS 'item 7' AS m FROM big`],
        undefined,
        'rvbbit',
      );
      const { heldCpuMs, n } = await select1While(port, watch, long);
      const r = await long;
      assert.is(r.code, 0, r.err);
      assert.ok(n >= 2, `only ${n} SELECT 1 samples: the statement was too short to measure`);
      assert.ok(
        heldCpuMs < HELD_MS,
        `the server's main thread ran ${Math.round(heldCpuMs)} ms of CPU in one turn`,
      );
      for (const c of CASES.filter((x) => !/sequential|vectorized|union_all/.test(x.name))) {
        const busy = psql(port, ['-v', 'ON_ERROR_STOP=1', '-c', c.sql], undefined, 'rvbbit');
        const s = await select1While(port, watch, busy);
        assert.is((await busy).code, 0, c.name);
        assert.ok(
          s.heldCpuMs < HELD_MS,
          `${c.name}: the main thread ran ${Math.round(s.heldCpuMs)} ms of CPU in one turn`,
        );
        const check = await psql(port, ['-At', '-c', c.check], undefined, 'rvbbit');
        assert.is(check.out.trim(), c.want, c.name);
      }
      // The blocking strategies are refused (they would stop every client), with the way out named.
      for (const s of ['sequential', 'vectorized', 'union_all']) {
        const refused = await psql(
          port,
          [
            '-v',
            'VERBOSITY=verbose',
            '-c',
            `-- @ strategy: ${s}\nSELECT id FROM docs WHERE t MEANS 'eco friendly'`,
          ],
          undefined,
          'rvbbit',
        );
        assert.is(refused.code, 1, s);
        assert.match(refused.err, /0A000/);
        assert.match(refused.err, /--allow-blocking-strategies/);
      }
    } finally {
      run.child.kill('SIGTERM');
      await run.done;
      watch.close();
    }
  },
);

server(
  '--allow-blocking-strategies runs them; SIGTERM mid-statement stops the server and the statement',
  async () => {
    const { run, port } = await serve(['--allow-blocking-strategies']);
    try {
      assert.is((await psql(port, ['-c', SETUP], undefined, 'rvbbit')).code, 0);
      for (const c of CASES) {
        const r = await psql(port, ['-v', 'ON_ERROR_STOP=1', '-c', c.sql], undefined, 'rvbbit');
        assert.is(r.code, 0, `${c.name}: ${r.err}`);
        const check = await psql(port, ['-At', '-c', c.check], undefined, 'rvbbit');
        assert.is(check.out.trim(), c.want, c.name);
      }
      await psql(
        port,
        ['-c', `CREATE TABLE big AS SELECT i AS id, 'item ' || i AS t FROM range(20000) r(i)`],
        undefined,
        'rvbbit',
      );
      const long = psql(
        port,
        ['-c', `CREATE TABLE big_m AS SELECT id, t MEANS 'item 7' AS m FROM big`],
        undefined,
        'rvbbit',
      );
      await new Promise((res) => setTimeout(res, 700));
      run.child.kill('SIGTERM');
      // Stopped mid-statement, not after it: the client's statement (20,000 calls) ends in an error,
      // which a server that waited for it would not give; measured by that rather than the clock,
      // which a busy machine stretches (the wait below only keeps a hang from stalling the suite).
      const exit = await within(SERVER_START_MS, run.done, 'server exit after SIGTERM');
      assert.ok(exit.code !== null, 'the server was killed, not stopped');
      const cut = await long;
      assert.is.not(cut.code, 0, `the statement ran to its end: ${cut.out}`);
      assert.match(cut.err, /terminat|closed|connection/i);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    }
  },
);

server(
  '\\dt lists the client’s tables and its own temp tables, never the engine’s internal ones',
  async () => {
    const { run, port } = await serve();
    try {
      const r = await psql(
        port,
        [
          '-A',
          '-F',
          '|',
          '-c',
          'CREATE TABLE kept (a INTEGER)',
          '-c',
          'CREATE TEMP TABLE mine (b INTEGER)',
          '-c',
          '\\dt',
        ],
        undefined,
        'rvbbit',
      );
      assert.is(r.code, 0, r.err);
      const rows = r.out.trim().split('\n');
      assert.equal(rows.slice(rows.indexOf('Schema|Name|Type|Owner') + 1), [
        'main|kept|table|rvbbit',
        `${/(pg_temp_\d+)\|mine/.exec(r.out)?.[1] ?? 'pg_temp_?'}|mine|table|rvbbit`,
        '(2 rows)',
      ]);
      assert.not.match(r.out, /rvbbit_own_/);
    } finally {
      run.child.kill('SIGTERM');
      await run.done;
    }
  },
);

server.run();
