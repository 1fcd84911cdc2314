/**
 * The CLI runs with V8's --optimize-for-size (src/cli/heap-flags.ts, issue 66):
 * a large statement's JS heap is mostly garbage between collections, and the
 * flag keeps every thread's heap from growing far past what is live. Measured
 * as what it bounds: the peak resident set of the `rvbbit query` process
 * (GNU time's %M, every thread and DuckDB included), a CTAS of generated
 * labels like bench/paths-memory.bench.ts's ctas-llm-returning, on the
 * simulator at 0 ms. The table and the calls made are exact.
 */
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simulatorEnv } from '../../src/llm/config.js';
import { startSimulator } from '../../src/sim/index.js';
import { CLI, ROOT } from './helpers.js';

const ROWS = 12_000;
/** Tuples one packed prompt carries (issue 67's default). */
const PACKED = 16;
/**
 * The bound at ROWS rows: measured 252 MB with the flag and 381 MB without
 * (from source through tsx, a bench run beside it at load ~5).
 */
const PEAK_RSS_MB = 320;

const STATEMENT = `-- @ parallel: 64
-- @ cache: false
CREATE TABLE out AS SELECT id, LLM('Give a short label for the text', text RETURNING VARCHAR) AS label
FROM (SELECT range AS id, repeat('lorem ipsum dolor sit amet ', 37) || range AS text FROM range(${ROWS}));
SELECT count(*) AS n, count(label) AS labelled FROM out`;

test(`a CTAS of ${ROWS} generated labels peaks under ${PEAK_RSS_MB} MB`, async () => {
  const sim = await startSimulator({ latencyMs: 0 });
  try {
    const child = spawn(
      '/usr/bin/time',
      ['-f', 'PEAK_RSS_KB=%M', process.execPath, ...CLI, 'query', '--format', 'csv', '--no-cost', STATEMENT],
      {
        cwd: ROOT,
        env: {
          ...simulatorEnv(),
          RVBBIT_HISTORY: '/dev/null',
          RVBBIT_BASE_URL: sim.url,
          RVBBIT_API_KEY: 'sim-key',
          RVBBIT_MODEL: 'sim-small',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => {
      out += b;
    });
    child.stderr.on('data', (b) => {
      err += b;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.is(code, 0, err);
    assert.is(out.trim().split('\n').at(-1), `${ROWS},${ROWS}`);
    assert.is(sim.stats().requests, Math.ceil(ROWS / PACKED));
    const peakMb = Number(/PEAK_RSS_KB=(\d+)/.exec(err)?.[1]) / 1024;
    assert.ok(peakMb <= PEAK_RSS_MB, `peak RSS ${peakMb.toFixed(0)} MB, bound ${PEAK_RSS_MB}`);
  } finally {
    await sim.close();
  }
});

test.run();
