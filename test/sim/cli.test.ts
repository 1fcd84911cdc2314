import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { postChat, user } from './post.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function runSim(args: string[]) {
  const child = spawn(process.execPath, ['bin/rvbbit.js', 'sim', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b) => {
    stderr += b;
  });
  const url = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => {
      const m = /listening on (\S+)/.exec(line);
      if (m) resolve(m[1]!);
      else reject(new Error(`unexpected line: ${line}`));
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url, exited, stderr: () => stderr };
}

test('rvbbit sim --port 0 prints its URL, answers, and stops on SIGTERM', async () => {
  const sim = runSim(['--port', '0', '--seed', '3', '--error-rate', '1']);
  const url = await sim.url;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  const reply = await postChat(url, { model: 'm', messages: user('hello') });
  assert.is(reply.status, 500);
  sim.child.kill('SIGTERM');
  assert.is(await sim.exited, 0);
});

test('rvbbit sim rejects a bad knob with a clear message', async () => {
  const sim = runSim(['--port', '0', '--error-rate', '1.5']);
  sim.url.catch(() => undefined);
  const code = await sim.exited;
  assert.is.not(code, 0);
  assert.match(sim.stderr(), /--error-rate must be a number between 0 and 1/);
});

test('rvbbit sim --help documents every knob', async () => {
  const child = spawn(process.execPath, ['bin/rvbbit.js', 'sim', '--help'], { cwd: root });
  let out = '';
  child.stdout.on('data', (b) => {
    out += b;
  });
  await new Promise((r) => child.once('exit', r));
  for (const flag of [
    '--port',
    '--latency-ms',
    '--latency-dist',
    '--latency-median',
    '--latency-sigma',
    '--seed',
    '--rps',
    '--error-rate',
    '--reset-rate',
    '--hang-rate',
    '--malformed-rate',
    '--max-body-bytes',
  ]) {
    assert.ok(out.includes(flag), flag);
  }
});

test.run();
