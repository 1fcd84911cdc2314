/**
 * The provider's Files and Batch API (OpenAI's: `POST /files` with purpose
 * `batch`, `POST /batches`, `GET /batches/{id}`, `POST /batches/{id}/cancel`,
 * `GET /files/{id}/content`), the few calls `delivery: batch` makes per round
 * of calls — not the hot path, so plain fetch rather than the chat pool.
 * Every failure is an RvbbitError naming the host and the provider's words,
 * with the API key redacted.
 */

import type { ProviderSettings } from './client-options.js';
import { excerpt, LLM_ERROR, llmError, redact } from './errors.js';

/** A batch as the provider reports it (the fields rvbbit reads). */
export interface ProviderBatch {
  readonly id: string;
  /** validating, in_progress, finalizing, completed, failed, expired, cancelling, cancelled. */
  readonly status: string;
  readonly output_file_id?: string | null;
  readonly error_file_id?: string | null;
  readonly request_counts?: { readonly total: number; readonly completed: number; readonly failed: number };
  readonly errors?: {
    readonly data?: readonly {
      readonly code?: string;
      readonly message?: string;
      readonly line?: number | null;
    }[];
  } | null;
}

/** Statuses after which a batch changes no more. */
export const FINAL_BATCH_STATUSES: ReadonlySet<string> = new Set([
  'completed',
  'failed',
  'expired',
  'cancelled',
]);

export interface BatchApi {
  /** Uploads a JSONL file for a batch; its file id. */
  upload(name: string, jsonl: string, signal?: AbortSignal): Promise<string>;
  create(
    inputFileId: string,
    metadata: Readonly<Record<string, string>>,
    signal?: AbortSignal,
  ): Promise<ProviderBatch>;
  retrieve(batchId: string, signal?: AbortSignal): Promise<ProviderBatch>;
  cancel(batchId: string, signal?: AbortSignal): Promise<ProviderBatch>;
  /** A file's content as text (an output or error file). */
  content(fileId: string, signal?: AbortSignal): Promise<string>;
}

/** How the client reaches the provider's Batch API: its base URL (files at {baseUrl}/files) and key. */
export interface BatchApiOptions extends Pick<ProviderSettings, 'baseUrl' | 'apiKey'> {
  /** The host name errors name. */
  readonly host: string;
  /** The chat endpoint a batch's lines go to, as its `endpoint` field (default /v1/chat/completions). */
  readonly endpoint?: string;
}

export function createBatchApi(o: BatchApiOptions): BatchApi {
  const base = new URL(o.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const url = (path: string) => `${base.origin}${prefix}${path}${base.search}`;
  const auth: Record<string, string> = o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {};
  const clean = (text: string) => redact(text, o.apiKey);
  const endpoint = o.endpoint ?? '/v1/chat/completions';

  async function call(
    what: string,
    path: string,
    init: RequestInit,
    signal?: AbortSignal,
  ): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(url(path), {
        ...init,
        headers: { ...auth, ...(init.headers as object) },
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw llmError(LLM_ERROR.ABORTED, 'the LLM call was aborted');
      const code = (err as { cause?: { code?: unknown } })?.cause?.code;
      throw llmError(
        LLM_ERROR.CONNECTION,
        `${what} at ${o.host} failed${typeof code === 'string' ? ` (${code})` : ''}`,
      );
    }
    if (res.ok) return res;
    const text = clean(await res.text().catch(() => ''));
    const words = excerpt(text);
    if (res.status === 404 || res.status === 405) {
      throw llmError(
        LLM_ERROR.BATCH_UNSUPPORTED,
        `${o.host} has no Batch API (${what}: HTTP ${res.status}${words ? `: ${words}` : ''}); use delivery = 'sync'`,
        { status: res.status },
      );
    }
    const code = res.status >= 500 || res.status === 429 ? LLM_ERROR.HTTP_ERROR : LLM_ERROR.BATCH_UNSUPPORTED;
    throw llmError(code, `${what} at ${o.host}: HTTP ${res.status}${words ? `: ${words}` : ''}`, {
      status: res.status,
    });
  }

  const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;

  return {
    async upload(name, jsonl, signal) {
      const form = new FormData();
      form.append('purpose', 'batch');
      form.append('file', new Blob([jsonl], { type: 'application/jsonl' }), name);
      const file = await json<{ id?: unknown }>(
        await call('uploading the batch file', '/files', { method: 'POST', body: form }, signal),
      );
      if (typeof file.id !== 'string')
        throw llmError(LLM_ERROR.BAD_RESPONSE, `${o.host} returned no file id`);
      return file.id;
    },
    async create(inputFileId, metadata, signal) {
      const body = JSON.stringify({
        input_file_id: inputFileId,
        endpoint,
        completion_window: '24h',
        metadata,
      });
      return batchOf(
        await json(
          await call(
            'creating the batch',
            '/batches',
            { method: 'POST', body, headers: { 'content-type': 'application/json' } },
            signal,
          ),
        ),
        o.host,
      );
    },
    async retrieve(batchId, signal) {
      return batchOf(
        await json(await call('reading the batch', `/batches/${encodeURIComponent(batchId)}`, {}, signal)),
        o.host,
      );
    },
    async cancel(batchId, signal) {
      return batchOf(
        await json(
          await call(
            'cancelling the batch',
            `/batches/${encodeURIComponent(batchId)}/cancel`,
            { method: 'POST' },
            signal,
          ),
        ),
        o.host,
      );
    },
    async content(fileId, signal) {
      return (
        await call(
          'downloading the batch results',
          `/files/${encodeURIComponent(fileId)}/content`,
          {},
          signal,
        )
      ).text();
    },
  };
}

function batchOf(value: unknown, host: string): ProviderBatch {
  const b = value as Partial<ProviderBatch> | null;
  if (!b || typeof b.id !== 'string' || typeof b.status !== 'string')
    throw llmError(LLM_ERROR.BAD_RESPONSE, `${host} returned a batch without id or status`);
  return b as ProviderBatch;
}

/** A provider whose batch interface rvbbit does not speak: every call fails LLM_BATCH_UNSUPPORTED. */
export function unsupportedBatchApi(why: string): BatchApi {
  const fail = (): Promise<never> => Promise.reject(llmError(LLM_ERROR.BATCH_UNSUPPORTED, why));
  return { upload: fail, create: fail, retrieve: fail, cancel: fail, content: fail };
}
