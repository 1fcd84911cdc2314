/**
 * The one way a test says it needs a program the machine may not have
 * (Chromium, Java with pgJDBC, psql, redis-server, Debian's python3 with
 * psycopg2, the Python clients' venv, util-linux `script`):
 *
 *   const psqlTest = requires(test, 'psql');
 *   psqlTest('…', async () => { … spawn(PSQL, …) … });
 *
 * Where every program is there, `requires` returns the suite itself. Where one
 * is missing, the tests registered through it do not run: each counts as
 * skipped in uvu's totals and the file prints one line naming what is missing
 * and how to get it (the apt package or the script). Under CI (`CI=true`,
 * where .ci/run installs them all) each of them fails instead, with that line
 * as its error: a client test must not pass by not running. Hooks registered
 * through a gated suite (`psqlTest.before(…)`) run only when the tests do.
 *
 * Each program is found at a path a variable can change (RVBBIT_TEST_PSQL …),
 * and the tests run the program at that same path: pointing the variable at a
 * path where nothing is hides the program from both, as on a machine without
 * it (test/runner/requires.test.ts runs part of the suite so).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Test } from 'uvu';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const env = (name: string, fallback: string): string => process.env[name] || fallback;

/** Debian's Chromium (playwright-core drives it; no browser download). */
export const CHROMIUM = env('RVBBIT_TEST_CHROMIUM', env('CHROMIUM_PATH', '/usr/bin/chromium'));
export const JAVA = env('RVBBIT_TEST_JAVA', 'java');
/** Debian's pgJDBC (libpostgresql-jdbc-java). */
export const PGJDBC_JAR = env('RVBBIT_TEST_PGJDBC_JAR', '/usr/share/java/postgresql.jar');
export const PSQL = env('RVBBIT_TEST_PSQL', 'psql');
export const REDIS_SERVER = env('RVBBIT_TEST_REDIS_SERVER', env('REDIS_SERVER', '/usr/bin/redis-server'));
/** Debian's python3, which python3-psycopg2 installs for (a pyenv python3 on PATH may lack it). */
export const PYTHON3 = env('RVBBIT_TEST_PYTHON3', '/usr/bin/python3');
/** The python of the Python clients' venv (asyncpg, psycopg 3, SQLAlchemy, pandas). */
export const PY_CLIENTS = env('RVBBIT_TEST_PY_CLIENTS', `${ROOT}.cache/py-clients/bin/python`);
/** util-linux `script`: a real pseudo-terminal for the CLI. */
export const SCRIPT = env('RVBBIT_TEST_SCRIPT', 'script');

interface Program {
  /** What is missing, as the skip line says it. */
  readonly what: string;
  /** How to get it. */
  readonly how: string;
  readonly present: () => boolean;
}

const runs = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const PROGRAMS = {
  chromium: {
    what: `Chromium (${CHROMIUM})`,
    how: 'apt-get install chromium, or set RVBBIT_TEST_CHROMIUM',
    present: () => executable(CHROMIUM),
  },
  java: {
    what: `Java (${JAVA})`,
    how: 'apt-get install default-jre-headless',
    present: () => runs(JAVA, ['-version']),
  },
  pgjdbc: {
    what: `pgJDBC (${PGJDBC_JAR})`,
    how: 'apt-get install libpostgresql-jdbc-java',
    present: () => existsSync(PGJDBC_JAR),
  },
  psql: {
    what: `psql (${PSQL})`,
    how: 'apt-get install postgresql-client',
    present: () => runs(PSQL, ['--version']),
  },
  'redis-server': {
    what: `redis-server (${REDIS_SERVER})`,
    how: 'apt-get install redis-server',
    present: () => runs(REDIS_SERVER, ['--version']),
  },
  psycopg2: {
    what: `psycopg2 for ${PYTHON3}`,
    how: 'apt-get install python3-psycopg2',
    present: () => runs(PYTHON3, ['-c', 'import psycopg2']),
  },
  'py-clients': {
    what: `the Python clients' venv (${PY_CLIENTS})`,
    how: 'bash scripts/py-clients.sh, after apt-get install python3-venv',
    present: () => executable(PY_CLIENTS),
  },
  script: {
    what: `util-linux script (${SCRIPT})`,
    how: 'apt-get install bsdutils',
    present: () => runs(SCRIPT, ['--version']),
  },
} satisfies Record<string, Program>;

export type Need = keyof typeof PROGRAMS;

const probed = new Map<Need, boolean>();
function present(need: Need): boolean {
  let ok = probed.get(need);
  if (ok === undefined) {
    ok = PROGRAMS[need].present();
    probed.set(need, ok);
  }
  return ok;
}

/** True under CI (CI=true, as .ci/run and CI services set it): a missing program fails its tests. */
export const IN_CI = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());

/** The programs of `needs` that are missing, each with how to get it ('' when all are there). */
export function missing(...needs: Need[]): string {
  return needs
    .filter((n) => !present(n))
    .map((n) => `${PROGRAMS[n].what} is missing (${PROGRAMS[n].how})`)
    .join('; ');
}

/** The test file being loaded, as uvu names it (`server/psql.test.ts`). */
function loadingFile(): string {
  const g = globalThis as { UVU_QUEUE?: unknown[][]; UVU_INDEX?: number };
  const name = g.UVU_QUEUE?.[g.UVU_INDEX ?? 0]?.[0];
  return typeof name === 'string' ? name : (process.argv[1] ?? 'test');
}

/** A suite gated on programs: uvu's Test, and `available()` for part of a test. */
export type Gated<T> = Test<T> & {
  /**
   * Inside a test that does more: true when the programs are there. When one
   * is missing: false, after printing the file's one line (the caller skips
   * its part); under CI it throws that line instead.
   */
  available(): boolean;
};

/**
 * The suite `t` gated on `needs`: when every program is there its tests and
 * hooks are `t`'s; otherwise its tests are skipped (one line says why) or,
 * under CI, fail with why, and its hooks do not run.
 */
export function requires<T>(t: Test<T>, ...needs: Need[]): Gated<T> {
  const why = missing(...needs);
  if (why === '') {
    return Object.assign((name: string, fn: Parameters<Test<T>>[1]) => t(name, fn), {
      only: t.only,
      skip: t.skip,
      before: t.before,
      after: t.after,
      run: () => t.run(),
      available: () => true,
    });
  }
  const file = loadingFile();
  const failure = () => new Error(`${why}; CI=true runs every test (.ci/run installs it)`);
  let gated = 0;
  let said = false;
  const say = (what: string, before = '') => {
    if (said) return;
    said = true;
    console.log(`${before}  skipped ${what} of ${file}: ${why}`);
  };
  const register = (name: string) => {
    gated++;
    if (IN_CI) {
      t(name, () => {
        throw failure();
      });
    } else t.skip(name);
  };
  // Printed as the file's suite starts, under its name.
  if (!IN_CI) {
    t.before((ctx) => {
      // A named suite's name is on the line already (uvu writes no newline after it).
      if (gated > 0) say(`${gated} test${gated === 1 ? '' : 's'}`, ctx.__suite__ ? '\n' : '');
    });
  }
  const noHook = Object.assign(() => {}, { each: () => {} });
  return Object.assign(register, {
    only: register,
    skip: (name?: string) => t.skip(name),
    before: noHook,
    after: noHook,
    run: () => t.run(),
    available: () => {
      if (IN_CI) throw failure();
      say('parts of tests', '\n'); // after uvu's dots
      return false;
    },
  });
}
