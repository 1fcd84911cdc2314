/** The simulator's Files and Batch API (src/sim/batch-api.ts), over plain fetch as any client sees it. */
import { connect } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FileStore } from '../../src/sim/files-store.js';
import { type SimulatorHandle, startSimulator } from '../../src/sim/index.js';
import { postChat, user, withSchema } from './post.js';

type Json = Record<string, unknown>;
interface ApiError {
  error: { message: string; type: string; param: string | null; code: string | null };
}
interface FileObject {
  id: string;
  object: string;
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
}
interface BatchError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}
interface Batch {
  id: string;
  object: string;
  status: string;
  endpoint: string;
  model?: string;
  input_file_id: string;
  completion_window: string;
  errors: { object: string; data: BatchError[] } | null;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  expires_at: number;
  completed_at: number | null;
  failed_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  request_counts: { total: number; completed: number; failed: number };
  usage: { input_tokens: number; output_tokens: number };
  metadata: Record<string, string> | null;
}
interface Page<T> {
  object: string;
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}
interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  cost?: number;
}
/** A line of an output or error file. */
interface ResultLine {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body: { usage: Usage } & ApiError };
  error: null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `base` + `path`, keeping a query on `base` (Azure's `…/openai?api-version=…`) at the end. */
function at(base: string, path: string): string {
  const [root, query] = base.split('?');
  return query === undefined ? `${root}${path}` : `${root}${path}?${query}`;
}

/** Every request carries an `api-key` (the azure-openai profile's auth; the others ignore it). */
async function call<T = ApiError>(url: string, init: RequestInit = {}): Promise<{ status: number; json: T }> {
  const r = await fetch(url, { ...init, headers: { 'api-key': 'sim', ...init.headers } });
  return { status: r.status, json: (await r.json()) as T };
}

async function upload(base: string, text: string, filename = 'in.jsonl', purpose = 'batch') {
  const form = new FormData();
  form.append('purpose', purpose);
  form.append('file', new Blob([text]), filename);
  return call<FileObject & ApiError>(at(base, '/files'), { method: 'POST', body: form });
}

async function createBatch(base: string, body: Json) {
  return call<Batch & ApiError>(at(base, '/batches'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ endpoint: '/v1/chat/completions', completion_window: '24h', ...body }),
  });
}

const TERMINAL = ['completed', 'failed', 'cancelled', 'expired'];

async function waitFor(base: string, id: string, done = (b: Batch) => TERMINAL.includes(b.status)) {
  for (let i = 0; i < 1000; i++) {
    const { json } = await call<Batch>(at(base, `/batches/${id}`));
    if (done(json)) return json;
    await sleep(5);
  }
  throw new Error(`batch ${id} never got there`);
}

async function content(base: string, fileId: string): Promise<string> {
  const r = await fetch(at(base, `/files/${fileId}/content`), { headers: { 'api-key': 'sim' } });
  assert.is(r.status, 200);
  return r.text();
}

const jsonl = (lines: unknown[]) =>
  `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`;
const parseLines = (text: string): ResultLine[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ResultLine);

const chatLine = (customId: string, body: Json, url = '/v1/chat/completions') => ({
  custom_id: customId,
  method: 'POST',
  url,
  body,
});

/** Uploads `lines`, runs them as one batch to its end, returns the batch and its files' lines. */
async function runBatch(base: string, lines: unknown[], endpoint = '/v1/chat/completions') {
  const up = await upload(base, jsonl(lines));
  assert.is(up.status, 200, JSON.stringify(up.json));
  const created = await createBatch(base, { input_file_id: up.json.id, endpoint });
  assert.is(created.status, 200, JSON.stringify(created.json));
  const batch = await waitFor(base, created.json.id);
  const output = batch.output_file_id ? parseLines(await content(base, batch.output_file_id)) : [];
  const errors = batch.error_file_id ? parseLines(await content(base, batch.error_file_id)) : [];
  return { created: created.json, batch, output, errors, fileId: up.json.id as string };
}

