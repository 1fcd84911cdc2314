/**
 * Worker-thread entry: runs the cascade for every row of a chunk, many at
 * once (async I/O), each run holding one permit of the statement's PARALLEL
 * semaphore. Never throws across the thread boundary: every row comes back as
 * data, a value or an error.
 */
import { type Cascade, loadCascade, runCascade } from '../src/cascade/index.js';
import { signalFor } from '../src/exec/abort-flag.js';
import { addSpend, budgetExhausted } from '../src/exec/budget.js';
import type { ChunkResult, ChunkRow, ChunkTask, RowOutcome } from '../src/exec/chunk-protocol.js';
import { SharedSemaphore } from '../src/exec/shared-semaphore.js';
import { errorMessage } from '../src/errors.js';
import { workerLlmClient } from './worker-llm.js';

async function runRow(task: ChunkTask, cascade: Cascade, row: ChunkRow, signal: AbortSignal): Promise<RowOutcome> {
  const semaphore = new SharedSemaphore(task.parallelBuffer);
  const held = new Int32Array(task.heldBuffer);
  try {
    await semaphore.acquire(signal, held);
  } catch {
    return failed(row.index, 'ABORTED', 'statement cancelled before this row started');
  }
  if (budgetExhausted(task.budgetBuffer, task.budgetNanos)) {
    semaphore.release(held);
    return failed(row.index, 'BUDGET_EXCEEDED', 'budget_dollars was spent before this row started');
  }
  try {
    const result = await runCascade(cascade, row.inputs, {
      llm: workerLlmClient(task.llm),
      signal,
      defaultModel: task.llm.defaultModel,
      modelOverride: task.modelOverride,
      timeoutMs: task.timeoutMs,
      retries: task.retries,
      sessionPrefix: task.sessionPrefix,
    });
    if (task.budgetBuffer) addSpend(task.budgetBuffer, result.usage.cost);
    const base = { index: row.index, sessionId: result.session_id, calls: result.calls, cost: result.usage.cost };
    if (result.status === 'success' && result.last_cell !== null) {
      return { ...base, ok: true, output: result.outputs[result.last_cell] };
    }
    const first = result.errors[0];
    return { ...base, ok: false, errorCode: first?.code ?? 'CASCADE_FAILED', error: first?.message ?? 'run failed' };
  } catch (err) {
    return failed(row.index, 'WORKER_ERROR', errorMessage(err));
  } finally {
    semaphore.release(held);
  }
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
    return { chunkIndex: task.chunkIndex, rows: task.rows.map((r) => failed(r.index, 'CASCADE_LOAD', message)) };
  }
  const signal = signalFor(task.abortBuffer);
  const rows = await Promise.all(task.rows.map((row) => runRow(task, cascade, row, signal)));
  return { chunkIndex: task.chunkIndex, rows };
}
