#!/usr/bin/env node
// Runs every uvu test (ESM, through tsx) and ends with the line CI reads:
// "N passed, N failed, N skipped". uvu prints Total/Passed/Skipped; we add the summary,
// with the hooks that failed (file and error: scripts/uvu-hooks/ makes uvu say them) and
// the programs whose tests were skipped (test/requires.ts), and exit non-zero on any failure.
// Each failure's report is repeated under the summary with its file: uvu prints it beside its
// suite, which a long run's tail (all a CI log may keep) no longer shows.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildIsCurrent } from './build-current.mjs';

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
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    './scripts/uvu-hooks/register.mjs',
    'node_modules/uvu/bin.js',
    dir,
    pattern,
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, RVBBIT_ENTRIES: entries } },
);
let out = '';
child.stdout.on('data', (b) => {
  process.stdout.write(b);
  out += b.toString();
});
child.on('close', (code, signal) => {
  // Strip ANSI colours before reading uvu's totals.
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  // uvu's totals are its last lines: a failed test's message may quote another run's.
  const last = (re) => Number([...plain.matchAll(re)].at(-1)?.[1] ?? 0);
  const total = last(/^ {2}Total:\s+(\d+)$/gm);
  const passed = last(/^ {2}Passed:\s+(\d+)$/gm);
  const skipped = last(/^ {2}Skipped:\s+(\d+)$/gm);
  const hooks = [...plain.matchAll(/^ {2}hook failed: (.*)$/gm)].map((m) => m[1]);
  const missing = [
    ...new Set([...plain.matchAll(/^ {2}skipped .+? of \S+: (.*)$/gm)].flatMap((m) => m[1].split('; '))),
  ];
  // uvu's Total is the tests that were to run (not the skipped ones); a failed `before` hook
  // leaves its suite's tests unrun, counted in Total only.
  const notRun = total - passed;
  const failures = failureReports(plain);
  if (failures.length > 0) console.log(`\nfailed:\n${failures.join('\n')}`);
  const failed = code === 0 && hooks.length === 0 ? notRun : Math.max(1, notRun);
  if (missing.length > 0)
    console.log(`\nskipped for missing programs (CI=true fails them): ${missing.join('; ')}`);
  for (const h of hooks) console.log(`${missing.length > 0 ? '' : '\n'}hook failed: ${h}`);
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (signal) console.error(`test process ended by ${signal}`);
  process.exit(failed > 0 ? code || 1 : (code ?? 1));
});

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
