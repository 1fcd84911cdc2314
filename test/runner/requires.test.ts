/**
 * A fresh machine's `npm test`: part of the suite run through
 * scripts/run-tests.mjs (as `npm test` runs it) with the optional programs
 * hidden. test/requires.ts finds each at a path a variable names and the tests
 * run it at that path, so pointing every variable at a path where nothing is
 * makes them as absent as on a machine without them. The files cover each
 * program: Chromium (playground), psql, psycopg2 and Java + pgJDBC (server
 * COPY, one of whose tests needs none), redis-server (scale permits) and the
 * Python clients' venv (asyncpg). Without CI the tests needing them are
 * skipped, each file saying in one line what is missing and how to get it,
 * and the run exits 0; with CI=true they fail, saying the same. A file whose
 * `before` hook fails is named in the summary with the error, and the run
 * fails (uvu alone prints `(0 / 2)` and exits 0).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { scratchDurationsFile } from './durations-file.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HIDDEN = {
  RVBBIT_TEST_CHROMIUM: '/nonexistent/chromium',
  RVBBIT_TEST_JAVA: '/nonexistent/java',
  RVBBIT_TEST_PGJDBC_JAR: '/nonexistent/postgresql.jar',
  RVBBIT_TEST_PSQL: '/nonexistent/psql',
  RVBBIT_TEST_REDIS_SERVER: '/nonexistent/redis-server',
  RVBBIT_TEST_PYTHON3: '/nonexistent/python3',
  RVBBIT_TEST_PY_CLIENTS: '/nonexistent/py-clients/bin/python',
};
const SUBSET = '^(playground/playground|server/copy|scale/permits|clients/asyncpg)\\.test\\.ts$';

interface Ran {
  readonly code: number | null;
  /** stdout without colours. */
  readonly out: string;
}

function runTests(dir: string, pattern: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  const { CI: _ci, ...rest } = process.env;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/run-tests.mjs', dir, pattern], {
      cwd: ROOT,
      // Its times (of files run with programs hidden) kept apart from the checkout's real ones.
      env: { ...rest, RVBBIT_TEST_DURATIONS: scratchDurationsFile(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
    });
    child.stderr.resume();
    child.on('close', (code) => resolve({ code, out: out.replace(/\x1b\[[0-9;]*m/g, '') }));
  });
}

const lines = (out: string, re: RegExp) => out.split('\n').filter((l) => re.test(l));

const WHY = {
  chromium:
    'Chromium (/nonexistent/chromium) is missing (apt-get install chromium, or set RVBBIT_TEST_CHROMIUM)',
  psql: 'psql (/nonexistent/psql) is missing (apt-get install postgresql-client)',
  psycopg2: 'psycopg2 for /nonexistent/python3 is missing (apt-get install python3-psycopg2)',
  java: 'Java (/nonexistent/java) is missing (apt-get install default-jre-headless); pgJDBC (/nonexistent/postgresql.jar) is missing (apt-get install libpostgresql-jdbc-java)',
  redis: 'redis-server (/nonexistent/redis-server) is missing (apt-get install redis-server)',
  venv: "the Python clients' venv (/nonexistent/py-clients/bin/python) is missing (bash scripts/py-clients.sh, after apt-get install python3-venv)",
};

/**
 * Test processes for the runs over SUBSET (RVBBIT_TEST_JOBS): each process that starts one of its
 * files loads the sources through tsx (3-5 s of CPU, most of a file's whose tests are skipped), so
 * the runner's default of one per core plus one waiting lane took 18 s of CPU a run, one process
 * 8.6 s. The run without CI keeps two, so the files' output, printed whole in their order, still
 * comes from processes that ran them at once; the run with CI=true checks what each failure says.
 */
const LANES_AT_ONCE = { RVBBIT_TEST_JOBS: '2' };
const ONE_LANE = { RVBBIT_TEST_JOBS: '1' };

test('programs hidden, no CI: the tests needing them are skipped, one line per file and program saying how to get it; exit 0', async () => {
  const r = await runTests('test', SUBSET, { ...HIDDEN, ...LANES_AT_ONCE });
  assert.equal(lines(r.out, /^ {2}skipped /), [
    `  skipped 5 tests of clients/asyncpg.test.ts: ${WHY.venv}`,
    `  skipped 4 tests of playground/playground.test.ts: ${WHY.chromium}`,
    `  skipped 5 tests of scale/permits.test.ts: ${WHY.redis}`,
    `  skipped 2 tests of server/copy.test.ts: ${WHY.psql}`,
    `  skipped 2 tests of server/copy.test.ts: ${WHY.psycopg2}`,
    `  skipped 1 test of server/copy.test.ts: ${WHY.java}`,
  ]);
  const summary = r.out.trimEnd().split('\n').slice(-3);
  assert.equal(summary, [
    `skipped for missing programs (CI=true fails them): ${[WHY.venv, WHY.chromium, WHY.redis, WHY.psql, WHY.psycopg2, WHY.java].join('; ')}`,
    '',
    'tests: 1 passed, 0 failed, 19 skipped',
  ]);
  assert.is(r.code, 0, r.out);
});

test('programs hidden, CI=true: each of those tests fails naming what is missing; exit 1', async () => {
  const r = await runTests('test', SUBSET, { ...HIDDEN, ...ONE_LANE, CI: 'true' });
  assert.is(r.code, 1);
  assert.equal(lines(r.out, /^ {2}skipped /), []);
  // uvu's reports, then the runner's repeat of each under "failed:" (scripts/run-tests.mjs).
  const [reports, repeated = ''] = r.out.split('\nfailed:\n');
  const failures = lines(reports!, /is missing/).map((l) => l.trim());
  assert.is(failures.length, 19, r.out);
  assert.is(lines(repeated, /is missing/).length, 19, repeated);
  for (const why of Object.values(WHY)) {
    assert.ok(failures.includes(`${why}; CI=true runs every test (.ci/run installs it)`), why);
  }
  assert.is(r.out.trimEnd().split('\n').at(-1), 'tests: 1 passed, 19 failed, 0 skipped');
});

test('a failed before hook: the summary names the file and the error, its tests count as failed, exit 1', async () => {
  const r = await runTests('test/fixtures/runner', '\\.fixture\\.ts$', {});
  assert.equal(r.out.trimEnd().split('\n').slice(-3), [
    'hook failed: hook-fails.fixture.ts before: the fixture could not start: port 1 refused',
    '',
    'tests: 1 passed, 2 failed, 0 skipped',
  ]);
  assert.is(r.code, 1);
});

test.run();
