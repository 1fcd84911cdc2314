/**
 * `rvbbit eval` with the embedding proxy as a candidate (docs/semantic-sql.md "Model
 * or embedding?"): the candidate's calls are its embedding calls and the reference
 * model's calls for the sample and the band, none to a proxy chat model, and its
 * rows meet the targets against the reference.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulator } from '../../src/sim/index.js';
import { rvbbit } from './helpers.js';

const SETUP = `CREATE TABLE items AS SELECT range::INTEGER AS id,
  CASE WHEN range % 5 = 0 THEN 'eco friendly bottle number ' ELSE 'plain steel part number ' END || range AS body
  FROM range(3000)`;

test('rvbbit eval: the embedding proxy candidate, its embedding and big-model calls, targets met', async () => {
  const sim = await startSimulator({ profiles: { 'text-embedding-3-small': { embeddingNoise: 1 } } });
  try {
    const candidate = '-- @ proxy: embedding recall 0.9 precision 0.9';
    const r = await rvbbit(
      [
        'eval',
        "SELECT id FROM items WHERE body MEANS 'eco friendly'",
        '--setup',
        SETUP,
        '--table',
        'items',
        '--sample',
        '1000',
        '--seed',
        '7',
        '--candidate',
        candidate,
        '--format',
        'json',
      ],
      { env: { RVBBIT_BASE_URL: sim.url, RVBBIT_API_KEY: 'sim-key', RVBBIT_MODEL: 'sim-small' } },
    );
    assert.is(r.code, 0, r.err);
    const [out] = JSON.parse(r.out) as Record<string, number | string>[];
    assert.is(out!.candidate, candidate);
    const s = sim.stats();
    // One embedding call for the 1,000 sampled texts and the criterion; no proxy chat model.
    assert.is(s.embeddingRequests, 1);
    assert.equal(Object.keys(s.byModel), ['sim-small']);
    // The reference's 63 calls (its 1,000 tuples packed 16 a call since issue 67; was 1,000), then the
    // candidate's: its big-model calls and its one embedding call.
    assert.is(s.byModel['sim-small'], Math.ceil(1000 / 16) + Number(out!.calls) - 1);
    assert.ok(Number(out!.calls) < 1000, `calls ${out!.calls}`);
    assert.ok(Number(out!.precision) >= 0.9 && Number(out!.recall) >= 0.9, JSON.stringify(out));
  } finally {
    await sim.close();
  }
});

test.run();
