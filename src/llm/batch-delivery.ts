/**
 * `delivery: batch`: a chunk's cascade runs ask for answers as usual, and
 * their calls go to the provider's Batch API in rounds instead of one HTTP
 * call each.
 *
 * A round closes when every run still going waits on a call (each run asks
 * through its own client, so the session knows), so what a round holds does
 * not depend on timing: a multi-cell cascade makes one
 * round per cell, a validation retry joins the next round. The round's lines
 * are sorted by their request body, so the same statement over the same rows
 * writes the same JSONL file; its hash is the key under which the batch id is
 * kept (BatchLedger: `rvbbit.batches`). Running the statement again after a
 * crash finds the key and polls that batch instead of submitting a new one.
 *
 * A line that comes back with an error (or not at all) is retried as a normal
 * call, through the client's retries and structured-output fallbacks; a batch
 * that fails or expires fails its lines with LLM_BATCH_FAILED. Cancelling the
 * statement cancels the batch at the provider.
 */
import { createHash } from 'node:crypto';
import { RvbbitError } from '../../base/errors.js';
import { type BatchApi, FINAL_BATCH_STATUSES, type ProviderBatch } from './batch-api.js';
import { LLM_ERROR, llmError } from './errors.js';
import type { CallOptions, ChatRequest, ChatResult, LlmClient, StructuredMode } from './types.js';

/** One cascade run's client under batch delivery; `end()` when the run is over. */
export interface BatchRun extends LlmClient {
  end(): void;
}

/** What is kept of one batch so a later run of the same statement finds it. */
export interface BatchLedgerEntry {
  /** Hash of the endpoint and the round's JSONL file. */
  readonly key: string;
  readonly batchId: string;
  readonly inputFileId: string;
  readonly status: string;
  readonly total: number;
  readonly completed: number;
  readonly failed: number;
}

/** Where batch ids are kept (the engine: rvbbit.batches; absent: in memory only). */
export interface BatchLedger {
  find(key: string): Promise<BatchLedgerEntry | undefined>;
  record(entry: BatchLedgerEntry): Promise<void>;
}

/** A call made ready for a batch line by the client (its body as the chat endpoint would get it). */
export interface PreparedCall {
  readonly model: string;
  /** How its output schema goes (the model's structured-output mode when the line was made). */
  readonly mode: StructuredMode;
  readonly body: string;
}

/** What a session needs of the client that owns it. */
export interface BatchSessionDeps {
  readonly api: BatchApi;
  /**
   * The batch line's body for a request (the client's model, alias and
   * structured-output mode); a promise when it reads image files first.
   */
  prepare(request: ChatRequest): PreparedCall | Promise<PreparedCall>;
  /** A line's reply read as the client reads an HTTP reply (validation, structured shape, batch price). */
  finish(
    request: ChatRequest,
    prepared: PreparedCall,
    status: number,
    text: string,
    startedAt: number,
  ): ChatResult;
  /** A normal call: a failed line's retry. */
  direct(request: ChatRequest, call: CallOptions): Promise<ChatResult>;
  /** The provider's base URL: part of the key, so two providers never share a batch. */
  readonly endpoint: string;
  /** The chat path a line names (`url`), e.g. /v1/chat/completions. */
  readonly linePath: string;
}

export interface BatchSessionOptions {
  readonly ledger?: BatchLedger;
  /** Cancels the session: pending lines fail ABORTED, a submitted batch is cancelled. */
  readonly signal?: AbortSignal;
  /** First wait between polls, ms (default 100); each wait is 1.5× the last, up to `maxPollMs`. */
  readonly pollMs?: number;
  /** Longest wait between polls, ms (default 30000). */
  readonly maxPollMs?: number;
  /** Lines per batch (OpenAI: 50,000). */
  readonly maxLines?: number;
  /** Bytes per batch file (OpenAI: 200 MB). */
  readonly maxBytes?: number;
  /** Each poll's status, for progress. */
  readonly onProgress?: (entry: BatchLedgerEntry) => void;
}

interface Line {
  readonly request: ChatRequest;
  readonly call: CallOptions;
  readonly prepared: PreparedCall;
  readonly startedAt: number;
  resolve(r: ChatResult): void;
  reject(e: unknown): void;
}

const OPENAI_MAX_LINES = 50_000;
/** Statuses of a batch that will never answer: a kept one is submitted again. */
const GONE: ReadonlySet<string> = new Set(['failed', 'expired', 'cancelled']);
const OPENAI_MAX_BYTES = 190 * 1024 * 1024;

/**
 * One chunk's batch delivery. Each cascade run asks through its own
 * `run()` client, so the session knows which runs wait: a round closes when
 * every active run has a call unanswered (asked for now, or in a submitted
 * round) — exact whatever the timing, and a run may ask several calls at
 * once (takes).
 */
export class BatchSession {
  private active = 0;
  /** Active runs with at least one call unanswered. */
  private waiting = 0;
  private pending: Line[] = [];
  /** Calls asked whose lines are still being made (image files read): a round waits for them. */
  private preparing = 0;
  private checkQueued = false;
  /** Batches this session submitted or picked up, by id (cancelled if the statement is). */
  private readonly open = new Set<string>();
  readonly batchIds: string[] = [];