async function withSim(
  opts: Parameters<typeof startSimulator>[0],
  fn: (sim: SimulatorHandle) => Promise<void>,
) {
  const sim = await startSimulator(opts);
  try {
    await fn(sim);
  } finally {
    await sim.close();
  }
}

const schema = {
  type: 'object',
  required: ['label', 'score'],
  properties: { label: { enum: ['good', 'bad'] }, score: { type: 'number' } },
};

function sampleBodies(n: number): Json[] {
  return Array.from({ length: n }, (_, i) =>
    i % 3 === 0
      ? {
          model: 'sim-small',
          messages: user(`Rate review ${i}: great value`),
          response_format: withSchema(schema),
        }
      : { model: 'sim-small', messages: user(`Summarise item ${i} in one line`) },
  );
}

test('upload, create, poll to completed, download: every custom_id once, as the synchronous answer', async () => {
  await withSim({ batchCompletionMs: 50, seed: 3 }, async (sim) => {
    const bodies = sampleBodies(12);
    const lines = bodies.map((b, i) => chatLine(`row-${i}`, b));
    const up = await upload(sim.url, jsonl(lines));
    assert.is(up.status, 200);
    const f = up.json;
    assert.match(f.id, /^file-/);
    assert.is(f.object, 'file');
    assert.is(f.bytes, Buffer.byteLength(jsonl(lines)));
    assert.is(f.filename, 'in.jsonl');
    assert.is(f.purpose, 'batch');
    assert.is(typeof f.created_at, 'number');
    assert.is((await call<FileObject>(`${sim.url}/files/${f.id}`)).json.id, f.id);
    assert.is(await content(sim.url, f.id), jsonl(lines), 'the content is the bytes uploaded');

    const created = await createBatch(sim.url, { input_file_id: f.id, metadata: { job: 'nightly' } });
    assert.is(created.status, 200);
    const b0 = created.json;
    assert.match(b0.id, /^batch_/);
    assert.is(b0.object, 'batch');
    assert.is(b0.status, 'validating');
    assert.is(b0.endpoint, '/v1/chat/completions');
    assert.is(b0.input_file_id, f.id);
    assert.is(b0.completion_window, '24h');
    assert.is(b0.errors, null);
    assert.is(b0.output_file_id, null);
    assert.is(b0.error_file_id, null);
    assert.is(b0.expires_at, b0.created_at + 24 * 3600);
    for (const k of [
      'in_progress_at',
      'finalizing_at',
      'completed_at',
      'failed_at',
      'expired_at',
      'cancelling_at',
      'cancelled_at',
    ])
      assert.is((b0 as unknown as Json)[k], null, k);
    assert.equal(b0.request_counts, { total: 0, completed: 0, failed: 0 });
    assert.equal(b0.metadata, { job: 'nightly' });

    const b = await waitFor(sim.url, b0.id);
    assert.is(b.status, 'completed');
    assert.equal(b.request_counts, { total: 12, completed: 12, failed: 0 });
    assert.is(b.model, 'sim-small');
    assert.is(b.error_file_id, null);
    for (const k of ['in_progress_at', 'finalizing_at', 'completed_at'])
      assert.is(typeof (b as unknown as Json)[k], 'number', k);
    const outFile = (await call<FileObject>(`${sim.url}/files/${b.output_file_id}`)).json;
    assert.is(outFile.purpose, 'batch_output');

    const output = parseLines(await content(sim.url, b.output_file_id!));
    assert.equal(output.map((o) => o.custom_id).sort(), lines.map((l) => l.custom_id).sort());
    assert.not.equal(
      output.map((o) => o.custom_id),
      lines.map((l) => l.custom_id),
      'the output order is shuffled: clients must match by custom_id',
    );
    let tokensIn = 0;
    let tokensOut = 0;
    for (const o of output) {
      assert.match(o.id, /^batch_req_/);
      assert.is(o.error, null);
      assert.is(o.response.status_code, 200);
      assert.match(o.response.request_id, /^req_/);
      tokensIn += o.response.body.usage.prompt_tokens;
      tokensOut += o.response.body.usage.completion_tokens;
    }
    assert.equal(b.usage.input_tokens, tokensIn);
    assert.equal(b.usage.output_tokens, tokensOut);

    let s = sim.stats();
    assert.is(s.filesUploaded, 1);
    assert.is(s.batchesCreated, 1);
    assert.is(s.batchesCancelled, 0);
    assert.is(s.batchLines, 12);
    assert.is(s.requests, 0, 'batch lines are not synchronous requests');
    assert.is(s.completed, 0);
    assert.equal(s.byStatus, {});
    assert.is(s.tokensIn, tokensIn);
    assert.is(s.tokensOut, tokensOut);

    // The same bodies, synchronously: the same answers.
    for (const o of output) {
      const i = Number(String(o.custom_id).slice(4));
      const sync = await postChat(sim.url, bodies[i]);
      assert.is(sync.status, 200);
      assert.equal(o.response.body, JSON.parse(sync.text), o.custom_id);
    }
    s = sim.stats();
    assert.is(s.requests, 12);
    assert.is(s.batchLines, 12);
    assert.is(s.tokensIn, 2 * tokensIn);

    // A finished batch keeps its state, also across resetStats.
    sim.resetStats();
    const again = (await call<Batch>(`${sim.url}/batches/${b.id}`)).json;
    assert.equal(again, b);
    assert.is(sim.stats().batchLines, 0);
    assert.is(sim.stats().filesUploaded, 0);
    assert.is(await content(sim.url, b.output_file_id!), jsonl(output));
  });
});

