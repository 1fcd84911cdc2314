import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BatchLedger, BatchLedgerEntry } from '../../src/llm/batch-delivery.js';
import { createLlmClient } from '../../src/llm/client.js';
import type { ChatRequest } from '../../src/llm/types.js';
import { startSimulator } from '../../src/sim/index.js';

const schema = {
  type: 'object',
  required: ['result'],
  properties: { result: { type: 'boolean' }, reason: { type: 'string' } },
  additionalProperties: false,
};

const ask = (text: string): ChatRequest => ({
  model: 'sim-small',
  messages: [{ role: 'user', content: `Does this text mean "fruit"? Answer true or false.\nText: ${text}` }],
  responseFormat: { name: 'means', schema },
});

const TEXTS = ['an apple', 'a pear', 'a truck', 'a banana', 'a bridge'];

/** The ledger the engine keeps in rvbbit.batches, in memory. */
function memoryLedger(): BatchLedger & { readonly rows: Map<string, BatchLedgerEntry> } {
  const rows = new Map<string, BatchLedgerEntry>();
  return {
    rows,
    find: async (key) => rows.get(key),
    record: async (e) => {
      rows.set(e.key, e);
    },
  };
}

/** Runs `texts` as runs of one session: each run asks through its own client, then ends. */
async function runAll(
  session: ReturnType<ReturnType<typeof createLlmClient>['batchSession']>,
  texts: string[],
) {
  return Promise.all(
    texts.map(async (t) => {
      const run = session.run();
      try {
        return await run.chat(ask(t));
      } finally {
        run.end();
      }
    }),
  );
}