  constructor(
    private readonly deps: BatchSessionDeps,
    private readonly options: BatchSessionOptions = {},
  ) {
    options.signal?.addEventListener('abort', () => this.cancelAll(), { once: true });
  }

  /** A run starts: its client, whose `end()` says it finished. Until then a round waits for its call. */
  run(): BatchRun {
    this.active++;
    let unanswered = 0;
    let ended = false;
    const ask = (request: ChatRequest, call: CallOptions = {}): Promise<ChatResult> => {
      if (unanswered++ === 0) this.waiting++;
      const settle = () => {
        if (--unanswered === 0) this.waiting--;
        this.check();
      };
      const answer = this.ask(request, call);
      answer.then(settle, settle);
      return answer;
    };
    return {
      chat: ask,
      close: async () => {},
      end: () => {
        if (ended) return;
        ended = true;
        this.active--;
        this.check();
      },
    };
  }

  private ask(request: ChatRequest, call: CallOptions): Promise<ChatResult> {
    if (this.options.signal?.aborted)
      return Promise.reject(llmError(LLM_ERROR.ABORTED, 'the LLM call was aborted'));
    let prepared: PreparedCall | Promise<PreparedCall>;
    try {
      prepared = this.deps.prepare(request);
    } catch (err) {
      return Promise.reject(err);
    }
    const startedAt = performance.now();
    if (!(prepared instanceof Promise)) return this.queue(request, call, prepared, startedAt);
    this.preparing++;
    return prepared.then(
      (p) => {
        this.preparing--;
        return this.queue(request, call, p, startedAt);
      },
      (err: unknown) => {
        this.preparing--;
        this.check();
        throw err;
      },
    );
  }

  private queue(
    request: ChatRequest,
    call: CallOptions,
    prepared: PreparedCall,
    startedAt: number,
  ): Promise<ChatResult> {
    return new Promise<ChatResult>((resolve, reject) => {
      this.pending.push({ request, call, prepared, startedAt, resolve, reject });
      this.check();
    });
  }

  /** After the current turn (runs started together all ask first): a round of the pending calls, if every active run waits. */
  private check(): void {
    if (this.checkQueued) return;
    this.checkQueued = true;
    setImmediate(() => {
      this.checkQueued = false;
      if (this.pending.length === 0 || this.waiting < this.active || this.preparing > 0) return;
      const round = this.pending;
      this.pending = [];
      void this.runRound(round);
    });
  }

  private async runRound(round: Line[]): Promise<void> {
    // Sorted by body: the same calls make the same file whatever order the runs asked in.
    round.sort((a, b) =>
      a.prepared.body < b.prepared.body ? -1 : a.prepared.body > b.prepared.body ? 1 : 0,
    );
    const parts = this.split(round);
    await Promise.all(parts.map((part) => this.runPart(part)));
  }

  /** The round cut to the provider's limits on lines and bytes per batch. */
  private split(round: Line[]): Line[][] {
    const maxLines = this.options.maxLines ?? OPENAI_MAX_LINES;
    const maxBytes = this.options.maxBytes ?? OPENAI_MAX_BYTES;
    const parts: Line[][] = [];
    let part: Line[] = [];
    let bytes = 0;
    for (const line of round) {
      const size = line.prepared.body.length + 80;
      if (part.length > 0 && (part.length >= maxLines || bytes + size > maxBytes)) {
        parts.push(part);
        part = [];
        bytes = 0;
      }
      part.push(line);
      bytes += size;
    }
    if (part.length > 0) parts.push(part);
    return parts;
  }

  private async runPart(lines: Line[]): Promise<void> {
    const path = JSON.stringify(this.deps.linePath);
    const jsonl = lines
      .map((l, i) => `{"custom_id":"r${i}","method":"POST","url":${path},"body":${l.prepared.body}}`)
      .join('\n');
    const key = createHash('sha256').update(`${this.deps.endpoint}\n${jsonl}`).digest('hex');
    let batch: ProviderBatch;
    try {
      const found = await this.submitOrFind(key, jsonl, lines.length);
      batch = await this.poll(key, found.batch, found.inputFileId, lines.length);
    } catch (err) {
      for (const l of lines) l.reject(err);
      return;
    }
    if (batch.status !== 'completed') {
      const first = batch.errors?.data?.[0];
      const why = first
        ? `: ${first.code ?? 'error'} ${first.message ?? ''}${first.line ? ` (line ${first.line})` : ''}`
        : '';
      const e = llmError(LLM_ERROR.BATCH_FAILED, `batch ${batch.id} ended ${batch.status}${why}`, {
        batchId: batch.id,
        status: batch.status,
      });
      const aborted = this.options.signal?.aborted;
      for (const l of lines) l.reject(aborted ? llmError(LLM_ERROR.ABORTED, 'the LLM call was aborted') : e);
      return;
    }
    let replies: Map<string, { status: number; text: string }>;
    try {
      replies = await this.results(batch);
    } catch (err) {
      for (const l of lines) l.reject(err);
      return;
    }
    lines.forEach((l, i) => {
      const reply = replies.get(`r${i}`);
      if (reply && reply.status >= 200 && reply.status < 300) {
        try {
          l.resolve(this.deps.finish(l.request, l.prepared, reply.status, reply.text, l.startedAt));
          return;
        } catch (err) {
          // A body the client refuses (not JSON, no choices): asked again as a normal call.
          if (!(err instanceof RvbbitError)) {
            l.reject(err);
            return;
          }
        }
      }
      // A failed or missing line: a normal call, with the client's retries and fallbacks.
      this.deps.direct(l.request, l.call).then(l.resolve, l.reject);
    });
  }

