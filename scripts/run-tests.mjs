#!/usr/bin/env node
// Runs every uvu test (ESM, through tsx) and ends with the line CI reads:
// "N passed, N failed, N skipped". The test files run in one test process per core
// (scripts/uvu-lane.mjs; RVBBIT_TEST_JOBS=N says how many) and one more that runs only the files
// that mostly wait (their last CPU under WAITING_SHARE of their wall), each process one file at a time,
// longest first by the last run's times (scripts/test-durations.mjs); files that share a
// resource (scripts/test-resources.mjs) never run at once. Each file's output is printed whole,
// in the files' order. uvu prints Total/Passed/Skipped per file; we add the summary,
// with the hooks that failed (file and error: scripts/uvu-hooks/ makes uvu say them) and
// the programs whose tests were skipped (test/requires.ts), and exit non-zero on any failure.
// Each failure's report is repeated under the summary with its file: uvu prints it beside its
// suite, which a long run's tail (all a CI log may keep) no longer shows.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'uvu/parse';
import { buildIsCurrent } from './build-current.mjs';
import { nextFileFor } from './lane-choice.mjs';
import { knownDurations, saveLocalDurations } from './test-durations.mjs';
import { ALONE, resourcesOf } from './test-resources.mjs';
import { FILE_DONE } from './uvu-lane.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const dir = args[0] ?? 'test';
const pattern = args[1] ?? '\\.test\\.ts$';
// The tests import the sources; the threads, child processes and CLI runs they
// start use the build when it is current (`npm test` builds first): one started
// through tsx costs ~1 s more CPU (an engine from source 1.6-1.8 s, built 0.6-0.8 s;
// a CLI run 6.9 s against 1.9 s on a loaded machine), and the suite starts hundreds.
// RVBBIT_ENTRIES=source (or dist) in the environment decides instead.
const entries = process.env.RVBBIT_ENTRIES ?? (buildIsCurrent(root) ? 'dist' : 'source');
console.log(`threads, processes and CLI runs from ${entries === 'dist' ? 'the build (dist/)' : 'source'}`);

/** Test processes that run any file: one per core (the files' own threads and children share them). */
const JOBS = Math.max(1, Number(process.env.RVBBIT_TEST_JOBS) || availableParallelism());
/**
 * A file whose last run used less CPU than this share of its wall time mostly waits (on its
 * children, timers, the network): such files may also run in one lane beyond the cores, whose
 * work then fits in what the busy lanes leave idle. Set RVBBIT_TEST_JOBS for exactly N lanes.
 * 0.75, with the core lanes leaving those files to the waiting lane while others are queued
 * (scripts/lane-choice.mjs): ci-e's times (an idle fresh clone, 1,247 s for 1,173 s of CPU per
 * core) replayed by scripts/replay-lanes.mjs give 1,228 s for the old choice (0.5, the longest file
 * to any lane) and 1,185 s for this one; the core lanes had taken map-faults (115 s of wall, 25 s
 * of CPU) and the like at the start, a core mostly idle while they waited.
 */
const WAITING_SHARE = 0.75;
const WAITING_LANES = process.env.RVBBIT_TEST_JOBS ? 0 : 1;
/**
 * The longest a file may run before its test process is killed and the file fails, naming the
 * limit: a test that waits forever (a failed test left a stream holding the engine's connection,
 * and the next test waited for it) would otherwise keep the run, and CI, waiting until CI's own
 * 90 minutes end, with no word of which file. 15 minutes: the slowest file took 397 s at load 10
 * (package.test); RVBBIT_TEST_FILE_LIMIT_S sets it.
 */
const FILE_LIMIT_MS = (Number(process.env.RVBBIT_TEST_FILE_LIMIT_S) || 900) * 1000;
/** Each file's wall time in the last run that ran it, to start the longest first. */
const known = knownDurations();
const { suites } = await parse(dir, pattern, { cwd: root });
/** Every file in uvu's order (its output is printed in this order), with what it shares. */
const files = suites.map((s, index) => ({
  /** As uvu names it: relative to `dir`. */
  name: s.name,
  file: s.file,
  /** Relative to the repository, whatever `dir` was: the key of its time and resources. */
  path: relative(root, s.file).split(sep).join('/'),
  index,
  resources: resourcesOf(relative(root, s.file).split(sep).join('/')),
  /** Its output once it has run, and the exit code uvu set for it. */
  out: null,
  code: 0,
  ms: 0,
  /** The CPU its test process and that process's ended children used while it ran (uvu-lane.mjs). */
  cpuMs: 0,
}));
// Longest first, a file not timed yet before all: the last to end are the short ones.
const queue = [...files].sort(
  (a, b) =>
    (known[b.path]?.ms ?? Number.POSITIVE_INFINITY) - (known[a.path]?.ms ?? Number.POSITIVE_INFINITY) ||
    a.index - b.index,
);
/** Resource → the running file that holds it. */
const held = new Map();
const lanes = new Set();
let printed = 0;

