/**
 * LLM_FILTER through the `rvbbit` CLI with no configuration (the built-in
 * simulator): argv and stdin give the library's rows.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEngine } from '../../src/index.js';
import { simulatorEnv } from '../../src/llm/config.js';
import { rvbbit } from './helpers.js';

const SQL = `SELECT id, LLM_FILTER('talks about a phone battery', product, text) AS battery
FROM (VALUES (1, 'phone', 'the battery lasts two days'), (2, 'knife', 'the blade stays sharp')) v(id, product, text)
ORDER BY id`;

test('argv and stdin: the rows the library gives', async () => {
  const engine = await createEngine();
  const lib = (await engine.query(SQL)).rows.map((r) => `${r.id},${r.battery}`);
  await engine.close();
  assert.equal(lib, ['1,true', '2,false']);
  const env = simulatorEnv();
  const argv = await rvbbit(['query', '--format', 'csv', SQL], { env });
  assert.is(argv.code, 0, argv.err);
  assert.equal(argv.out.trim().split('\n'), ['id,battery', ...lib]);
  const stdin = await rvbbit(['query', '--format', 'csv'], { env, input: `${SQL};\n` });
  assert.is(stdin.code, 0, stdin.err);
  assert.equal(stdin.out.trim().split('\n'), ['id,battery', ...lib]);
});

test.run();