test('error file: lines the synchronous endpoint refuses (4xx), and batchLineErrorRate 500s, seeded', async () => {
  const failedIds = async (seed: number) => {
    let ids: string[] = [];
    await withSim(
      {
        batchCompletionMs: 50,
        seed,
        batchLineErrorRate: 0.3,
        quirks: { 'sim-picky': 'reject-response-format' },
      },
      async (sim) => {
        const lines: unknown[] = sampleBodies(30).map((b, i) => chatLine(`ok-${i}`, b));
        lines.push(chatLine('no-messages', { model: 'sim-small', prompt: 'legacy' }));
        lines.push(chatLine('bad-message', { model: 'sim-small', messages: [{ role: 'user' }] }));
        const { batch, output, errors } = await runBatch(sim.url, lines);
        assert.is(batch.status, 'completed');
        const e500 = errors.filter((e) => e.response.status_code === 500);
        const e400 = errors.filter((e) => e.response.status_code === 400);
        assert.equal(e400.map((e) => e.custom_id).sort(), ['bad-message', 'no-messages']);
        for (const e of e400) {
          assert.is(e.error, null);
          assert.is(e.response.body.error.type, 'invalid_request_error');
          assert.match(e.response.body.error.message, /model \(string\) and messages/);
        }
        for (const e of e500) assert.equal(e.response.body.error.type, 'server_error');
        assert.ok(e500.length > 3 && e500.length < 20, `${e500.length} lines failed at rate 0.3`);
        assert.equal(batch.request_counts, { total: 32, completed: output.length, failed: errors.length });
        assert.is(output.length + errors.length, 32);
        const all = [...output, ...errors].map((x) => x.custom_id);
        assert.is(new Set(all).size, 32, 'every line answered exactly once');
        const s = sim.stats();
        assert.is(s.batchLines, 32);
        assert.is(s.requests, 0);
        ids = e500.map((e) => e.custom_id).sort();
      },
    );
    return ids;
  };
  const a = await failedIds(5);
  assert.equal(await failedIds(5), a, 'the same seed fails the same lines');
  assert.not.equal(await failedIds(6), a);
});

