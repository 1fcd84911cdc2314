/**
 * Worker-thread entry: runs the cascade for every row of a chunk, many at
 * once (async I/O), each run holding one permit of the statement's PARALLEL
 * semaphore. Never throws across the thread boundary: every row comes back as
 * data, a value or an error.
 */

import { errorMessage } from '../base/errors.js';
import { batchItems } from '../src/cascade/batch-schema.js';
import type { Cascade } from '../src/cascade/cascade-types.js';
import { loadCascade } from '../src/cascade/load-cascade.js';
import { packGroups } from '../src/cascade/packed-prompt.js';
import { runCascade } from '../src/cascade/run-cascade.js';
import type { RunContext, RunResult } from '../src/cascade/run-types.js';
import type { BatchSession } from '../src/llm/batch-delivery.js';
import { batchImageBytes, imageBoundedBatches } from '../src/llm/image-files.js';
import { signalFor } from '../src/thread/abort-flag.js';
import { addSpend, budgetMessage, budgetSpent } from '../src/thread/budget.js';
import {
  type ChunkResult,
  type ChunkRow,
  type ChunkTask,
  failedOutcome,
  okOutcome,
  type RowOutcome,
  type RunTrace,
} from '../src/thread/chunk-protocol.js';
import { portHost } from '../src/thread/host-channel.js';
import { SharedSemaphore } from '../src/thread/shared-semaphore.js';
import { engineWorkerData } from '../src/thread/worker-entry.js';
import { workerLlmClient } from './worker-llm.js';

type Run = { ok: true; result: RunResult } | { ok: false; failures: RowOutcome[] };

/** What every run of one chunk shares, built once per chunk rather than per row. */
interface ChunkScope {
  readonly task: ChunkTask;
  readonly cascade: Cascade;
  readonly semaphore: SharedSemaphore;
  readonly held: Int32Array;
  readonly signal: AbortSignal;
  readonly ctx: RunContext;
  /** `delivery: batch`: the chunk's calls go through the provider's Batch API in rounds (llm/batch-delivery.ts). */
  readonly batch?: BatchSession;
}

function chunkScope(task: ChunkTask, cascade: Cascade): ChunkScope {
  const signal = signalFor(task.abortBuffer);
  const host = task.hostPort ? portHost(task.hostPort) : undefined;
  const batch =
    task.spec.limits.delivery === 'batch'
      ? workerLlmClient().batchSession({ signal, ...(host?.batches ? { ledger: host.batches } : {}) })
      : undefined;
  return {
    task,
    cascade,
    semaphore: SharedSemaphore.of(task.parallelBuffer),
    held: new Int32Array(task.heldBuffer),
    signal,
    ...(batch ? { batch } : {}),
    ctx: {
      // Under batch delivery each run gets its session's client instead (permitted()).
      llm: workerLlmClient(),
      signal,
      defaultModel: task.defaultModel ?? engineWorkerData().llm.defaultModel,
      call: task.spec,
      sessionPrefix: task.spec.sessionPrefix,
      host,
    },
  };
}

/**
 * One cascade run under one PARALLEL permit; rows fail as data if it cannot
 * start. Under batch delivery no permit is taken (a run waiting on a batch
 * holds no connection): the run asks through a client of its own from the
 * session, which closes a round only when every run waits on it.
 */
async function permitted(
  scope: ChunkScope,
  rows: readonly ChunkRow[],
  inputs: Readonly<Record<string, unknown>>,
  ctx: RunContext,
): Promise<Run> {
  const { semaphore, held, batch } = scope;
  if (batch) {
    const llm = batch.run();
    try {
      return await budgetedRun(scope, rows, inputs, { ...ctx, llm });
    } finally {
      llm.end();
    }
  }
  try {
    await semaphore.acquire(scope.signal, held);
  } catch {
    return {
      ok: false,
      failures: rows.map((r) =>
        failedOutcome(r.index, 'ABORTED', 'statement cancelled before this row started'),
      ),
    };
  }
  try {
    return await budgetedRun(scope, rows, inputs, ctx);
  } finally {
    semaphore.release(held);
  }
}

/** The run itself, unless the statement's budget is spent; its spend counted. */
async function budgetedRun(
  scope: ChunkScope,
  rows: readonly ChunkRow[],
  inputs: Readonly<Record<string, unknown>>,
  ctx: RunContext,
): Promise<Run> {
  const { task } = scope;
  try {
    const spent = budgetSpent(task.budgetBuffer, task.spec.limits);
    if (spent) {
      return {
        ok: false,
        failures: rows.map((r) => failedOutcome(r.index, 'BUDGET_EXCEEDED', budgetMessage(spent))),
      };
    }
    const result = await runCascade(scope.cascade, inputs, ctx);
    if (task.budgetBuffer) {
      addSpend(task.budgetBuffer, result.usage.cost, result.usage.tokens_in + result.usage.tokens_out);
    }
    return { ok: true, result };
  } catch (err) {
    return {
      ok: false,
      failures: rows.map((r) => failedOutcome(r.index, 'WORKER_ERROR', errorMessage(err))),
    };
  }
}