const startable = (f) =>
  !held.has(ALONE) &&
  (f.resources.includes(ALONE)
    ? held.size === 0 && runningFiles() === 0
    : f.resources.every((r) => !held.has(r)));
const runningFiles = () => [...lanes].filter((l) => l.file !== null).length;

/** The file's last run used under WAITING_SHARE of a core: it may run in a waiting lane. */
const waits = (f) => {
  const t = known[f.path];
  return t?.cpuMs !== undefined && t.cpuMs < WAITING_SHARE * t.ms;
};

/** A test process; `waitingOnly`: it takes only files that mostly wait. */
function startLane(waitingOnly = false) {
  const child = spawn(
    process.execPath,
    // As file URLs, not `tsx` and `./scripts/…`: worker threads inherit these flags and resolve them from
    // the working directory when they start, which a test may have changed (process.chdir): the
    // document parser's thread then failed to load ("the document parser stopped").
    [
      '--import',
      import.meta.resolve('tsx'),
      '--import',
      new URL('./uvu-hooks/register.mjs', import.meta.url).href,
      'scripts/uvu-lane.mjs',
    ],
    {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
      // FORCE_COLOR as uvu's bin sets it.
      env: { ...process.env, RVBBIT_ENTRIES: entries, FORCE_COLOR: '1' },
    },
  );
  const lane = { child, file: null, out: '', began: 0, waitingOnly, timer: undefined, overran: false };
  lanes.add(lane);
  child.stdout.on('data', (b) => {
    lane.out += b.toString();
    for (let at = lane.out.indexOf(FILE_DONE); at >= 0; at = lane.out.indexOf(FILE_DONE)) {
      const eol = lane.out.indexOf('\n', at);
      if (eol < 0) break;
      const [code, cpu] = lane.out
        .slice(at + FILE_DONE.length, eol)
        .trim()
        .split(' ')
        .map(Number);
      const out = lane.out.slice(0, at).replace(/\n$/, '');
      lane.out = lane.out.slice(eol + 1);
      finish(lane, out, code, cpu);
    }
  });
  child.on('close', (code, signal) => {
    lanes.delete(lane);
    if (lane.file !== null) {
      // The process ended inside a file: that file failed, the others go on in a new one.
      const how = lane.overran
        ? `by SIGKILL: the file ran past the runner's limit of ${FILE_LIMIT_MS / 1000} s (RVBBIT_TEST_FILE_LIMIT_S)`
        : signal
          ? `by ${signal}`
          : `with exit code ${code}`;
      finish(lane, `${lane.out}\n   FAIL  ${lane.file.name}  "the test process ended ${how}"\n\n\n`, 1);
      if (queue.length > 0) dispatch(startLane(waitingOnly));
    }
    if (lanes.size === 0) summarize();
  });
  return lane;
}

/** Gives `lane` the next file it may run now; ends it when none is left. */
function dispatch(lane) {
  if (lane.file !== null) return;
  const i = nextFileFor(lane.waitingOnly, queue, startable, waits, WAITING_LANES > 0);
  if (i < 0) {
    if (queue.length === 0) lane.child.stdin.end();
    return;
  }
  const [f] = queue.splice(i, 1);
  for (const r of f.resources) held.set(r, f);
  lane.file = f;
  lane.began = performance.now();
  lane.timer = setTimeout(() => {
    lane.overran = true;
    lane.child.kill('SIGKILL');
  }, FILE_LIMIT_MS);
  lane.child.stdin.write(`${JSON.stringify({ name: f.name, file: f.file })}\n`);
}

function finish(lane, out, code, cpuMs = 0) {
  const f = lane.file;
  clearTimeout(lane.timer);
  lane.file = null;
  f.out = out;
  f.code = code;
  f.ms = performance.now() - lane.began;
  f.cpuMs = cpuMs;
  for (const r of f.resources) held.delete(r);
  // Printed whole and in order: a file's lines never mix with another's.
  while (printed < files.length && files[printed].out !== null)
    process.stdout.write(`${files[printed++].out}\n`);
  for (const l of lanes) dispatch(l);
}