test('error file: a response_format refusal (reject-response-format quirk) is a 400 line', async () => {
  await withSim({ batchCompletionMs: 20, quirks: { 'sim-picky': 'reject-response-format' } }, async (sim) => {
    const body = { model: 'sim-picky', messages: user('x'), response_format: withSchema(schema) };
    const { batch, errors } = await runBatch(sim.url, [chatLine('a', body), chatLine('b', { ...body })]);
    assert.equal(batch.request_counts, { total: 2, completed: 0, failed: 2 });
    assert.is(batch.output_file_id, null);
    const sync = await postChat(sim.url, body);
    for (const e of errors) {
      assert.is(e.response.status_code, sync.status);
      assert.equal(e.response.body, JSON.parse(sync.text));
    }
  });
});

test('error file: profile refusals are those of the synchronous endpoint (openai: json_object without "json")', async () => {
  await withSim({ batchCompletionMs: 20, profile: 'openai' }, async (sim) => {
    const body = {
      model: 'sim-small',
      messages: user('Name a fruit'),
      response_format: { type: 'json_object' },
    };
    const ok = { ...body, messages: user('Name a fruit, as JSON') };
    const { batch, output, errors } = await runBatch(sim.url, [
      chatLine('refused', body),
      chatLine('ok', ok),
    ]);
    assert.equal(batch.request_counts, { total: 2, completed: 1, failed: 1 });
    const sync = await postChat(sim.url, body);
    assert.is(sync.status, 400);
    assert.is(errors[0]!.custom_id, 'refused');
    assert.is(errors[0]!.response.status_code, 400);
    assert.equal(errors[0]!.response.body, JSON.parse(sync.text));
    assert.equal(output[0]!.response.body, JSON.parse((await postChat(sim.url, ok)).text));
    assert.is(sim.stats().responseFormatRefusals, 2, 'the batch line and the synchronous request');
  });
});

test('cancel before completion: cancelling, then cancelled; unanswered lines are not answered', async () => {
  await withSim({ batchCompletionMs: 2000 }, async (sim) => {
    const lines = sampleBodies(40).map((b, i) => chatLine(`c-${i}`, b));
    const up = await upload(sim.url, jsonl(lines));
    const { json: b0 } = await createBatch(sim.url, { input_file_id: up.json.id });
    await waitFor(sim.url, b0.id, (b) => b.status === 'in_progress' && b.request_counts.completed > 0);
    const c = await call<Batch>(`${sim.url}/batches/${b0.id}/cancel`, { method: 'POST' });
    assert.is(c.status, 200);
    assert.is(c.json.status, 'cancelling');
    assert.is(typeof c.json.cancelling_at, 'number');
    const done = c.json.request_counts.completed;
    assert.ok(done > 0 && done < 40, `${done} of 40 answered at the cancel`);
    assert.is(
      (await call<Batch>(`${sim.url}/batches/${b0.id}/cancel`, { method: 'POST' })).json.status,
      'cancelling',
    );
    const b = await waitFor(sim.url, b0.id);
    assert.is(b.status, 'cancelled');
    assert.is(typeof b.cancelled_at, 'number');
    assert.is(b.completed_at, null);
    assert.equal(b.request_counts, { total: 40, completed: done, failed: 0 });
    const output = parseLines(await content(sim.url, b.output_file_id!));
    assert.is(output.length, done, 'the partial results are in the output file');
    assert.is(b.error_file_id, null);
    const again = await call(`${sim.url}/batches/${b0.id}/cancel`, { method: 'POST' });
    assert.is(again.status, 409);
    assert.match(again.json.error.message, /Cannot cancel a batch with status 'cancelled'/);
    await sleep(50);
    assert.equal(
      (await call<Batch>(`${sim.url}/batches/${b0.id}`)).json,
      b,
      'nothing is answered after the cancel',
    );
    const s = sim.stats();
    assert.is(s.batchesCancelled, 1);
    assert.is(s.batchLines, done);

    // Cancelled while validating: nothing answered, no files.
    const { json: v } = await createBatch(sim.url, { input_file_id: up.json.id });
    assert.is(
      (await call<Batch>(`${sim.url}/batches/${v.id}/cancel`, { method: 'POST' })).json.status,
      'cancelling',
    );
    const vb = await waitFor(sim.url, v.id);
    assert.is(vb.status, 'cancelled');
    assert.equal(vb.request_counts, { total: 0, completed: 0, failed: 0 });
    assert.is(vb.output_file_id, null);
    assert.is(sim.stats().batchesCancelled, 2);
    assert.is(sim.stats().batchLines, done);
  });
});

