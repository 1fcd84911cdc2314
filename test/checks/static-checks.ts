/**
 * The static checks `npm test` runs (package.json's `typecheck`, `lint` and `layers`), as test
 * files: the runner (scripts/run-tests.mjs) schedules them in its lanes beside the other files,
 * longest first, so the type check's minute of one core overlaps the suite's files instead of
 * running, with the lint and the layer rules, one after another before the first test file starts
 * while the other core idles (2 of the ~22 idle minutes `npm test` took, issue 69). Each stays a
 * script of its own for a quick check by hand.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What a failing check shows: its output's end (a type error's list can be long; the end names the count). */
const SHOWN_CHARS = 8_000;

/** Runs `npm run <script>` at the repository's root; a non-zero exit fails with what it printed. */
export function passes(script: string): void {
  const r = spawnSync('npm', ['run', '--silent', script], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const printed = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  assert.ok(
    r.status === 0,
    `npm run ${script} exited ${r.status ?? r.signal}:\n${printed.slice(-SHOWN_CHARS)}`,
  );
}
