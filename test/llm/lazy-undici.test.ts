/**
 * undici is loaded when a client sends its first request, not when the client module is imported
 * (the package's index exports createLlmClient): a process whose calls all go out from the pool's
 * workers, a streaming MAP's main thread, kept ~3 MB of undici in its live heap (issue 66). Run in
 * a child process, whose module cache starts empty.
 */
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const CLIENT = new URL('../../src/llm/client.ts', import.meta.url).href;
const SIM = new URL('../../src/sim/index.ts', import.meta.url).href;

test('undici loads at the first request: a client made and closed without one never loads it', () => {
  const script = `
    import { createRequire } from 'node:module';
    const cache = createRequire(import.meta.url).cache;
    const loaded = () => Object.keys(cache).some((k) => k.includes('/node_modules/undici/'));
    const { createLlmClient } = await import(${JSON.stringify(CLIENT)});
    const { startSimulator } = await import(${JSON.stringify(SIM)});
    const sim = await startSimulator({});
    const idle = createLlmClient({ baseUrl: sim.url });
    await idle.close();
    const afterIdle = loaded();
    const llm = createLlmClient({ baseUrl: sim.url });
    const r = await llm.chat({ model: 'sim-small', messages: [{ role: 'user', content: 'Hi' }] });
    const afterCall = loaded();
    await llm.close();
    await sim.close();
    console.log(JSON.stringify({ afterIdle, afterCall, answered: typeof r.content === 'string', requests: sim.stats().requests }));
  `;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.is(run.status, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout.trim().split('\n').at(-1)!), {
    afterIdle: false,
    afterCall: true,
    answered: true,
    requests: 1,
  });
});

test.run();
