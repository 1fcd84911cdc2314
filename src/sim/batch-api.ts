/**
 * OpenAI's Files and Batch API in the simulator, as OpenAI's API reference
 * (Files: upload, list, retrieve, delete, content; Batch: create, retrieve,
 * cancel, list) and Batch guide describe them. Served on the `default` and
 * `openai` profiles at /v1/files and /v1/batches; on `azure-openai` at
 * /openai/files and /openai/batches with an api-version (and at
 * /openai/v1/files and /openai/v1/batches without), with Azure's key check
 * (routes.ts), where a batch's endpoint and its lines' url may leave out the
 * /v1 as Azure's examples do. Other profiles have no such endpoints (the
 * server answers 404).
 *
 * The input file's rules (one model, unique custom_ids, …) are batch-input.ts's.
 *
 * A batch lives `batchCompletionMs` (read when it is created): validating for
 * the first 10%, then in_progress until 80% (its lines answered at an even pace,
 * so counts grow and a cancel leaves the rest unanswered), finalizing, and
 * completed at 100%. A cancel moves it to cancelling, and to cancelled 10% of
 * its time later, with the lines answered so far in its files.
 *
 * Each line is answered by the code that answers the same body on the
 * synchronous endpoint (checkChatRequest + completionFor, embeddingsAnswer), so
 * its body is the synchronous answer, except that with `costPerMillion` its
 * `usage.cost` is half: the Batch API's 50% discount (and no prompt-cache
 * `cached_tokens`: batch lines neither read nor fill that cache). A body the
 * synchronous endpoint would refuse (4xx: a bad body, the profile's rules,
 * the `reject-response-format` quirk) goes to the error file with that status
 * and error body; `batchLineErrorRate` sends a seeded share of lines there with a
 * 500 (drawn from the seed, the batch's ordinal and the custom_id, so a line
 * retried in a later batch draws again). Faults, outages and the rate limit of
 * the synchronous endpoints do not apply to batch lines (the Batch API has its
 * own quota). Lines are written in a seeded shuffled order: OpenAI's output
 * order may differ from the input's, and clients must match lines by custom_id.
 *
 * Batch lines count in stats as `batchLines` (and their tokens in
 * tokensIn/tokensOut, or embeddingInputs/embeddingTokens; a response_format
 * refusal in responseFormatRefusals; with `record`, their prompts in
 * promptsSeen), never in `requests`, `completed`, `byStatus` or `byModel`. Files and batches live in memory (a restart loses
 * them; resetStats keeps them).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SIM_HEADER } from '../runtime/simulator-mark.js';
import {
  type BatchError,
  type BatchLine,
  ENDPOINTS,
  isObject,
  type LineKind,
  normalEndpoint,
  readBatchInput,
} from './batch-input.js';
import { checkChatRequest, countVerdict } from './chat-handler.js';
import { completionFor, errorBody } from './completion.js';
import { embeddingsAnswer } from './embeddings.js';
import { FileStore, fileObject, type SimFile, UPLOAD_PURPOSES } from './files-store.js';
import type { SimPrice } from './prices.js';
import { AZURE_NOT_FOUND, AZURE_UNAUTHORIZED } from './provider-profiles.js';
import { fnv1a, hashSeed, mulberry32 } from './rng.js';
import type { SimState } from './sim-state.js';

/** Room for the multipart framing around an upload's file. */
const MULTIPART_SLACK = 1024 * 1024;
/** Steps at which an in_progress batch answers its lines between reads: about this many lines each… */
const LINES_PER_TICK = 500;
/** …within these bounds, so a big batch does not hold the event loop for long at a time. */
const MIN_TICKS = 8;
const MAX_TICKS = 200;

type BatchStatus =
  | 'validating'
  | 'failed'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'expired'
  | 'cancelling'
  | 'cancelled';

interface LineAnswer {
  readonly status: number;
  readonly body: string;
  readonly tokensIn: number;
  /** Of tokensIn, the images' (chat lines). */
  readonly imageTokens?: number;
  readonly tokensOut: number;
  readonly inputs: number;
}

