/**
 * Worker-thread entry: runs the cascade for every row of a chunk, many at
 * once (async I/O), each run holding one permit of the statement's PARALLEL
 * semaphore. Never throws across the thread boundary: every row comes back as
 * data, a value or an error.
 */
import { batchItems, type Cascade, loadCascade, type RunResult, runCascade } from '../src/cascade/index.js';
import { errorMessage } from '../src/errors.js';
import { signalFor } from '../src/exec/abort-flag.js';
import { addSpend, budgetExhausted } from '../src/exec/budget.js';
import type { ChunkResult, ChunkRow, ChunkTask, RowOutcome } from '../src/exec/chunk-protocol.js';
import { SharedSemaphore } from '../src/exec/shared-semaphore.js';
import { workerLlmClient } from './worker-llm.js';

type Run = { ok: true; result: RunResult } | { ok: false; failures: RowOutcome[] };

/** One cascade run under one PARALLEL permit; rows fail as data if it cannot start. */
async function permitted(
  task: ChunkTask,
  cascade: Cascade,
  rows: readonly ChunkRow[],
  inputs: Readonly<Record<string, unknown>>,
  signal: AbortSignal,
): Promise<Run> {
  const semaphore = new SharedSemaphore(task.parallelBuffer);
  const held = new Int32Array(task.heldBuffer);
  try {
    await semaphore.acquire(signal, held);
  } catch {
    return {
      ok: false,
      failures: rows.map((r) => failed(r.index, 'ABORTED', 'statement cancelled before this row started')),
    };
  }
  try {
    if (budgetExhausted(task.budgetBuffer, task.budgetNanos)) {
      return {
        ok: false,
        failures: rows.map((r) =>
          failed(r.index, 'BUDGET_EXCEEDED', 'budget_dollars was spent before this row started'),
        ),
      };
    }
    const result = await runCascade(cascade, inputs, {
      llm: workerLlmClient(task.llm),
      signal,
      defaultModel: task.llm.defaultModel,
      modelOverride: task.modelOverride,
      timeoutMs: task.timeoutMs,
      retries: task.retries,
      sessionPrefix: task.sessionPrefix,
      ...(task.batchSize !== undefined ? { outputItems: rows.length } : {}),
    });
    if (task.budgetBuffer) addSpend(task.budgetBuffer, result.usage.cost);
    return { ok: true, result };
  } catch (err) {
    return { ok: false, failures: rows.map((r) => failed(r.index, 'WORKER_ERROR', errorMessage(err))) };
  } finally {
    semaphore.release(held);
  }
}

async function runRow(
  task: ChunkTask,
  cascade: Cascade,
  row: ChunkRow,
  signal: AbortSignal,
): Promise<RowOutcome[]> {
  const run = await permitted(task, cascade, [row], row.inputs, signal);
  if (!run.ok) return run.failures;
  const { result } = run;
  const base = {
    index: row.index,
    sessionId: result.session_id,
    calls: result.calls,
    cost: result.usage.cost,
  };
  if (result.status === 'success' && result.last_cell !== null) {
    return [{ ...base, ok: true, output: result.outputs[result.last_cell] }];
  }
  const first = result.errors[0];
  return [
    { ...base, ok: false, errorCode: first?.code ?? 'CASCADE_FAILED', error: first?.message ?? 'run failed' },
  ];
}

/**
 * BATCH: the rows go to one run as `input.rows`; the answer must be a list of
 * exactly that many results. A wrong count or a failed run splits the batch in
 * half and tries again, down to single rows (spec §1).
 */
async function runBatch(
  task: ChunkTask,
  cascade: Cascade,
  rows: readonly ChunkRow[],
  signal: AbortSignal,
): Promise<RowOutcome[]> {
  const inputs = { rows: rows.map((r) => r.inputs), batch_size: rows.length };
  const run = await permitted(task, cascade, rows, inputs, signal);
  if (!run.ok) return run.failures;
  const { result } = run;
  const items =
    result.status === 'success' && result.last_cell !== null
      ? batchItems(result.outputs[result.last_cell])
      : undefined;
  if (items && items.length === rows.length) {
    // The run's calls and cost are logged once, on the batch's first row.
    return rows.map((r, i) => ({
      index: r.index,
      ok: true,
      sessionId: result.session_id,
      output: items[i],
      calls: i === 0 ? result.calls : [],
      cost: i === 0 ? result.usage.cost : 0,
    }));
  }
  const why = result.errors[0]
    ? `${result.errors[0].code}: ${result.errors[0].message}`
    : `the batch answer had ${items ? items.length : 'no list of'} items for ${rows.length} rows`;
  if (rows.length === 1 || signal.aborted) {
    return rows.map((r, i) => ({
      index: r.index,
      ok: false,
      sessionId: result.session_id,
      errorCode: result.errors[0]?.code ?? 'BATCH_COUNT',
      error: why,
      calls: i === 0 ? result.calls : [],
      cost: i === 0 ? result.usage.cost : 0,
    }));
  }
  const half = Math.ceil(rows.length / 2);
  const [a, b] = await Promise.all([
    runBatch(task, cascade, rows.slice(0, half), signal),
    runBatch(task, cascade, rows.slice(half), signal),
  ]);
  // The failed attempt's calls still happened: keep them on the first row.
  const first = a[0]!;
  a[0] = { ...first, calls: [...result.calls, ...first.calls], cost: sumCost(first.cost, result.usage.cost) };
  return [...a, ...b];
}

function sumCost(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a + b;
}

function failed(index: number, errorCode: string, error: string): RowOutcome {
  return { index, ok: false, sessionId: '', errorCode, error, calls: [], cost: 0 };
}

export default async function runChunk(task: ChunkTask): Promise<ChunkResult> {
  if (task.crashOnChunk === task.chunkIndex) {
    // Simulates a worker that dies mid-chunk (tests of the re-run path).
    setTimeout(() => process.exit(70), 5);
  }
  let cascade: Cascade;
  try {
    cascade = await loadCascade(task.cascadePath);
  } catch (err) {
    const message = errorMessage(err);
    return {
      chunkIndex: task.chunkIndex,
      rows: task.rows.map((r) => failed(r.index, 'CASCADE_LOAD', message)),
    };
  }
  const signal = signalFor(task.abortBuffer);
  const size = task.batchSize;
  const groups: Promise<RowOutcome[]>[] = [];
  if (size === undefined) for (const row of task.rows) groups.push(runRow(task, cascade, row, signal));
  else
    for (let i = 0; i < task.rows.length; i += size)
      groups.push(runBatch(task, cascade, task.rows.slice(i, i + size), signal));
  const rows = (await Promise.all(groups)).flat();
  return { chunkIndex: task.chunkIndex, rows };
}
