/**
 * The default model on the built-in simulator, through the real CLI: the
 * documented merge order (docs/configuration.md: `--model`, then
 * RVBBIT_MODEL, then the config file's `llm.model`, then the default,
 * sim-small) holds there as on any provider; the simulator answers as the
 * chosen model and the call is priced as that model (sim-large's price,
 * SIM_PRICES). A default model it does not serve is refused before anything
 * runs, naming where it came from, as OpenAI refuses one (404 model_not_found).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { costFromTable } from '../../src/llm/pricing.js';
import { SIM_PRICES } from '../../src/sim/prices.js';
import { rvbbit } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rvbbit-sim-model-'));
/** No provider and no model from the outer environment. */
const CLEAN = {
  RVBBIT_BASE_URL: '',
  RVBBIT_API_KEY: '',
  OPENAI_API_KEY: '',
  OPENROUTER_API_KEY: '',
  RVBBIT_MODEL: '',
  RVBBIT_CONFIG: '',
};
const SQL =
  "SELECT 'a' MEANS 'car' AS m; SELECT model, tokens_in, tokens_out, cost FROM rvbbit.unified_logs WHERE NOT cache_hit";

function configFile(model: string): string {
  const file = join(dir, `${model}.yaml`);
  writeFileSync(file, `llm:\n  model: ${model}\n`);
  return file;
}

/** The one call's model, and its cost against the simulator's price for that model. */
async function loggedModel(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await rvbbit(['query', '--format', 'csv', ...args, SQL], { env: { ...CLEAN, ...env } });
  assert.is(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.slice(0, 3), ['m', 'false', 'model,tokens_in,tokens_out,cost']);
  assert.is(lines.length, 4, r.out);
  const [model, tokensIn, tokensOut, cost] = lines[3]!.split(',');
  const priced = costFromTable(SIM_PRICES, model!, {
    tokensIn: Number(tokensIn),
    tokensOut: Number(tokensOut),
  });
  assert.ok(priced !== null && priced > 0, `no price for ${model}`);
  assert.is(Number(cost), priced);
  return model!;
}

test('with nothing chosen the simulator answers as sim-small', async () => {
  assert.is(await loggedModel([]), 'sim-small');
});

test('each source alone: --model, RVBBIT_MODEL, llm.model (and --sim --model)', async () => {
  assert.is(await loggedModel(['--model', 'sim-large']), 'sim-large');
  assert.is(await loggedModel(['--sim', '--model', 'sim-large']), 'sim-large');
  assert.is(await loggedModel([], { RVBBIT_MODEL: 'sim-large' }), 'sim-large');
  assert.is(await loggedModel([], { RVBBIT_CONFIG: configFile('sim-large') }), 'sim-large');
  assert.is(await loggedModel(['--sim'], { RVBBIT_CONFIG: configFile('sim-large') }), 'sim-large');
});

test('precedence: --model over RVBBIT_MODEL over llm.model', async () => {
  assert.is(
    await loggedModel([], { RVBBIT_MODEL: 'sim-small', RVBBIT_CONFIG: configFile('sim-large') }),
    'sim-small',
  );
  assert.is(await loggedModel(['--model', 'sim-small'], { RVBBIT_MODEL: 'sim-large' }), 'sim-small');
  assert.is(
    await loggedModel(['--model', 'sim-large'], {
      RVBBIT_MODEL: 'sim-small',
      RVBBIT_CONFIG: configFile('sim-small'),
    }),
    'sim-large',
  );
});

test('a default model the simulator does not serve is refused before anything runs, naming its source', async () => {
  const refused = async (args: string[], env: Record<string, string>, from: string) => {
    const r = await rvbbit(['query', ...args, SQL], { env: { ...CLEAN, ...env } });
    assert.is(r.code, 1, r.err);
    assert.is(r.out, '');
    assert.ok(
      r.err.includes(
        `the default model 'gpt-5' (from ${from}) is not one the built-in simulator serves (sim-small, sim-large)`,
      ),
      r.err,
    );
    assert.match(r.err, /404 model_not_found/);
  };
  await refused(['--model', 'gpt-5'], {}, 'the provider option (--model)');
  await refused([], { RVBBIT_MODEL: 'gpt-5' }, 'RVBBIT_MODEL');
  const file = configFile('gpt-5');
  await refused(['--sim'], { RVBBIT_CONFIG: file }, `${file}: llm.model`);
});

test.run();