test('validation: a bad file fails the batch with errors naming lines', async () => {
  await withSim({ batchCompletionMs: 20 }, async (sim) => {
    const ok = (id: string, model = 'sim-small') => chatLine(id, { model, messages: user(id) });
    const { batch, created } = await runBatch(sim.url, [
      ok('a'),
      ok('b'),
      ok('a'),
      chatLine('c', { model: 'sim-small', messages: user('c') }, '/v1/embeddings'),
      ok('d', 'sim-large'),
      '{"custom_id": "e", "method": "POST",',
      { custom_id: 'f', method: 'GET', url: '/v1/chat/completions', body: {} },
      { custom_id: 'g', url: '/v1/chat/completions', body: {} },
    ]);
    assert.is(created.status, 'validating');
    assert.is(batch.status, 'failed');
    assert.is(typeof batch.failed_at, 'number');
    assert.is(batch.output_file_id, null);
    assert.equal(batch.request_counts, { total: 0, completed: 0, failed: 0 });
    assert.is(batch.errors!.object, 'list');
    assert.equal(
      batch.errors!.data.map((e) => [e.line, e.code, e.param]),
      [
        [3, 'duplicate_custom_id', 'custom_id'],
        [4, 'invalid_url', 'url'],
        [5, 'mismatched_model', 'body.model'],
        [6, 'invalid_json_line', null],
        [7, 'invalid_method', 'method'],
        [8, 'missing_required_parameter', 'method'],
      ],
    );
    for (const e of batch.errors!.data) assert.ok(e.message.length > 10);
    assert.is(sim.stats().batchLines, 0);

    const empty = await runBatch(sim.url, []);
    assert.equal(
      empty.batch.errors!.data.map((e) => [e.line, e.code]),
      [[null, 'empty_file']],
    );
    assert.is(sim.stats().batchesCreated, 2);
  });
});

test('validation: more than 50,000 requests; the error list is bounded', async () => {
  await withSim({ batchCompletionMs: 0 }, async (sim) => {
    const { batch } = await runBatch(
      sim.url,
      Array.from({ length: 50_001 }, () => 'x'),
    );
    assert.is(batch.status, 'failed');
    const data = batch.errors!.data;
    assert.equal([data[0]!.code, data[0]!.line], ['too_many_tasks', null]);
    assert.match(data[0]!.message, /50001 requests/);
    assert.is(data.length, 101);
    assert.equal([data[1]!.code, data[1]!.line, data[100]!.line], ['invalid_json_line', 1, 100]);
    assert.match(data[100]!.message, /and 49901 more errors/);
  });
});

