// uvu's exports, with hooks that say when they fail. uvu runs a suite's `before` hooks inside a
// try whose `finally` returns, so a failed one is dropped: the suite prints `(0 / N)` with no
// message and uvu exits 0. An `after` hook that throws ends the whole run. Here a failed
// `before`, `after` or `after.each` hook prints one line naming its test file and error
// (scripts/run-tests.mjs repeats these lines in its summary and fails the run); a failed
// `before` still stops its suite's tests, a failed `after` no longer stops the other files.
import { readFileSync } from 'node:fs';
import * as uvu from 'uvu';

export const HOOK_FAILED = 'hook failed:';

/** The test file uvu is loading (`playground/playground.test.ts`), when run by uvu's bin. */
function loadingFile() {
  const name = globalThis.UVU_QUEUE?.[globalThis.UVU_INDEX ?? 0]?.[0];
  return typeof name === 'string' ? name : (process.argv[1] ?? '');
}

function report(file, kind, suite, err) {
  const message = err instanceof Error ? err.message : String(err);
  const where = suite ? `${file} (suite "${suite}")` : file;
  process.stdout.write(`\n  ${HOOK_FAILED} ${where} ${kind}: ${message.split('\n')[0]}\n`);
  if (err instanceof Error && err.stack) process.stdout.write(`${err.stack}\n`);
}

function named(t, suite) {
  const wrap = (kind, add, rethrow) => (hook) => {
    const file = loadingFile();
    add(async (ctx) => {
      try {
        await hook(ctx);
      } catch (err) {
        report(file, kind, suite, err);
        if (rethrow) throw err;
      }
    });
  };
  const before = wrap('before', t.before, true);
  before.each = t.before.each; // uvu reports these as the test's own failure
  const after = wrap('after', t.after, false);
  after.each = wrap('after.each', t.after.each, false);
  t.before = before;
  t.after = after;
  return t;
}

/**
 * RVBBIT_TEST_TIMES=1: each test prints its wall time and the CPU of this process and of the
 * children it waited for (/proc/self/stat's utime+stime+cutime+cstime), to find where a
 * file's time goes.
 */
const TIMES = process.env.RVBBIT_TEST_TIMES === '1';
const TICK_MS = 10; // USER_HZ is 100 on Linux
function cpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * TICK_MS;
}
function timed(t) {
  if (!TIMES) return t;
  const wrapped = (name, handler) =>
    t(name, async (ctx) => {
      const wall = performance.now();
      const cpu = cpuMs();
      try {
        await handler(ctx);
      } finally {
        const w = Math.round(performance.now() - wall);
        process.stdout.write(`\n  test time: ${w} ms wall, ${cpuMs() - cpu} ms CPU: ${name}\n`);
      }
    });
  return Object.assign(wrapped, t);
}

export const test = timed(named(uvu.test, ''));
export const suite = (name, state) => timed(named(uvu.suite(name, state), name));
export const exec = uvu.exec;
