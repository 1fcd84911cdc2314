#!/usr/bin/env node
// Each test file's wall time, for scripts/run-tests.mjs to start the longest first (so a run does
// not end with one lane on a long file while the others wait): this checkout's last run
// (.cache/test-durations.json, written by the runner) or, where it has not run a file (a fresh
// clone, CI, has no .cache), the committed scripts/test-durations.json.
// Run as a script, it refreshes the committed file:
//   node scripts/test-durations.mjs           from this checkout's last run
//   node scripts/test-durations.mjs ci.log    from a run's output (each file's name, then uvu's "Duration:")
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const LOCAL = fileURLToPath(new URL('../.cache/test-durations.json', import.meta.url));
const COMMITTED = fileURLToPath(new URL('./test-durations.json', import.meta.url));

/** File (relative to the repository, with '/') → ms: the last local run's, else the committed one. */
export function knownDurations() {
  return { ...readJson(COMMITTED), ...readJson(LOCAL) };
}

/** Keeps this run's times (`ran`: file → ms) over the last local run's. */
export function saveLocalDurations(ran) {
  try {
    mkdirSync(dirname(LOCAL), { recursive: true });
    writeFileSync(LOCAL, `${JSON.stringify({ ...readJson(LOCAL), ...ran }, null, 1)}\n`);
  } catch {
    // Only the order of the next run depends on it.
  }
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
}

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
      out[file] = Math.round(Number(took[1]));
      file = undefined;
    }
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const log = process.argv[2];
  const durations = log === undefined ? readJson(LOCAL) : fromLog(log);
  const sorted = Object.fromEntries(Object.entries(durations).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(COMMITTED, `${JSON.stringify(sorted, null, 1)}\n`);
  console.log(`${Object.keys(sorted).length} files' durations written to ${COMMITTED}`);
}