test('create: OpenAI-style 400s for bad parameters and files', async () => {
  await withSim({ batchCompletionMs: 20 }, async (sim) => {
    const up = await upload(sim.url, jsonl([chatLine('a', { model: 'm', messages: user('a') })]));
    const other = await upload(sim.url, 'notes', 'notes.txt', 'user_data');
    assert.is(other.status, 200);
    const cases: [Json, string, RegExp][] = [
      [{ endpoint: undefined, input_file_id: up.json.id }, 'endpoint', /Missing required parameter/],
      [{ input_file_id: up.json.id, endpoint: '/v1/responses' }, 'endpoint', /Invalid value for 'endpoint'/],
      [{ input_file_id: up.json.id, completion_window: '1h' }, 'completion_window', /expected '24h'/],
      [{ input_file_id: 'file-nope' }, 'input_file_id', /No such File object: file-nope/],
      [{ input_file_id: other.json.id }, 'input_file_id', /purpose 'batch'/],
      [{ input_file_id: up.json.id, metadata: { k: 7 } }, 'metadata', /metadata/],
    ];
    for (const [body, param, message] of cases) {
      const r = await createBatch(sim.url, body);
      assert.is(r.status, 400, param);
      assert.is(r.json.error.type, 'invalid_request_error');
      assert.is(r.json.error.param, param);
      assert.match(r.json.error.message, message);
    }
    const notJson = await call(`${sim.url}/batches`, { method: 'POST', body: '{' });
    assert.is(notJson.status, 400);
    assert.is(sim.stats().batchesCreated, 0);
    assert.is((await call(`${sim.url}/batches/batch_nope`)).status, 404);
    assert.is((await call(`${sim.url}/batches/batch_nope/cancel`, { method: 'POST' })).status, 404);
  });
});

test('files: upload checks, list pages, retrieve, delete, content', async () => {
  await withSim({}, async (sim) => {
    const txt = await upload(sim.url, 'x', 'in.csv');
    assert.is(txt.status, 400);
    assert.match(txt.json.error.message, /Must be \.jsonl/);
    const badPurpose = await upload(sim.url, 'x', 'in.jsonl', 'nonsense');
    assert.is(badPurpose.status, 400);
    assert.is(badPurpose.json.error.param, 'purpose');
    const noFile = new FormData();
    noFile.append('purpose', 'batch');
    const nf = await call(`${sim.url}/files`, { method: 'POST', body: noFile });
    assert.is(nf.status, 400);
    assert.is(nf.json.error.param, 'file');
    const notMultipart = await call(`${sim.url}/files`, { method: 'POST', body: '{}' });
    assert.is(notMultipart.status, 400);

    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await upload(sim.url, `{"n":${i}}\n`, `f${i}.jsonl`)).json.id);
    await upload(sim.url, 'notes', 'notes.txt', 'user_data');
    assert.is(sim.stats().filesUploaded, 4);
    const all = (await call<Page<FileObject>>(`${sim.url}/files`)).json;
    assert.is(all.object, 'list');
    assert.is(all.data.length, 4);
    assert.is(all.has_more, false);
    const batchOnly = (await call<Page<FileObject>>(`${sim.url}/files?purpose=batch&order=asc`)).json;
    assert.equal(
      batchOnly.data.map((f) => f.id),
      ids,
    );
    const p1 = (await call<Page<FileObject>>(`${sim.url}/files?purpose=batch&order=asc&limit=2`)).json;
    assert.equal([p1.data.length, p1.has_more, p1.first_id, p1.last_id], [2, true, ids[0], ids[1]]);
    const p2 = (
      await call<Page<FileObject>>(`${sim.url}/files?purpose=batch&order=asc&limit=2&after=${p1.last_id}`)
    ).json;
    assert.equal([p2.data.map((f) => f.id), p2.has_more], [[ids[2]], false]);
    assert.is((await call(`${sim.url}/files?limit=0`)).status, 400);

    const del = await call(`${sim.url}/files/${ids[1]}`, { method: 'DELETE' });
    assert.equal(del.json, { id: ids[1], object: 'file', deleted: true });
    assert.is((await call(`${sim.url}/files/${ids[1]}`)).status, 404);
    assert.is((await fetch(`${sim.url}/files/${ids[1]}/content`)).status, 404);
    assert.is((await call(`${sim.url}/files/${ids[1]}`, { method: 'DELETE' })).status, 404);
    assert.is(await content(sim.url, ids[2]!), '{"n":2}\n');
  });
});

