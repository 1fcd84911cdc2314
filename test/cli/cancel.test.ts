import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { CASCADES, start, waitFor } from './helpers.js';

let sim: SimulatorHandle;
test.before(async () => {
  sim = await startSimulator({ latencyMs: 200 });
});
test.after(async () => {
  await sim.close();
});

const SLOW_MAP =
  "RVBBIT MAP PARALLEL 2 'traits/extract_brand.yaml' USING (SELECT 'slow ' || range AS product_name FROM range(60));";

async function requests(): Promise<number> {
  const r = await fetch(sim.url.replace(/\/v1$/, '/stats'));
  return ((await r.json()) as { requests: number }).requests;
}

/** Resolves once the statement is really running (its first LLM call arrived), not after a fixed sleep. */
async function running(before: number): Promise<void> {
  for (let i = 0; i < 300 && (await requests()) <= before; i++) await new Promise((r) => setTimeout(r, 50));
}

test('Ctrl-C cancels a running query: its LLM calls stop, exit 130, no stack', async () => {
  const before = await requests();
  const run = start(['query', '--provider-url', sim.url, '--cascades', CASCADES, SLOW_MAP]);
  await running(before);
  run.child.kill('SIGINT');
  const r = await run.done;
  assert.is(r.code, 130);
  assert.match(r.err, /cancelling… \(Ctrl-C again to quit now\)\n/);
  assert.not.match(r.err, /\n\s+at /);
  const made = (await requests()) - before;
  await new Promise((res) => setTimeout(res, 500));
  assert.is((await requests()) - before, made, 'no calls after the process ended');
  assert.ok(made < 30, `${made} calls made`);
});

test('in the REPL, Ctrl-C cancels the statement and the REPL goes on to the next one', async () => {
  const before = await requests();
  const run = start(['repl', '--format', 'csv', '--provider-url', sim.url, '--cascades', CASCADES]);
  run.child.stdin!.write(`${SLOW_MAP}\n`);
  await running(before);
  run.child.kill('SIGINT');
  await waitFor(run.err, /cancell/);
  run.child.stdin!.end('SELECT 7 AS after_cancel;\n');
  const r = await run.done;
  assert.is(r.code, 0);
  assert.is(r.out, 'after_cancel\n7\n');
  assert.match(r.err, /cancelling… \(Ctrl-C again to quit\)\n/);
});

test.run();
