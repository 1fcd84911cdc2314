/**
 * What counting tokens as OpenAI does costs the simulator (issue 52): the
 * simulator's own CPU (its child process's user + system time, from
 * /proc/<pid>/stat) over a run of ROWS chat requests, one per row, each a
 * distinct row-like prompt (a system prompt and a row of ~80 words), with
 * characters / 4 (the default profile), with OpenAI's count (the openai
 * profile, sim-small), and with a window, cap and tpm in effect.
 *
 *   node --import tsx bench/sim-token-count.bench.ts [--rows 2000] [--parallel 16]
 */
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { startSimulatorProcess } from '../src/sim/index.js';
import type { SimulatorOptions } from '../src/sim/options.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg('rows', 2000);
const PARALLEL = arg('parallel', 16);

const WORDS = 'red running shoes fell apart after a week of light jogging on soft trails sadly'.split(' ');
const SYSTEM =
  'You judge whether a product review matches the criterion. Answer with JSON: {"result": true|false, "reason": "…"}. ' +
  'Be strict: a review that only mentions the criterion in passing does not match.';
const rowText = (i: number) =>
  Array.from({ length: 80 }, (_, j) => WORDS[(i * 7 + j * 3) % WORDS.length]).join(' ') + ` (row ${i})`;

/** The process's CPU time so far, ms (utime + stime, /proc/<pid>/stat fields 14 and 15). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function run(label: string, options: SimulatorOptions): Promise<void> {
  const sim = await startSimulatorProcess(options);
  try {
    const ask = (i: number) =>
      request(`${sim.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'sim-small',
          messages: [
            { role: 'system', content: SYSTEM },
            { role: 'user', content: `Criterion: durable\nReview: ${rowText(i)}` },
          ],
          max_tokens: 200,
        }),
      }).then((r) => r.body.text());
    await ask(-1); // warm: the encodings load on first use
    const before = cpuMs(sim.pid);
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < ROWS) await ask(next++);
      }),
    );
    const wall = performance.now() - started;
    const cpu = cpuMs(sim.pid) - before;
    const s = await sim.stats();
    console.log(
      `${label.padEnd(34)} simulator CPU ${cpu.toFixed(0).padStart(6)} ms (${((cpu / ROWS) * 1000).toFixed(0)} µs/row), wall ${wall.toFixed(0)} ms, ` +
        `prompt tokens ${s.tokensIn}, completed ${s.completed}`,
    );
  } finally {
    await sim.close();
  }
}

async function main(): Promise<void> {
  console.log(`${ROWS} rows, ${PARALLEL} in flight`);
  await run('characters / 4 (default profile)', {});
  await run('OpenAI count (openai profile)', { profile: 'openai' });
  await run('window, cap and tpm in effect', {
    contextWindow: 128_000,
    maxOutputTokens: 16_384,
    tpm: 100_000_000,
  });
}

void main();
