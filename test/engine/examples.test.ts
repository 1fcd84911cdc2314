import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simulatorEnv } from '../../src/llm/config.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const env = simulatorEnv();

test('the README library example (built, importing the package by name) runs against the built-in simulator and prints 5 typed rows', () => {
  const out = execFileSync(process.execPath, ['dist/examples/library.js'], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  const lines = out.trim().split('\n');
  assert.is(lines[0], 'id BIGINT, product_name VARCHAR, brand VARCHAR, confidence DOUBLE');
  assert.equal(
    lines.slice(1, 6).map((l) => l.split(' ')[0]),
    ['1', '2', '3', '4', '5'],
  );
  assert.is(lines.at(-1), 'answered by: simulator');
});

test.run();