test('the calls of every run go as one batch; answers equal the synchronous ones, in order, at the batch price', async () => {
  const sim = await startSimulator({ batchCompletionMs: 30, costPerMillion: { in: 0.15, out: 0.6 } });
  const llm = createLlmClient({
    baseUrl: sim.url,
    prices: { 'sim-small': { in: 0.15, out: 0.6, batch_discount: 0.5 } },
  });
  try {
    const sync = await Promise.all(TEXTS.map((t) => llm.chat(ask(t))));
    sim.resetStats();
    const ledger = memoryLedger();
    const session = llm.batchSession({ ledger, pollMs: 10 });
    const batched = await runAll(session, TEXTS);
    assert.equal(
      batched.map((r) => r.content),
      sync.map((r) => r.content),
    );
    assert.ok(batched.every((r) => r.delivery === 'batch' && r.structured === 'json_schema'));
    // The simulator reports OpenRouter-style cost: at the batch price, half.
    for (let i = 0; i < TEXTS.length; i++) {
      assert.is(batched[i]!.usage.cost, sync[i]!.usage.cost! / 2);
    }
    const s = sim.stats();
    assert.is(s.batchesCreated, 1);
    assert.is(s.filesUploaded, 1);
    assert.is(s.batchLines, TEXTS.length);
    assert.is(s.requests, 0);
    assert.equal(
      [...ledger.rows.values()].map((e) => [e.status, e.total, e.completed, e.failed]),
      [['completed', 5, 5, 0]],
    );
    assert.equal(session.batchIds.length, 1);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('a table price applies the batch_discount when the provider reports no cost', async () => {
  const sim = await startSimulator({ batchCompletionMs: 10 });
  const prices = { 'sim-small': { in: 1, out: 2, batch_discount: 0.5 } };
  const llm = createLlmClient({ baseUrl: sim.url, prices });
  try {
    const [sync] = await Promise.all([llm.chat(ask('an apple'))]);
    const [batched] = await runAll(llm.batchSession({ pollMs: 5 }), ['an apple']);
    const full = (sync!.usage.tokensIn * 1 + sync!.usage.tokensOut * 2) / 1e6;
    assert.is(sync!.usage.cost, full);
    assert.is(batched!.usage.cost, full / 2);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('the same calls again after a crash: the kept batch is polled, not submitted again', async () => {
  const sim = await startSimulator({ batchCompletionMs: 300 });
  const llm = createLlmClient({ baseUrl: sim.url });
  const ledger = memoryLedger();
  try {
    const first = llm.batchSession({ ledger, pollMs: 10 });
    // The first engine submits, then "dies": its promises are never awaited again.
    void runAll(first, TEXTS).catch(() => undefined);
    while (ledger.rows.size === 0) await new Promise((r) => setTimeout(r, 5));
    // Runs asking in another order make the same file.
    const again = await runAll(llm.batchSession({ ledger, pollMs: 10 }), [...TEXTS].reverse());
    assert.is(again.length, TEXTS.length);
    assert.is(sim.stats().batchesCreated, 1);
    assert.is(sim.stats().filesUploaded, 1);
    assert.is(sim.stats().requests, 0);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('a run that asks twice makes two rounds; a round waits for every active run', async () => {
  const sim = await startSimulator({ batchCompletionMs: 10 });
  const llm = createLlmClient({ baseUrl: sim.url });
  try {
    const session = llm.batchSession({ pollMs: 5 });
    const two = async (t: string) => {
      const run = session.run();
      try {
        await run.chat(ask(t));
        return await run.chat(ask(`${t} again`));
      } finally {
        run.end();
      }
    };
    const out = await Promise.all(TEXTS.map(two));
    assert.is(out.length, 5);
    assert.is(sim.stats().batchesCreated, 2);
    assert.is(sim.stats().batchLines, 10);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('runs that ask several calls at once, some turns later, still make one round', async () => {
  const sim = await startSimulator({ batchCompletionMs: 10 });
  const llm = createLlmClient({ baseUrl: sim.url });
  try {
    const session = llm.batchSession({ pollMs: 5 });
    const takes = async (t: string, late: boolean) => {
      const run = session.run();
      try {
        // Some runs ask only after other I/O (a few turns of the event loop): the round waits for them.
        if (late) for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
        return await Promise.all([run.chat(ask(t)), run.chat(ask(`${t}, take 2`))]);
      } finally {
        run.end();
      }
    };
    const out = await Promise.all(TEXTS.map((t, i) => takes(t, i % 2 === 1)));
    assert.is(out.flat().length, 10);
    assert.equal([sim.stats().batchesCreated, sim.stats().batchLines], [1, 10]);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('failed lines are asked again as normal calls, one each', async () => {
  const texts = Array.from({ length: 40 }, (_, i) => `item number ${i}`);
  const sim = await startSimulator({ batchCompletionMs: 10, batchLineErrorRate: 0.25 });
  const llm = createLlmClient({ baseUrl: sim.url });
  try {
    const out = await runAll(llm.batchSession({ pollMs: 5 }), texts);
    const direct = out.filter((r) => r.delivery !== 'batch').length;
    assert.ok(direct > 0 && direct < texts.length, `direct ${direct}`);
    assert.is(sim.stats().requests, direct);
    assert.is(sim.stats().batchesCreated, 1);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('cancelling cancels the batch at the provider; the calls fail LLM_ABORTED', async () => {
  const sim = await startSimulator({ batchCompletionMs: 60_000 });
  const llm = createLlmClient({ baseUrl: sim.url });
  const ledger = memoryLedger();
  try {
    const control = new AbortController();
    const session = llm.batchSession({ ledger, pollMs: 5, signal: control.signal });
    const done = runAll(session, TEXTS).then(
      () => 'answered',
      (e: { code?: string }) => e.code,
    );
    while (ledger.rows.size === 0) await new Promise((r) => setTimeout(r, 5));
    control.abort();
    assert.is(await done, 'LLM_ABORTED');
    for (let i = 0; i < 100 && sim.stats().batchesCancelled === 0; i++)
      await new Promise((r) => setTimeout(r, 5));
    assert.is(sim.stats().batchesCancelled, 1);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test('a provider without a Batch API: LLM_BATCH_UNSUPPORTED naming the host', async () => {
  const sim = await startSimulator({ profile: 'ollama' });
  const llm = createLlmClient({ baseUrl: sim.url });
  try {
    const err = await runAll(llm.batchSession({ pollMs: 5 }), ['an apple']).catch((e) => e);
    assert.is(err.code, 'LLM_BATCH_UNSUPPORTED');
    assert.match(err.message, /^127\.0\.0\.1 has no Batch API \(uploading the batch file: HTTP 404/);
  } finally {
    await llm.close();
    await sim.close();
  }
});

test.run();
