/**
 * A Batch API input file read as OpenAI's Batch guide and API reference
 * describe it: one JSON request per line, `{custom_id, method: "POST", url,
 * body}`, custom_ids unique, every url the batch's endpoint, one model for the
 * whole file, at most 50,000 requests (and 50,000 embedding inputs). A file
 * that breaks a rule fails the whole batch with one error per line (code,
 * message, param, line), the whole-file errors first.
 */

/** Requests per batch file (Batch API reference, "Create batch"), and embedding inputs per embeddings batch. */
export const MAX_BATCH_REQUESTS = 50_000;
/** Validation errors kept on a failed batch (the rest are counted in the last one's message). */
const MAX_LISTED_ERRORS = 100;

export const ENDPOINTS = { '/v1/chat/completions': 'chat', '/v1/embeddings': 'embeddings' } as const;
export type LineKind = (typeof ENDPOINTS)[keyof typeof ENDPOINTS];

export interface BatchError {
  readonly code: string;
  readonly message: string;
  readonly param: string | null;
  readonly line: number | null;
}

export interface BatchLine {
  /** 1-based line of the input file. */
  readonly line: number;
  readonly customId: string;
  /** The request body, as JSON text. */
  readonly raw: string;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** An endpoint or line url as /v1/…: Azure's batches may leave the /v1 out. */
export function normalEndpoint(url: string, azure: boolean): string {
  return azure && !url.startsWith('/v1/') ? `/v1${url}` : url;
}

/** The file's requests and their model, or the errors that fail the batch. */
export function readBatchInput(
  input: string,
  batch: { readonly endpoint: string; readonly azure: boolean; readonly kind: LineKind },
): { readonly lines: BatchLine[]; readonly model: string | undefined } | { readonly errors: BatchError[] } {
  const errors: BatchError[] = [];
  let errorCount = 0;
  const fail = (code: string, message: string, param: string | null, line: number | null) => {
    errorCount++;
    if (errors.length < MAX_LISTED_ERRORS) errors.push({ code, message, param, line });
  };
  const lines: BatchLine[] = [];
  const seen = new Set<string>();
  let model: string | undefined;
  let requests = 0;
  let inputs = 0;
  const text = input.split('\n');
  for (let i = 0; i < text.length; i++) {
    const s = text[i]!.trim();
    if (!s) continue;
    const n = i + 1;
    requests++;
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch {
      fail('invalid_json_line', 'This line is not parseable as valid JSON.', null, n);
      continue;
    }
    if (!isObject(v)) {
      fail('invalid_json_line', 'This line is not a JSON object.', null, n);
      continue;
    }
    const missing = ['custom_id', 'method', 'url', 'body'].find((k) => v[k] === undefined || v[k] === null);
    if (missing) {
      fail('missing_required_parameter', `Missing required parameter: '${missing}'.`, missing, n);
      continue;
    }
    const { custom_id: customId, method, url, body } = v;
    if (typeof customId !== 'string' || customId.length === 0) {
      fail('invalid_value', "Invalid 'custom_id': expected a non-empty string.", 'custom_id', n);
      continue;
    }
    if (seen.has(customId)) {
      fail(
        'duplicate_custom_id',
        `The custom_id '${customId}' is a duplicate of another request's. The custom_id parameter must be unique for each request in a batch.`,
        'custom_id',
        n,
      );
      continue;
    }
    seen.add(customId);
    if (method !== 'POST') {
      fail('invalid_method', `Invalid 'method': '${method}'. Only POST is supported.`, 'method', n);
      continue;
    }
    if (
      typeof url !== 'string' ||
      normalEndpoint(url, batch.azure) !== normalEndpoint(batch.endpoint, batch.azure)
    ) {
      fail(
        'invalid_url',
        `The URL provided for this request ('${url}') does not match the batch endpoint ('${batch.endpoint}').`,
        'url',
        n,
      );
      continue;
    }
    if (!isObject(body)) {
      fail('invalid_value', "Invalid 'body': expected an object.", 'body', n);
      continue;
    }
    const m = body['model'];
    if (typeof m === 'string') {
      if (model === undefined) model = m;
      else if (m !== model) {
        fail(
          'mismatched_model',
          `The model '${m}' differs from '${model}', the model of the file's first request: a batch's requests must all use the same model.`,
          'body.model',
          n,
        );
        continue;
      }
    }
    if (batch.kind === 'embeddings') inputs += Array.isArray(body['input']) ? body['input'].length : 1;
    lines.push({ line: n, customId, raw: JSON.stringify(body) });
  }
  // Errors about the whole file come first, and are never cut from the list.
  const fileErrors: BatchError[] = [];
  const fileError = (code: string, message: string) =>
    fileErrors.push({ code, message, param: null, line: null });
  if (requests === 0) fileError('empty_file', 'The batch input file is empty.');
  if (requests > MAX_BATCH_REQUESTS) {
    fileError(
      'too_many_tasks',
      `The batch input file has ${requests} requests; a batch may have at most ${MAX_BATCH_REQUESTS}.`,
    );
  }
  if (inputs > MAX_BATCH_REQUESTS) {
    fileError(
      'too_many_tasks',
      `The batch's requests have ${inputs} embedding inputs; an /v1/embeddings batch may have at most ${MAX_BATCH_REQUESTS}.`,
    );
  }
  if (errorCount > 0 || fileErrors.length > 0) {
    const unlisted = errorCount - errors.length;
    if (unlisted > 0) {
      const last = errors.pop()!;
      errors.push({ ...last, message: `${last.message} (and ${unlisted} more errors in other lines)` });
    }
    errors.unshift(...fileErrors);
    return { errors };
  }
  return { lines, model };
}