interface BatchRecord {
  readonly id: string;
  readonly ordinal: number;
  readonly endpoint: string;
  readonly kind: LineKind;
  readonly azure: boolean;
  /** Azure's api-version on the create request (its response_format rules depend on it). */
  readonly apiVersion: string | undefined;
  readonly inputFileId: string;
  readonly metadata: Record<string, string> | null;
  /** batchCompletionMs when created. */
  readonly lifeMs: number;
  readonly createdAt: number;
  status: BatchStatus;
  model: string | undefined;
  errors: { object: 'list'; data: BatchError[] } | null;
  outputFileId: string | null;
  errorFileId: string | null;
  times: Partial<
    Record<
      'in_progress_at' | 'finalizing_at' | 'completed_at' | 'failed_at' | 'cancelling_at' | 'cancelled_at',
      number
    >
  >;
  total: number;
  completed: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
  /** Lines to answer (from validation until the files are written). */
  lines: BatchLine[] | undefined;
  answered: number;
  /** performance.now() span over which in_progress answers its lines. */
  progressFrom: number;
  progressTo: number;
  out: string[];
  err: string[];
}

const ROUTE = /^(\/openai)?(\/v1)?\/(files|batches)(?:\/([^/]+)(?:\/(content|cancel))?)?\/?$/;
/** Azure's api-version format (as routes.ts checks it). */
const API_VERSION = /^\d{4}-\d{2}-\d{2}(-preview)?$/;

const nowS = () => Math.floor(Date.now() / 1000);

function apiError(message: string, param: string | null = null, code: string | null = null): string {
  return JSON.stringify({ error: { message, type: 'invalid_request_error', param, code } });
}

/** Reads a body up to `limit` bytes; `undefined` when it is longer. */
function readBody(req: IncomingMessage, limit: number, done: (body: Buffer | undefined) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= limit) chunks.push(c);
  });
  req.on('end', () => done(size > limit ? undefined : Buffer.concat(chunks)));
}

/** The Files and Batch API of one simulator; its stores outlive resetStats. */
export class BatchApi {
  readonly files: FileStore;
  private readonly batches = new Map<string, BatchRecord>();
  private ordinal = 0;

  constructor(
    private readonly state: SimState,
    files = new FileStore(),
  ) {
    this.files = files;
  }

