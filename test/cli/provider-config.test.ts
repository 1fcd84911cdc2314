/**
 * One configuration path, through the real CLI: with `--provider-url` the
 * config file's `llm:` section still applies (its attempt timeout ends a
 * hung call in 300 ms, not the 120 s default); a key with a control
 * character is refused naming its variable; a dead provider fails the MAP's
 * rows with one LLM_ENDPOINT_DOWN naming the host, and the CLI exits 3.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulatorProcess } from '../../src/sim/index.js';
import { CASCADES, rvbbit } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rvbbit-provider-config-'));
const MAP = (n: number) =>
  `RVBBIT MAP PARALLEL 20 'traits/extract_brand.yaml' USING (SELECT 'Acme ' || range AS product_name FROM range(${n})) WITH (cache = false)`;
/** No provider variables from the outer environment leak into these runs. */
const CLEAN = { RVBBIT_BASE_URL: '', RVBBIT_API_KEY: '', OPENAI_API_KEY: '', OPENROUTER_API_KEY: '' };

test("the config file's llm.limits apply when --provider-url names the endpoint", async () => {
  const sim = await startSimulatorProcess({ hangRate: 1 });
  const config = join(dir, 'timeouts.yaml');
  writeFileSync(config, 'llm:\n  limits:\n    timeout_ms: 300\n    retries: 1\n');
  try {
    const r = await rvbbit(
      [
        'query',
        '--format',
        'csv',
        MAP(2),
        '--cascades',
        CASCADES,
        '--provider-url',
        sim.url,
        '--model',
        'sim-small',
      ],
      { env: { ...CLEAN, RVBBIT_CONFIG: config } },
    );
    assert.is(r.code, 3, r.err);
    const lines = r.out.trim().split('\n');
    assert.is(lines.length, 3);
    for (const line of lines.slice(1)) assert.match(line, /no answer within the 300 ms deadline/);
    assert.is((await sim.stats()).hangs, 2);
  } finally {
    await sim.close();
  }
});

test('an API key with a control character inside is refused, naming the variable and not the key', async () => {
  const r = await rvbbit(['query', 'SELECT 1', '--provider-url', 'http://127.0.0.1:9/v1'], {
    env: { ...CLEAN, RVBBIT_API_KEY: 'sk-secret-part\u0007-two\n' },
  });
  assert.is(r.code, 1);
  assert.match(r.err, /RVBBIT_API_KEY: the API key contains a control character/);
  assert.not.match(r.err, /secret-part/);
});

test('a dead provider: every row fails with one LLM_ENDPOINT_DOWN naming host:port, exit 3, well within a minute', async () => {
  const sim = await startSimulatorProcess();
  const { url, port } = sim;
  await sim.close();
  const started = Date.now();
  const r = await rvbbit(
    ['query', '--format', 'csv', MAP(200), '--cascades', CASCADES, '--provider-url', url],
    {
      env: { ...CLEAN, RVBBIT_API_KEY: ' sk-dead-provider-key-123 ' },
    },
  );
  const elapsed = Date.now() - started;
  assert.is(r.code, 3, r.err);
  const rows = r.out.trim().split('\n').slice(1);
  assert.is(rows.length, 200);
  for (const row of rows) assert.match(row, `LLM endpoint 127.0.0.1:${port} is down`);
  assert.not.match(r.out + r.err, /dead-provider-key/);
  // The breaker's bound is 8 s; process start and a loaded machine get the rest.
  assert.ok(elapsed < 60_000, `took ${elapsed} ms`);
});

test.run();