if (files.length === 0) summarize();
else {
  for (let i = 0; i < Math.min(JOBS, files.length); i++) dispatch(startLane());
  if (WAITING_LANES > 0 && queue.some(waits)) dispatch(startLane(true));
}

function summarize() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const hooks = [];
  const plains = [];
  for (const f of files) {
    // Strip ANSI colours before reading uvu's totals.
    const plain = (f.out ?? '').replace(/\x1b\[[0-9;]*m/g, '');
    plains.push(plain);
    // uvu's totals are the file's last lines: a failed test's message may quote another run's.
    const last = (re) => Number([...plain.matchAll(re)].at(-1)?.[1] ?? 0);
    const total = last(/^ {2}Total:\s+(\d+)$/gm);
    const filePassed = last(/^ {2}Passed:\s+(\d+)$/gm);
    const fileHooks = [...plain.matchAll(/^ {2}hook failed: (.*)$/gm)].map((m) => m[1]);
    // uvu's Total is the tests that were to run (not the skipped ones); a failed `before` hook
    // leaves its suite's tests unrun, counted in Total only.
    const notRun = total - filePassed;
    passed += filePassed;
    skipped += last(/^ {2}Skipped:\s+(\d+)$/gm);
    failed += f.code === 0 && fileHooks.length === 0 ? notRun : Math.max(1, notRun);
    hooks.push(...fileHooks);
  }
  const all = plains.join('\n');
  const missing = [
    ...new Set([...all.matchAll(/^ {2}skipped .+? of \S+: (.*)$/gm)].flatMap((m) => m[1].split('; '))),
  ];
  // Under the files' output, above what a run's tail must show (the failures, the line CI reads).
  console.log(`\n${timeLine()}`);
  const failures = failureReports(all);
  if (failures.length > 0) console.log(`\nfailed:\n${failures.join('\n')}`);
  if (missing.length > 0)
    console.log(`\nskipped for missing programs (CI=true fails them): ${missing.join('; ')}`);
  for (const h of hooks) console.log(`${missing.length > 0 ? '' : '\n'}hook failed: ${h}`);
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  saveDurations();
  process.exit(failed > 0 ? 1 : 0);
}

/**
 * The run's wall time against its files' wall and CPU times: CPU well under lanes × wall means the
 * files mostly wait (on children, timers, the network) and more lanes than cores may pay.
 */
function timeLine() {
  const s = (ms) => `${Math.round(ms / 1000)} s`;
  const ran = files.filter((f) => f.out !== null);
  const wall = ran.reduce((sum, f) => sum + f.ms, 0);
  const cpu = ran.reduce((sum, f) => sum + f.cpuMs, 0);
  const waiting = WAITING_LANES > 0 && files.some(waits) ? ` (+${WAITING_LANES} for waiting files)` : '';
  return `time: ${s(performance.now())} over ${JOBS} lanes${waiting}; files ${s(wall)} of wall, ${s(cpu)} of CPU (${availableParallelism()} cores)`;
}

function saveDurations() {
  saveLocalDurations(
    Object.fromEntries(
      files
        .filter((f) => f.out !== null)
        .map((f) => [f.path, { ms: Math.round(f.ms), cpuMs: Math.round(f.cpuMs) }]),
    ),
  );
}

/** uvu's failure blocks ("   FAIL  suite  \"test\"" and the lines under it), each with its test file. */
function failureReports(plain) {
  const reports = [];
  let file = '';
  let block = null;
  let blanks = 0;
  for (const line of plain.split('\n')) {
    if (/^\S.*\.test\.[cm]?[jt]s$/.test(line)) {
      file = line;
      block = null;
    } else if (/^ {2,3}FAIL /.test(line)) {
      block = [`${file}:`, line];
      reports.push(block);
      blanks = 0;
    } else if (block !== null) {
      // The report is the message, the diff and the stack, ended by an empty line pair:
      // keep enough of it to name the place.
      blanks = line.trim() === '' ? blanks + 1 : 0;
      if (blanks >= 2) block = null;
      else if (blanks === 0 && block.length < 24 && !line.includes('node_modules/uvu/')) block.push(line);
    }
  }
  return reports.map((b) => b.join('\n'));
}
