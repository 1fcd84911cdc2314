import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simOptionsFromFlags } from '../../src/cli/sim-command.js';
import { CLI } from '../cli/helpers.js';
import { postChat, user } from './post.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function runSim(args: string[]) {
  const child = spawn(process.execPath, [...CLI, 'sim', ...args], {
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

test("rvbbit sim --profile openai: says so, and refuses a schema strict mode does not take with OpenAI's 400", async () => {
  const sim = runSim(['--port', '0', '--profile', 'openai']);
  const url = await sim.url;
  const reply = await postChat(url, {
    model: 'gpt-4o-mini',
    messages: user('hello'),
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'x',
        strict: true,
        schema: { type: 'object', properties: { a: { type: 'string' } } },
      },
    },
  });
  assert.is(reply.status, 400);
  assert.is(JSON.parse(reply.text).error.param, 'response_format');
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
  const child = spawn(process.execPath, [...CLI, 'sim', '--help'], { cwd: root });
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
    '--batch-completion-ms',
    '--batch-line-error-rate',
  ]) {
    assert.ok(out.includes(flag), flag);
  }
});

test('flags map onto simulator options', () => {
  assert.equal(
    simOptionsFromFlags({
      port: 0,
      host: '127.0.0.1',
      latencyDist: 'lognormal',
      latencyMedian: 300,
      latencySigma: 0.6,
      seed: 4,
      rps: 50,
      errorRate: 0.05,
      resetRate: 0.01,
      hangRate: 0.01,
      malformedRate: 0.01,
      retryAfterDate: true,
    }),
    {
      port: 0,
      host: '127.0.0.1',
      latency: { dist: 'lognormal', medianMs: 300, sigma: 0.6 },
      seed: 4,
      rateLimit: { rps: 50 },
      retryAfterFormat: 'date',
      errorRate: 0.05,
      resetRate: 0.01,
      hangRate: 0.01,
      malformedRate: 0.01,
    },
  );
  assert.equal(simOptionsFromFlags({ port: 8787, host: '127.0.0.1', latencyMs: 20 }), {
    port: 8787,
    host: '127.0.0.1',
    latencyMs: 20,
  });
  assert.throws(() => simOptionsFromFlags({ port: 0, host: 'h', latencyDist: 'normal' }), /lognormal/);
  assert.equal(
    simOptionsFromFlags({
      port: 0,
      host: 'h',
      profile: 'openai',
      batchCompletionMs: 5000,
      batchLineErrorRate: 0.1,
    }),
    { port: 0, host: 'h', profile: 'openai', batchCompletionMs: 5000, batchLineErrorRate: 0.1 },
  );
});

test.run();