  /** Answers a Files or Batch API request; false when it is none (or the profile has no such API). */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://sim');
    const m = ROUTE.exec(url.pathname);
    if (!m) return false;
    const azure = m[1] !== undefined;
    const profile = this.state.opts.profile;
    if (azure ? profile !== 'azure-openai' : profile !== 'default' && profile !== 'openai') return false;
    const [, , v1, kind, id, action] = m;
    const route = `${req.method} ${kind}${id === undefined ? '' : '/:id'}${action ? `/${action}` : ''}`;
    const q = url.searchParams;
    if (azure) {
      // As routes.ts: /openai/… (not /openai/v1/…) needs an api-version; then the key.
      const apiVersion = q.get('api-version');
      const reply =
        v1 === undefined && (apiVersion === null || !API_VERSION.test(apiVersion))
          ? { status: 404, body: AZURE_NOT_FOUND }
          : azureKeyGiven(req, this.state.opts.azureApiKey)
            ? undefined
            : { status: 401, body: AZURE_UNAUTHORIZED };
      if (reply) {
        req.resume();
        this.send(res, reply.status, reply.body);
        return true;
      }
    }
    switch (route) {
      case 'POST files':
        this.upload(req, res);
        return true;
      case 'POST batches':
        this.create(req, res, azure, azure ? (q.get('api-version') ?? undefined) : undefined);
        return true;
      case 'POST batches/:id/cancel':
        req.resume();
        this.cancel(id!, res);
        return true;
      case 'GET files':
      case 'GET files/:id':
      case 'GET files/:id/content':
      case 'DELETE files/:id':
      case 'GET batches':
      case 'GET batches/:id':
        req.resume();
        this.read(route, id, q, res);
        return true;
      default:
        return false;
    }
  }

  private send(
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ): void {
    this.state.send(res, status, body, headers, false);
  }

  private read(route: string, id: string | undefined, q: URLSearchParams, res: ServerResponse): void {
    if (route === 'GET files') {
      const order = q.get('order') ?? 'desc';
      if (order !== 'asc' && order !== 'desc') {
        this.send(res, 400, apiError(`Invalid 'order': expected 'asc' or 'desc', got '${order}'.`, 'order'));
        return;
      }
      const purpose = q.get('purpose');
      let all = this.files.all().filter((f) => purpose === null || f.purpose === purpose);
      if (order === 'desc') all = all.reverse();
      this.sendPage(res, all, q, 10_000, 10_000, fileObject);
      return;
    }
    if (route === 'GET batches') {
      const all = [...this.batches.values()].reverse();
      this.sendPage(res, all, q, 100, 20, (b) => this.batchObject(this.caughtUp(b)));
      return;
    }
    if (route.startsWith('GET batches/')) {
      this.state.stats.batchesRetrieved++;
      const b = this.batches.get(id!);
      if (!b) this.send(res, 404, apiError(`No such Batch object: ${id}`, 'batch_id'));
      else this.send(res, 200, JSON.stringify(this.batchObject(this.caughtUp(b))));
      return;
    }
    const file = this.files.get(id!);
    if (!file) {
      this.send(res, 404, apiError(`No such File object: ${id}`, 'id'));
    } else if (route === 'DELETE files/:id') {
      this.files.delete(file.id);
      this.send(res, 200, JSON.stringify({ id: file.id, object: 'file', deleted: true }));
    } else if (route === 'GET files/:id/content') {
      if (res.destroyed) return;
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': file.data.length,
        [SIM_HEADER]: '1',
      });
      res.end(file.data);
    } else {
      this.send(res, 200, JSON.stringify(fileObject(file)));
    }
  }

  /** A cursor page (`limit`, `after`) of a list, as OpenAI's list endpoints return it. */
  private sendPage<T extends { id: string }>(
    res: ServerResponse,
    items: readonly T[],
    q: URLSearchParams,
    maxLimit: number,
    defaultLimit: number,
    toJson: (item: T) => unknown,
  ): void {
    const limitText = q.get('limit');
    const limit = limitText === null ? defaultLimit : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
      this.send(res, 400, apiError(`Invalid 'limit': expected an integer from 1 to ${maxLimit}.`, 'limit'));
      return;
    }
    const after = q.get('after');
    // An unknown cursor gives an empty page rather than the first one again.
    const start = after === null ? 0 : items.findIndex((x) => x.id === after) + 1 || items.length;
    const page = items.slice(start, start + limit);
    const body = {
      object: 'list',
      data: page.map(toJson),
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
      has_more: start + limit < items.length,
    };
    this.send(res, 200, JSON.stringify(body));
  }

  // --- Files -------------------------------------------------------------------------------------

  private upload(req: IncomingMessage, res: ServerResponse): void {
    const limit = this.files.maxFileBytes + MULTIPART_SLACK;
    const tooBig = () =>
      this.send(
        res,
        400,
        apiError(`File is too large: the maximum is ${this.files.maxFileBytes} bytes.`, 'file'),
        { connection: 'close' },
      );
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      tooBig();
      req.resume();
      return;
    }
    const contentType = req.headers['content-type'] ?? '';
    readBody(req, limit, (body) => {
      if (!body) tooBig();
      else
        this.store(body, contentType, res).catch((err: unknown) => {
          const message = err instanceof Error ? err.message : String(err);
          this.send(res, 500, errorBody(message, 'server_error'));
        });
    });
  }

  private async store(body: Buffer, contentType: string, res: ServerResponse): Promise<void> {
    let form: FormData;
    try {
      form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    } catch {
      this.send(
        res,
        400,
        apiError('The body must be multipart/form-data with the fields file and purpose.', null),
      );
      return;
    }
    const purpose = form.get('purpose');
    const file = form.get('file');
    if (typeof purpose !== 'string') {
      this.send(
        res,
        400,
        apiError("Missing required parameter: 'purpose'.", 'purpose', 'missing_required_parameter'),
      );
      return;
    }
    if (!(UPLOAD_PURPOSES as readonly string[]).includes(purpose)) {
      const want = UPLOAD_PURPOSES.map((p) => `'${p}'`).join(', ');
      this.send(
        res,
        400,
        apiError(`Invalid value for 'purpose': expected one of ${want}, got '${purpose}'.`, 'purpose'),
      );
      return;
    }
    if (file === null || typeof file === 'string') {
      this.send(
        res,
        400,
        apiError("Missing required parameter: 'file'.", 'file', 'missing_required_parameter'),
      );
      return;
    }
    const filename = file.name || 'file';
    if (purpose === 'batch' && !filename.endsWith('.jsonl')) {
      this.send(res, 400, apiError('Invalid file format for Batch API. Must be .jsonl', 'file'));
      return;
    }
    const stored = this.files.upload(filename, purpose, Buffer.from(await file.arrayBuffer()));
    if ('message' in stored) {
      this.send(res, 400, apiError(stored.message, stored.param));
      return;
    }
    this.state.stats.filesUploaded++;
    this.send(res, 200, JSON.stringify(fileObject(stored)));
  }

  // --- Batches -----------------------------------------------------------------------------------

  private create(
    req: IncomingMessage,
    res: ServerResponse,
    azure: boolean,
    apiVersion: string | undefined,
  ): void {
    const max = this.state.opts.maxBodyBytes;
    readBody(req, max, (raw) => {
      if (!raw) {
        this.send(res, 413, errorBody(`request body over ${max} bytes`, 'invalid_request_error'));
        return;
      }
      let body: unknown;
      try {
        body = raw.length ? JSON.parse(raw.toString('utf8')) : {};
      } catch {
        body = undefined;
      }
      if (!isObject(body)) {
        this.send(res, 400, apiError('We could not parse the JSON body of your request.'));
        return;
      }
      const refusal = this.checkCreate(body, azure);
      if (typeof refusal === 'string') {
        this.send(res, 400, refusal);
        return;
      }
      const endpoint = body['endpoint'] as string;
      const b: BatchRecord = {
        id: `batch_sim${++this.ordinal}`,
        ordinal: this.ordinal,
        endpoint,
        kind: refusal.kind,
        azure,
        apiVersion,
        inputFileId: refusal.file.id,
        metadata: (body['metadata'] as Record<string, string> | null | undefined) ?? null,
        lifeMs: this.state.opts.batchCompletionMs,
        createdAt: nowS(),
        status: 'validating',
        model: undefined,
        errors: null,
        outputFileId: null,
        errorFileId: null,
        times: {},
        total: 0,
        completed: 0,
        failed: 0,
        inputTokens: 0,
        outputTokens: 0,
        lines: undefined,
        answered: 0,
        progressFrom: 0,
        progressTo: 0,
        out: [],
        err: [],
      };
      this.batches.set(b.id, b);
      this.state.stats.batchesCreated++;
      // The answer shows the batch as created (validating), even when a zero batchCompletionMs runs it at once.
      const created = JSON.stringify(this.batchObject(b));
      this.run(b, refusal.file.data);
      this.send(res, 200, created);
    });
  }

  /** The create body's refusal (an error body), or the input file and the kind of lines. */
  private checkCreate(
    body: Record<string, unknown>,
    azure: boolean,
  ): string | { file: SimFile; kind: LineKind } {
    for (const key of ['input_file_id', 'endpoint', 'completion_window']) {
      if (body[key] === undefined || body[key] === null)
        return apiError(`Missing required parameter: '${key}'.`, key, 'missing_required_parameter');
      if (typeof body[key] !== 'string')
        return apiError(`Invalid type for '${key}': expected a string.`, key, 'invalid_type');
    }
    const endpoint = body['endpoint'] as string;
    const kind = ENDPOINTS[normalEndpoint(endpoint, azure) as keyof typeof ENDPOINTS];
    if (!kind) {
      const served = azure
        ? "'/chat/completions' and '/embeddings'"
        : "'/v1/chat/completions' and '/v1/embeddings'";
      return apiError(
        `Invalid value for 'endpoint': '${endpoint}'. The simulator's Batch API serves ${served}.`,
        'endpoint',
        'invalid_value',
      );
    }
    if (body['completion_window'] !== '24h') {
      return apiError(
        `Invalid value for 'completion_window': expected '24h', got '${body['completion_window']}'.`,
        'completion_window',
        'invalid_value',
      );
    }
    const metadata = body['metadata'];
    if (metadata !== undefined && metadata !== null) {
      const entries = isObject(metadata) ? Object.entries(metadata) : undefined;
      if (
        !entries ||
        entries.length > 16 ||
        entries.some(([k, v]) => k.length > 64 || typeof v !== 'string' || v.length > 512)
      ) {
        return apiError(
          "Invalid 'metadata': at most 16 pairs of a key of up to 64 characters and a string value of up to 512.",
          'metadata',
          'invalid_value',
        );
      }
    }
    const id = body['input_file_id'] as string;
    const file = this.files.get(id);
    if (!file) return apiError(`No such File object: ${id}`, 'input_file_id');
    if (file.purpose !== 'batch') {
      return apiError(
        `File ${id} has purpose '${file.purpose}'; a batch's input file must have purpose 'batch'.`,
        'input_file_id',
      );
    }
    return { file, kind };
  }

  /** Schedules the batch's life: validate, answer its lines, finalize, complete. */
  private run(b: BatchRecord, input: Buffer): void {
    const life = b.lifeMs;
    const later = (fraction: number, fn: () => void) => this.state.later(life * fraction, fn);
    later(0.1, () => {
      if (b.status !== 'validating') return;
      const lines = this.validate(b, input);
      if (!lines) return;
      b.lines = lines;
      b.total = lines.length;
      b.status = 'in_progress';
      b.times.in_progress_at = nowS();
      b.progressFrom = performance.now();
      b.progressTo = b.progressFrom + life * 0.7;
      const ticks = Math.min(MAX_TICKS, Math.max(MIN_TICKS, Math.ceil(lines.length / LINES_PER_TICK)));
      for (let k = 1; k < ticks; k++) later((0.7 * k) / ticks, () => this.caughtUp(b));
      later(0.7, () => {
        if (b.status !== 'in_progress') return;
        this.answerUpTo(b, b.total);
        b.status = 'finalizing';
        b.times.finalizing_at = nowS();
        later(0.2, () => {
          if (b.status !== 'finalizing') return;
          this.writeFiles(b);
          b.status = 'completed';
          b.times.completed_at = nowS();
        });
      });
    });
  }

  /** The input file's requests, or undefined when the batch failed validation (then `failed`, with errors). */
  private validate(b: BatchRecord, input: Buffer): BatchLine[] | undefined {
    const read = readBatchInput(input.toString('utf8'), b);
    if ('errors' in read) {
      b.status = 'failed';
      b.times.failed_at = nowS();
      b.errors = { object: 'list', data: read.errors };
      return undefined;
    }
    b.model = read.model;
    return read.lines;
  }

  /** The batch after answering the lines due by now (while in_progress). */
  private caughtUp(b: BatchRecord): BatchRecord {
    if (b.status !== 'in_progress') return b;
    const span = b.progressTo - b.progressFrom;
    const due = span <= 0 ? 1 : (performance.now() - b.progressFrom) / span;
    this.answerUpTo(b, Math.min(b.total, Math.ceil(b.total * Math.max(0, due))));
    return b;
  }

  private answerUpTo(b: BatchRecord, n: number): void {
    if (!b.lines || n <= b.answered) return;
    const cost = this.state.opts.costPerMillion;
    // The Batch API's discount: half the synchronous price (a price table's own batch_discount).
    const opts = cost
      ? { ...this.state.opts, costPerMillion: { in: cost.in / 2, out: cost.out / 2 } }
      : this.state.opts.prices
        ? { ...this.state.opts, prices: batchPrices(this.state.opts.prices) }
        : this.state.opts;
    const stats = this.state.stats;
    for (let i = b.answered; i < n; i++) {
      const line = b.lines[i]!;
      const a = this.answerLine(b, line, opts);
      stats.batchLines++;
      if (a.status === 200) {
        b.completed++;
        b.inputTokens += a.tokensIn;
        b.outputTokens += a.tokensOut;
        if (b.kind === 'chat') {
          stats.tokensIn += a.tokensIn;
          stats.tokensOut += a.tokensOut;
          stats.imageTokens += a.imageTokens ?? 0;
        } else {
          stats.embeddingInputs += a.inputs;
          stats.embeddingTokens += a.tokensIn;
        }
      } else {
        b.failed++;
      }
      const requestId = `req_sim${fnv1a(`${b.id}\u0000${line.customId}`).toString(16)}`;
      const out =
        `{"id":"batch_req_sim${b.ordinal}_${line.line}","custom_id":${JSON.stringify(line.customId)},` +
        `"response":{"status_code":${a.status},"request_id":"${requestId}","body":${a.body}},"error":null}`;
      (a.status === 200 ? b.out : b.err).push(out);
    }
    b.answered = n;
  }

  /** One line's answer: what the synchronous endpoint answers for its body. */
  private answerLine(b: BatchRecord, line: BatchLine, opts: SimState['opts']): LineAnswer {
    const refused = (status: number, body: string): LineAnswer => ({
      status,
      body,
      tokensIn: 0,
      tokensOut: 0,
      inputs: 0,
    });
    if (b.kind === 'embeddings') {
      const a = embeddingsAnswer(line.raw, opts);
      if (a.status !== 200) return refused(a.status, a.body);
      if (this.lineFails(b, line)) return refused(500, errorBody('simulated server error', 'server_error'));
      return { status: 200, body: a.body, tokensIn: a.tokensIn, tokensOut: 0, inputs: a.inputs };
    }
    // The synchronous endpoint's checks (profile rules, quirks) and answer; no prompt cache, no faults.
    const verdict = checkChatRequest(
      line.raw,
      opts,
      b.apiVersion === undefined ? {} : { apiVersion: b.apiVersion },
    );
    const stats = this.state.stats;
    if (verdict.req && stats.promptsSeen) {
      const { model, messages, hasResponseFormat, responseFormat } = verdict.req;
      stats.promptsSeen.push({
        model,
        messages,
        hasResponseFormat,
        ...(responseFormat ? { responseFormat } : {}),
      });
    }
    // A line over the model's window or cap is answered as the endpoint answers it (its 400 in the error file).
    countVerdict(stats, verdict);
    if (!verdict.ok) {
      if (verdict.formatRefusal) stats.responseFormatRefusals++;
      return refused(verdict.status, verdict.body);
    }
    if (this.lineFails(b, line)) return refused(500, errorBody('simulated server error', 'server_error'));
    const c = completionFor(verdict.req, verdict.quirk, opts, verdict.format, verdict.prompt);
    if (c.finishReason === 'length') stats.truncated++;
    return {
      status: 200,
      body: c.body,
      tokensIn: c.tokensIn,
      imageTokens: c.imageTokens,
      tokensOut: c.tokensOut,
      inputs: 0,
    };
  }

  /** `batchLineErrorRate`: a draw by seed, batch and custom_id. */
  private lineFails(b: BatchRecord, line: BatchLine): boolean {
    const rate = this.state.opts.batchLineErrorRate;
    if (rate <= 0) return false;
    const u = mulberry32(
      hashSeed(`batch-line\u0000${this.state.opts.seed}\u0000${b.ordinal}\u0000${line.customId}`),
    )();
    return u < rate;
  }

  /** Stores the answered lines, shuffled, as the batch's output and error files. */
  private writeFiles(b: BatchRecord): void {
    const rng = mulberry32(hashSeed(`batch-order\u0000${this.state.opts.seed}\u0000${b.id}`));
    const file = (lines: string[], name: string): string | null => {
      if (lines.length === 0) return null;
      for (let i = lines.length - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      }
      return this.files.put(`${b.id}_${name}.jsonl`, 'batch_output', Buffer.from(`${lines.join('\n')}\n`)).id;
    };
    b.outputFileId = file(b.out, 'output');
    b.errorFileId = file(b.err, 'error');
    b.out = [];
    b.err = [];
    b.lines = undefined;
  }

  private cancel(id: string, res: ServerResponse): void {
    const b = this.batches.get(id);
    if (!b) {
      this.send(res, 404, apiError(`No such Batch object: ${id}`, 'batch_id'));
      return;
    }
    if (b.status === 'cancelling') {
      this.send(res, 200, JSON.stringify(this.batchObject(b)));
      return;
    }
    if (b.status !== 'validating' && b.status !== 'in_progress' && b.status !== 'finalizing') {
      this.send(res, 409, apiError(`Cannot cancel a batch with status '${b.status}'.`));
      return;
    }
    this.caughtUp(b);
    b.status = 'cancelling';
    b.times.cancelling_at = nowS();
    this.state.stats.batchesCancelled++;
    const cancelling = JSON.stringify(this.batchObject(b));
    this.state.later(b.lifeMs * 0.1, () => {
      this.writeFiles(b);
      b.status = 'cancelled';
      b.times.cancelled_at = nowS();
    });
    this.send(res, 200, cancelling);
  }

  /** The Batch object of the API reference. */
  private batchObject(b: BatchRecord): Record<string, unknown> {
    const t = b.times;
    return {
      id: b.id,
      object: 'batch',
      endpoint: b.endpoint,
      ...(b.model === undefined ? {} : { model: b.model }),
      errors: b.errors,
      input_file_id: b.inputFileId,
      completion_window: '24h',
      status: b.status,
      output_file_id: b.outputFileId,
      error_file_id: b.errorFileId,
      created_at: b.createdAt,
      in_progress_at: t.in_progress_at ?? null,
      expires_at: b.createdAt + 24 * 3600,
      finalizing_at: t.finalizing_at ?? null,
      completed_at: t.completed_at ?? null,
      failed_at: t.failed_at ?? null,
      expired_at: null,
      cancelling_at: t.cancelling_at ?? null,
      cancelled_at: t.cancelled_at ?? null,
      request_counts: { total: b.total, completed: b.completed, failed: b.failed },
      usage: {
        input_tokens: b.inputTokens,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: b.outputTokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: b.inputTokens + b.outputTokens,
      },
      metadata: b.metadata,
    };
  }
}

/** Azure's auth, as routes.ts checks it: an `api-key` header or a bearer token (the `azureApiKey` one, when set). */
function azureKeyGiven(req: IncomingMessage, want: string | null): boolean {
  const header = req.headers['api-key'];
  const auth = req.headers['authorization'];
  const bearer = typeof auth === 'string' && /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
  const key = typeof header === 'string' && header.length > 0 ? header : bearer || undefined;
  return key !== undefined && (want === null || key === want);
}

/** A price table at its Batch API price: each model's batch_discount taken off every rate. */
function batchPrices(prices: Readonly<Record<string, SimPrice>>): Record<string, SimPrice> {
  return Object.fromEntries(
    Object.entries(prices).map(([model, p]) => {
      const k = 1 - (p.batch_discount ?? 0);
      const cached = p.cached_in === undefined ? {} : { cached_in: p.cached_in * k };
      return [model, { in: p.in * k, out: p.out * k, ...cached }];
    }),
  );
}