test('files: an upload declared over the per-file bound is refused before its body is read', async () => {
  await withSim({}, async (sim) => {
    const { port } = sim;
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          'POST /v1/files HTTP/1.1\r\nHost: x\r\ncontent-type: multipart/form-data; boundary=b\r\n' +
            `content-length: ${300 * 1024 * 1024}\r\n\r\n--b\r\n`,
        );
      });
      let text = '';
      socket.on('data', (d) => {
        text += d.toString();
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      setTimeout(() => socket.destroy(), 2000);
    });
    assert.match(reply, /^HTTP\/1.1 400/);
    assert.match(reply, /File is too large/);
    assert.is(sim.stats().filesUploaded, 0);
  });
  // The bounds themselves, small.
  const store = new FileStore(10, 25);
  assert.ok('message' in store.upload('a.jsonl', 'batch', Buffer.alloc(11)));
  const a = store.upload('a.jsonl', 'batch', Buffer.alloc(10));
  const b = store.upload('b.jsonl', 'batch', Buffer.alloc(10));
  assert.ok('id' in a && 'id' in b);
  const full = store.upload('c.jsonl', 'batch', Buffer.alloc(10));
  assert.ok('message' in full && /storage is full/.test(full.message));
  store.put('out.jsonl', 'batch_output', Buffer.alloc(10));
  assert.is(store.totalBytes, 30, 'output files are never refused, and count');
  store.delete((a as { id: string }).id);
  store.delete((b as { id: string }).id);
  assert.ok('id' in store.upload('c.jsonl', 'batch', Buffer.alloc(10)));
});

test('embeddings batches: each line answered as /v1/embeddings answers it', async () => {
  await withSim({ batchCompletionMs: 30 }, async (sim) => {
    const bodies = [
      { model: 'sim-embed', input: 'red apples' },
      { model: 'sim-embed', input: ['green pears', 'ripe bananas'] },
    ];
    const lines = bodies.map((body, i) => chatLine(`e${i}`, body, '/v1/embeddings'));
    lines.push(chatLine('bad', { model: 'sim-embed', input: [] }, '/v1/embeddings'));
    const { batch, output, errors } = await runBatch(sim.url, lines, '/v1/embeddings');
    assert.equal(batch.request_counts, { total: 3, completed: 2, failed: 1 });
    assert.is(errors[0]!.response.status_code, 400);
    assert.is(errors[0]!.response.body.error.param, 'input');
    for (const o of output) {
      const body = bodies[Number(String(o.custom_id).slice(1))];
      const sync = await call(`${sim.url}/embeddings`, { method: 'POST', body: JSON.stringify(body) });
      assert.equal(o.response.body, sync.json);
    }
    const s = sim.stats();
    assert.is(s.embeddingRequests, 2, 'only the synchronous calls');
    assert.is(s.embeddingInputs, 6);
    assert.is(s.batchLines, 3);
  });
});

test('costPerMillion: batch answers report half the synchronous cost', async () => {
  await withSim({ batchCompletionMs: 20, costPerMillion: { in: 2, out: 8 } }, async (sim) => {
    const body = { model: 'sim-small', messages: user('Describe a lighthouse at dusk') };
    const { output } = await runBatch(sim.url, [chatLine('x', body)]);
    const batchBody = output[0]!.response.body;
    const sync = JSON.parse((await postChat(sim.url, body)).text) as { usage: Usage };
    const cost = sync.usage.cost ?? 0;
    assert.ok(cost > 0);
    assert.is(batchBody.usage.cost, cost / 2);
    assert.equal(
      { ...batchBody, usage: { ...batchBody.usage, cost: 0 } },
      { ...sync, usage: { ...sync.usage, cost: 0 } },
    );
  });
});

