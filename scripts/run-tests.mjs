#!/usr/bin/env node
// Runs every uvu test (ESM, through tsx) and ends with the line CI reads:
// "N passed, N failed". uvu prints Total/Passed/Skipped; we add the summary line
// and keep uvu's exit code (non-zero on any failure).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const dir = args[0] ?? 'test';
const pattern = args[1] ?? '\\.test\\.ts$';
const child = spawn(process.execPath, ['--import', 'tsx', 'node_modules/uvu/bin.js', dir, pattern], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
child.stdout.on('data', (b) => {
  process.stdout.write(b);
  out += b.toString();
});
child.on('close', (code, signal) => {
  // Strip ANSI colours before reading uvu's totals.
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const failed = code === 0 ? total - passed - skipped : Math.max(1, total - passed - skipped);
  console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (signal) console.error(`test process ended by ${signal}`);
  process.exit(code ?? 1);
});
