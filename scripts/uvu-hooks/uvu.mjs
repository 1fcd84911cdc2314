// uvu's exports, with hooks that say when they fail. uvu runs a suite's `before` hooks inside a
// try whose `finally` returns, so a failed one is dropped: the suite prints `(0 / N)` with no
// message and uvu exits 0. An `after` hook that throws ends the whole run. Here a failed
// `before`, `after` or `after.each` hook prints one line naming its test file and error
// (scripts/run-tests.mjs repeats these lines in its summary and fails the run); a failed
// `before` still stops its suite's tests, a failed `after` no longer stops the other files.
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

export const test = named(uvu.test, '');
export const suite = (name, state) => named(uvu.suite(name, state), name);
export const exec = uvu.exec;
