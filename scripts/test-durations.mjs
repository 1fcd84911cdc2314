#!/usr/bin/env node
// Each test file's wall time and CPU, for scripts/run-tests.mjs to start the longest first (so a
// run does not end with one lane on a long file while the others wait) and to tell the files that
// mostly wait (a lane beyond the cores runs only those): this checkout's last run
// (.cache/test-durations.json, written by the runner) or, where it has not run a file (a fresh
// clone, CI, has no .cache), the committed scripts/test-durations.json. RVBBIT_TEST_DURATIONS names
// another file for "the last run" (read and written): the runner's own tests (test/runner) run it
// over fixture suites and a few files with programs hidden, whose times must not replace the real ones.
// Run as a script, it refreshes the committed file (after a whole `npm test` on an idle machine):
//   node scripts/test-durations.mjs           from this checkout's last run, CPU included
//   node scripts/test-durations.mjs ci.log    from a run's output (each file's name, then uvu's "Duration:")
//   node scripts/test-durations.mjs --cpu-from run.json
//                                             the committed wall times kept (an idle run's), each file's
//                                             CPU taken from a run's record (its .cache/test-durations.json):
//                                             CPU hardly depends on the machine's load, wall time does, so a
//                                             busy machine's run (a CI run beside others) gives the CPU figures
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const LOCAL = process.env.RVBBIT_TEST_DURATIONS
  ? resolve(process.env.RVBBIT_TEST_DURATIONS)
  : fileURLToPath(new URL('../.cache/test-durations.json', import.meta.url));
const COMMITTED = fileURLToPath(new URL('./test-durations.json', import.meta.url));

/**
 * File (relative to the repository, with '/') → { ms, cpuMs }: the wall time of the last local run,
 * else the committed one; the CPU from the committed file only, refreshed after a whole run on an
 * idle machine: on a busy one every file waits for a core, and its CPU against its wall time would
 * call it a waiting file. `cpuMs` is absent where the CPU is not known (a run's log gives none).
 */
export function knownDurations() {
  const committed = normalized(readJson(COMMITTED));
  const local = normalized(readJson(LOCAL));
  const out = { ...committed };
  for (const [file, t] of Object.entries(local)) out[file] = { ...committed[file], ms: t.ms };
  return out;
}

/** A bare number is the wall time alone (the files of runs before the CPU was kept). */
function normalized(durations) {
  return Object.fromEntries(
    Object.entries(durations).map(([file, t]) => [file, typeof t === 'number' ? { ms: t } : t]),
  );
}

/** Keeps this run's times (`ran`: file → { ms, cpuMs }) over the last local run's. */
export function saveLocalDurations(ran) {
  try {
    mkdirSync(dirname(LOCAL), { recursive: true });
    writeFileSync(LOCAL, linePerFile({ ...readJson(LOCAL), ...ran }));
  } catch {
    // Only the order of the next run depends on it.
  }
}

/** JSON with one file a line: a refresh's diff shows the files whose times changed. */
function linePerFile(durations) {
  const lines = Object.entries(durations).map(
    ([file, t]) => `  ${JSON.stringify(file)}: ${JSON.stringify(t)}`,
  );
  return `{\n${lines.join(',\n')}\n}\n`;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
}

const TEST_FILE = /\.test\.[cm]?[jt]s$/;

/** File → ms from run-tests' output: a file's name line, then its uvu "Duration:" line. */
function fromLog(path) {
  const plain = readFileSync(path, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
  const out = {};
  let file;
  for (const line of plain.split('\n')) {
    const name = /^(\S+\.test\.[cm]?[jt]s)$/.exec(line);
    if (name) file = `test/${name[1]}`;
    const took = /^ {2}Duration:\s+([\d.]+)ms$/.exec(line);
    if (took && file !== undefined) {
      out[file] = { ms: Math.round(Number(took[1])) };
      file = undefined;
    }
  }
  return out;
}

/**
 * The committed wall times with each file's CPU from the run's record at `path`: a file the run did
 * not time keeps its figures, a file new to the record comes with the run's (its only wall time).
 */
function withCpuFrom(path) {
  // Test files only: a record written before RVBBIT_TEST_DURATIONS kept the runner's fixtures out holds theirs.
  const run = Object.fromEntries(
    Object.entries(normalized(readJson(path))).filter(([file]) => TEST_FILE.test(file)),
  );
  const committed = normalized(readJson(COMMITTED));
  const out = { ...run, ...committed };
  for (const [file, t] of Object.entries(committed))
    if (run[file]?.cpuMs !== undefined) out[file] = { ms: t.ms, cpuMs: run[file].cpuMs };
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [arg, cpuRun] = process.argv.slice(2);
  if (arg === '--cpu-from' && cpuRun === undefined) {
    console.error('--cpu-from needs the run record to take the CPU from, e.g. .cache/test-durations.json');
    process.exit(2);
  }
  const durations =
    arg === '--cpu-from' ? withCpuFrom(cpuRun) : arg === undefined ? readJson(LOCAL) : fromLog(arg);
  const sorted = Object.fromEntries(Object.entries(durations).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(COMMITTED, linePerFile(sorted));
  console.log(`${Object.keys(sorted).length} files' durations written to ${COMMITTED}`);
}