async function runRow(scope: ChunkScope, row: ChunkRow): Promise<RowOutcome> {
  const run = await permitted(scope, [row], row.inputs, scope.ctx);
  if (!run.ok) return run.failures[0]!;
  const { result } = run;
  const trace = traceOf(result);
  if (result.status === 'success' && result.last_cell !== null) {
    return okOutcome(row.index, result.outputs[result.last_cell], trace);
  }
  const first = result.errors[0];
  return failedOutcome(row.index, first?.code ?? 'CASCADE_FAILED', first?.message ?? 'run failed', trace);
}

/**
 * BATCH: the rows go to one run as `input.rows`; the answer must be a list of
 * exactly that many results. A wrong count or a failed run splits the batch in
 * half and tries again, down to single rows (spec §1).
 */
async function runBatch(scope: ChunkScope, rows: readonly ChunkRow[]): Promise<RowOutcome[]> {
  const pack = scope.task.spec.pack === true;
  // A packed tuple alone is an ordinary call: the same prompt as unbatched, so answers agree.
  if (pack && rows.length === 1) return [await runRow(scope, rows[0]!)];
  if (pack) {
    // One prompt holds one output schema: tuples whose templated schema differs go in packs of their own.
    const groups = packGroups(scope.cascade, rows, scope.signal);
    if (groups.length > 1) return (await Promise.all(groups.map((g) => runBatch(scope, g)))).flat();
  }
  const run = pack
    ? await permitted(scope, rows, rows[0]!.inputs, { ...scope.ctx, packRows: rows.map((r) => r.inputs) })
    : await permitted(
        scope,
        rows,
        { rows: rows.map((r) => r.inputs), batch_size: rows.length },
        { ...scope.ctx, call: { ...scope.task.spec, outputItems: rows.length } },
      );
  if (!run.ok) return run.failures;
  const { result } = run;
  const items =
    result.status === 'success' && result.last_cell !== null
      ? batchItems(result.outputs[result.last_cell])
      : undefined;
  if (items && items.length === rows.length) {
    // The run's calls and cost are logged once, on the batch's first row.
    return rows.map((r, i) => okOutcome(r.index, items[i], batchShare(result, i)));
  }
  const why = result.errors[0]
    ? `${result.errors[0].code}: ${result.errors[0].message}`
    : `the batch answer had ${items ? items.length : 'no list of'} items for ${rows.length} rows`;
  if (rows.length === 1 || scope.signal.aborted) {
    const code = result.errors[0]?.code ?? 'BATCH_COUNT';
    return rows.map((r, i) => failedOutcome(r.index, code, why, batchShare(result, i)));
  }
  const half = Math.ceil(rows.length / 2);
  const [a, b] = await Promise.all([runBatch(scope, rows.slice(0, half)), runBatch(scope, rows.slice(half))]);
  // The failed attempt's calls still happened: keep them on the first row.
  const first = a[0]!;
  a[0] = { ...first, calls: [...result.calls, ...first.calls], cost: sumCost(first.cost, result.usage.cost) };
  return [...a, ...b];
}

function sumCost(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a + b;
}

function traceOf(result: RunResult): RunTrace {
  return { sessionId: result.session_id, calls: result.calls, cost: result.usage.cost };
}

/** A batch run's trace on its i-th row: the calls and cost on the first row only. */
function batchShare(result: RunResult, i: number): RunTrace {
  return i === 0 ? traceOf(result) : { sessionId: result.session_id, calls: [], cost: 0, shared: true };
}

/** Cascades this worker loaded, by path and content hash. */
const loaded = new Map<string, Cascade>();

async function cascadeFor(task: ChunkTask): Promise<Cascade> {
  const { path, hash } = task.spec.cascade;
  const key = `${path}\u0000${hash}`;
  const known = hash === undefined ? undefined : loaded.get(key);
  if (known) return known;
  const cascade = await loadCascade(path);
  // Kept only when it is the version the plan resolved; an edited file is read again next chunk.
  if (cascade.contentHash === hash) {
    if (loaded.size >= 256) loaded.clear();
    loaded.set(key, cascade);
  }
  return cascade;
}

export default async function runChunk(task: ChunkTask): Promise<ChunkResult> {
  try {
    return await runChunkRows(task);
  } finally {
    task.hostPort?.close();
  }
}

async function runChunkRows(task: ChunkTask): Promise<ChunkResult> {
  let cascade: Cascade;
  try {
    cascade = await cascadeFor(task);
  } catch (err) {
    const message = errorMessage(err);
    return {
      chunkIndex: task.chunkIndex,
      rows: task.rows.map((r) => failedOutcome(r.index, 'CASCADE_LOAD', message)),
    };
  }
  const scope = chunkScope(task, cascade);
  const size = task.spec.batchSize;
  if (size === undefined) {
    return {
      chunkIndex: task.chunkIndex,
      rows: await Promise.all(task.rows.map((row) => runRow(scope, row))),
    };
  }
  // Batches of `size`, cut where their image files would hold more than one request may (batchImageBytes).
  const images = engineWorkerData().llm.images;
  const limit = images ? batchImageBytes(images) : undefined;
  const groups = imageBoundedBatches(task.rows, size, limit).map((rows) => runBatch(scope, rows));
  return { chunkIndex: task.chunkIndex, rows: (await Promise.all(groups)).flat() };
}