  /** The batch this file was submitted as before (a crashed or repeated run), else a new one; and its input file. */
  private async submitOrFind(
    key: string,
    jsonl: string,
    total: number,
  ): Promise<{ readonly batch: ProviderBatch; readonly inputFileId: string }> {
    const { api } = this.deps;
    const { ledger, signal } = this.options;
    const known = await ledger?.find(key);
    if (known && !GONE.has(known.status)) {
      try {
        const batch = await api.retrieve(known.batchId, signal);
        if (!GONE.has(batch.status)) {
          this.track(batch.id);
          return { batch, inputFileId: known.inputFileId };
        }
      } catch (err) {
        // A batch the provider no longer knows: submit again.
        if (!(err instanceof RvbbitError) || err.code === LLM_ERROR.ABORTED) throw err;
      }
    }
    const inputFileId = await api.upload(`rvbbit-${key.slice(0, 16)}.jsonl`, jsonl, signal);
    const batch = await api.create(inputFileId, { rvbbit_key: key.slice(0, 64) }, signal);
    this.track(batch.id);
    await ledger?.record(entryOf(key, inputFileId, batch, total));
    return { batch, inputFileId };
  }

  private track(id: string): void {
    this.open.add(id);
    if (!this.batchIds.includes(id)) this.batchIds.push(id);
  }

  /** Polls until the batch is final, recording each change of status or counts. */
  private async poll(
    key: string,
    first: ProviderBatch,
    inputFileId: string,
    total: number,
  ): Promise<ProviderBatch> {
    const { ledger } = this.options;
    const max = this.options.maxPollMs ?? 30_000;
    let wait = this.options.pollMs ?? 100;
    let batch = first;
    let seen = '';
    let failures = 0;
    for (;;) {
      const entry = entryOf(key, inputFileId, batch, total);
      const state = `${entry.status}/${entry.completed}/${entry.failed}`;
      if (state !== seen) {
        seen = state;
        this.options.onProgress?.(entry);
        await ledger?.record(entry);
      }
      if (FINAL_BATCH_STATUSES.has(batch.status)) {
        this.open.delete(batch.id);
        return batch;
      }
      await sleep(wait, this.options.signal);
      wait = Math.min(max, wait * 1.5);
      try {
        batch = await this.deps.api.retrieve(batch.id, this.options.signal);
        failures = 0;
      } catch (err) {
        // A poll that fails (a 5xx, a reset) is tried again; a batch is worth more than one poll.
        if (this.options.signal?.aborted || ++failures >= 8) throw err;
      }
    }
  }

  /** The output and error files, by custom_id. */
  private async results(batch: ProviderBatch): Promise<Map<string, { status: number; text: string }>> {
    const out = new Map<string, { status: number; text: string }>();
    const signal = this.options.signal;
    for (const fileId of [batch.error_file_id, batch.output_file_id]) {
      if (!fileId) continue;
      const text = await this.deps.api.content(fileId, signal);
      for (const raw of text.split('\n')) {
        if (raw.trim() === '') continue;
        let line: { custom_id?: unknown; response?: { status_code?: unknown; body?: unknown } | null };
        try {
          line = JSON.parse(raw);
        } catch {
          continue;
        }
        if (typeof line.custom_id !== 'string') continue;
        const status = typeof line.response?.status_code === 'number' ? line.response.status_code : 500;
        out.set(line.custom_id, { status, text: JSON.stringify(line.response?.body ?? null) });
      }
    }
    return out;
  }

  private cancelAll(): void {
    for (const id of this.open) void this.deps.api.cancel(id).catch(() => undefined);
    const e = llmError(LLM_ERROR.ABORTED, 'the LLM call was aborted');
    for (const l of this.pending.splice(0)) l.reject(e);
  }
}

function entryOf(key: string, inputFileId: string, b: ProviderBatch, total: number): BatchLedgerEntry {
  return {
    key,
    batchId: b.id,
    inputFileId,
    status: b.status,
    total: b.request_counts?.total || total,
    completed: b.request_counts?.completed ?? 0,
    failed: b.request_counts?.failed ?? 0,
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(llmError(LLM_ERROR.ABORTED, 'the LLM call was aborted'));
      return;
    }
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(llmError(LLM_ERROR.ABORTED, 'the LLM call was aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
