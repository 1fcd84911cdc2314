/**
 * The REPL and the progress bar on a real terminal, through util-linux
 * `script` (a pseudo-terminal). Skipped where `script` is missing (test/requires.ts).
 */
import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { requires, SCRIPT } from '../requires.js';
import { CASCADES, CLI, ROOT } from './helpers.js';

const ttyTest = requires(test, 'script');

/** Runs `rvbbit <args>` on a pseudo-terminal, feeding `lines` one by one; resolves with what the terminal showed. */
function onTty(args: string, lines: string[], gapMs: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(
      SCRIPT,
      ['-q', '-e', '-c', `${process.execPath} ${CLI.join(' ')} ${args}`, '/dev/null'],
      {
        cwd: ROOT,
        env: { ...process.env, RVBBIT_HISTORY: '/dev/null', COLUMNS: '200' },
      },
    );
    let out = '';
    child.stdout.on('data', (b) => {
      out += b;
    });
    let i = 0;
    const feed = () => {
      if (i < lines.length) {
        child.stdin.write(`${lines[i++]}\n`);
        setTimeout(feed, gapMs);
      } else child.stdin.end();
    };
    setTimeout(feed, gapMs);
    child.on('close', () => resolve(out.replace(/\r/g, '')));
  });
}

let sim: SimulatorHandle;
ttyTest.before(async () => {
  sim = await startSimulator({ latencyMs: 40 });
});
ttyTest.after(async () => {
  await sim.close();
});

ttyTest(
  'on a terminal the REPL prompts, continues multi-line statements with ...>, and prints tables',
  async () => {
    const out = await onTty('repl', ['SELECT 1 AS a;', 'SELECT', '2 AS b;', '.quit'], 1500);
    assert.match(out, /LLM calls answered by simulator\. Type \.help for help\./);
    assert.match(out, /rvbbit> /);
    assert.match(out, / {3}\.\.\.> /);
    assert.match(out, /│ a │\n├───┤\n│ 1 │/);
    assert.match(out, /│ b │\n├───┤\n│ 2 │/);
  },
);

ttyTest(
  'on a terminal a long MAP draws a progress bar with rows, rows/s, calls, cache hits, dollars and ETA',
  async () => {
    const out = await onTty(
      `query --provider-url ${sim.url} --cascades ${CASCADES} "RVBBIT MAP PARALLEL 2 'traits/extract_brand.yaml' USING (SELECT 'bar ' || range AS product_name FROM range(40))"`,
      [],
      100,
    );
    assert.match(
      out,
      // The provider's model has no price here (no llm.prices, no reported cost): unknown, not $0.
      /\d+\/40 rows \| [\d.]+ rows\/s \| \d+ calls \| \d+ cache hits \| \$ unknown \| ETA [\d.?]+s?/,
    );
    assert.match(out, /\(40 rows\)/);
  },
);

test.run();