test('list batches: newest first, limit and after', async () => {
  await withSim({ batchCompletionMs: 0 }, async (sim) => {
    const up = await upload(sim.url, jsonl([chatLine('a', { model: 'm', messages: user('a') })]));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createBatch(sim.url, { input_file_id: up.json.id })).json.id);
    const all = (await call<Page<Batch>>(`${sim.url}/batches`)).json;
    assert.equal(
      all.data.map((b) => b.id),
      [...ids].reverse(),
    );
    assert.ok(
      all.data.every((b) => b.status === 'completed'),
      'batchCompletionMs 0: done at once',
    );
    const p = (await call<Page<Batch>>(`${sim.url}/batches?limit=2&after=${ids[2]}`)).json;
    assert.equal([p.data.map((b) => b.id), p.has_more], [[ids[1], ids[0]], false]);
    assert.is((await call(`${sim.url}/batches?limit=101`)).status, 400);
    assert.is(sim.stats().batchLines, 3);
  });
});

test('profiles: default and openai serve the Batch API; ollama, vllm, json-object-only answer 404', async () => {
  await withSim({ batchCompletionMs: 20 }, async (sim) => {
    for (const profile of ['ollama', 'vllm', 'json-object-only'] as const) {
      sim.setOptions({ profile });
      assert.is((await upload(sim.url, '{}\n')).status, 404, profile);
      assert.is((await call(`${sim.url}/files`)).status, 404, profile);
      assert.is((await call(`${sim.url}/batches`)).status, 404, profile);
      assert.is((await createBatch(sim.url, { input_file_id: 'file-x' })).status, 404, profile);
    }
    sim.setOptions({ profile: 'openai' });
    const { batch } = await runBatch(sim.url, [chatLine('a', { model: 'm', messages: user('a') })]);
    assert.is(batch.status, 'completed');
    assert.is(
      (await call<Page<FileObject>>(`${sim.url}/files`)).json.data.length,
      2,
      'the files outlive a profile change',
    );
  });
});

test('azure-openai: /openai/files and /openai/batches (and under /openai/v1), endpoint without /v1', async () => {
  await withSim({ batchCompletionMs: 20, profile: 'azure-openai', azureApiKey: 'sim' }, async (sim) => {
    const origin = new URL(sim.url).origin;
    assert.is((await call(`${origin}/v1/batches`)).status, 404, 'no /v1/batches on Azure');
    assert.is((await call(`${origin}/openai/batches`)).status, 404, 'no api-version: Resource not found');
    const noKey = await fetch(`${origin}/openai/batches?api-version=2024-10-21`);
    assert.is(noKey.status, 401);
    assert.is((await fetch(`${sim.url}/files`, { headers: { 'api-key': 'other' } })).status, 401);
    const line = {
      custom_id: 'a',
      method: 'POST',
      url: '/chat/completions',
      body: { model: 'dep', messages: user('a') },
    };
    const root = `${origin}/openai?api-version=2024-10-21`;
    const up = await upload(root, jsonl([line]));
    assert.is(up.status, 200);
    const created = await createBatch(root, { input_file_id: up.json.id, endpoint: '/chat/completions' });
    assert.is(created.status, 200, JSON.stringify(created.json));
    const b = await waitFor(root, created.json.id);
    assert.is(b.status, 'completed');
    assert.is(b.endpoint, '/chat/completions');
    assert.is(parseLines(await content(root, b.output_file_id!))[0]!.custom_id, 'a');
    // Azure's v1 API base (sim.url on this profile) reaches the same stores, with no api-version.
    assert.match(sim.url, /\/openai\/v1$/);
    assert.is((await call<Batch>(`${sim.url}/batches/${b.id}`)).json.status, 'completed');
    const v1 = await createBatch(sim.url, { input_file_id: up.json.id });
    assert.is(v1.status, 200, JSON.stringify(v1.json));
    assert.is((await waitFor(sim.url, v1.json.id)).request_counts.completed, 1);
  });
});

test.run();
