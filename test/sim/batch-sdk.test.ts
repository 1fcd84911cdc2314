/** The simulator's Files and Batch API driven by the official `openai` SDK, as a client would. */
import OpenAI, { AzureOpenAI, ConflictError, NotFoundError, toFile } from 'openai';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSimulator } from '../../src/sim/index.js';
import { postChat, user } from './post.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TERMINAL = ['completed', 'failed', 'cancelled', 'expired'];

const bodies = Array.from({ length: 6 }, (_, i) => ({
  model: 'sim-small',
  messages: user(`Name a colour for row ${i}`),
}));
const inputJsonl = bodies
  .map((body, i) => JSON.stringify({ custom_id: `r${i}`, method: 'POST', url: '/v1/chat/completions', body }))
  .join('\n');

interface ResultLine {
  custom_id: string;
  response: { status_code: number; body: unknown };
  error: null;
}

async function finished(client: OpenAI, id: string): Promise<OpenAI.Batches.Batch> {
  for (let i = 0; i < 1000; i++) {
    const b = await client.batches.retrieve(id);
    if (TERMINAL.includes(b.status)) return b;
    await sleep(10);
  }
  throw new Error(`batch ${id} never finished`);
}

test('openai SDK: files.create, batches.create, retrieve until completed, files.content', async () => {
  const sim = await startSimulator({ batchCompletionMs: 50, profile: 'openai' });
  try {
    const client = new OpenAI({ apiKey: 'sk-sim', baseURL: sim.url, maxRetries: 0 });
    const file = await client.files.create({
      file: await toFile(Buffer.from(inputJsonl), 'in.jsonl'),
      purpose: 'batch',
    });
    assert.match(file.id, /^file-/);
    assert.is(file.bytes, Buffer.byteLength(inputJsonl));
    assert.is(file.purpose, 'batch');
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      metadata: { run: 'sdk' },
    });
    assert.is(created.status, 'validating');
    const batch = await finished(client, created.id);
    assert.is(batch.status, 'completed');
    assert.equal(batch.request_counts, { total: 6, completed: 6, failed: 0 });
    assert.equal(batch.metadata, { run: 'sdk' });

    const text = await (await client.files.content(batch.output_file_id!)).text();
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ResultLine);
    assert.equal(lines.map((l) => l.custom_id).sort(), ['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
    for (const l of lines) {
      const sync = await postChat(sim.url, bodies[Number(l.custom_id.slice(1))]);
      assert.equal(l.response.body, JSON.parse(sync.text));
    }

    // Lists page through the SDK's cursor pagination.
    const ids: string[] = [];
    for await (const b of client.batches.list({ limit: 1 })) ids.push(b.id);
    assert.equal(ids, [created.id]);
    const files: string[] = [];
    for await (const f of client.files.list({ purpose: 'batch' })) files.push(f.id);
    assert.equal(files, [file.id]);

    // Errors are the SDK's typed errors.
    const notFound = await client.batches.retrieve('batch_nope').catch((e: unknown) => e);
    assert.instance(notFound, NotFoundError);
    const conflict = await client.batches.cancel(created.id).catch((e: unknown) => e);
    assert.instance(conflict, ConflictError);
    assert.equal(await client.files.delete(file.id), { id: file.id, object: 'file', deleted: true });

    const s = sim.stats();
    assert.is(s.filesUploaded, 1);
    assert.is(s.batchesCreated, 1);
    assert.is(s.batchLines, 6);
    assert.is(s.requests, 6, 'only the synchronous comparisons');
  } finally {
    await sim.close();
  }
});

test('openai SDK: batches.cancel leaves a cancelled batch with partial counts', async () => {
  // 20 s: the batch validates for its first 10% (2 s), so the cancel comes before any line is answered; at
  // 1 s a client slowed by load 17 cancelled after 100 ms and found a line answered. Cancelled 2 s later.
  const sim = await startSimulator({ batchCompletionMs: 20_000 });
  try {
    const client = new OpenAI({ apiKey: 'sk-sim', baseURL: sim.url, maxRetries: 0 });
    const file = await client.files.create({
      file: await toFile(Buffer.from(inputJsonl), 'in.jsonl'),
      purpose: 'batch',
    });
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const cancelling = await client.batches.cancel(created.id);
    assert.is(cancelling.status, 'cancelling');
    const b = await finished(client, created.id);
    assert.is(b.status, 'cancelled');
    assert.is(b.request_counts?.completed, 0);
    assert.is(sim.stats().batchesCancelled, 1);
  } finally {
    await sim.close();
  }
});

test('AzureOpenAI SDK: the azure-openai profile serves /openai/files and /openai/batches', async () => {
  const sim = await startSimulator({ batchCompletionMs: 30, profile: 'azure-openai' });
  try {
    const client = new AzureOpenAI({
      endpoint: new URL(sim.url).origin,
      apiKey: 'sim',
      apiVersion: '2024-10-21',
      maxRetries: 0,
    });
    const line = { custom_id: 'a', method: 'POST', url: '/chat/completions', body: bodies[0] };
    const file = await client.files.create({
      file: await toFile(Buffer.from(JSON.stringify(line)), 'in.jsonl'),
      purpose: 'batch',
    });
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/chat/completions' as '/v1/chat/completions',
      completion_window: '24h',
    });
    const b = await finished(client, created.id);
    assert.is(b.status, 'completed');
    const text = await (await client.files.content(b.output_file_id!)).text();
    assert.is((JSON.parse(text) as ResultLine).custom_id, 'a');
  } finally {
    await sim.close();
  }
});

test.run();
