/** What the simulator counts. GET /stats returns the same JSON. */
export interface SeenRequest {
  readonly model: string;
  /** Each message's text (an image read as its description); `text` and `images` when it had images. */
  readonly messages: readonly {
    readonly role: string;
    readonly content: string;
    readonly text?: string;
    /** The images as read (image-input.ts SimImage): decoded size and sha256 show which bytes arrived. */
    readonly images?: readonly {
      readonly tokens: number;
      readonly description: string;
      readonly bytes: number;
      readonly sha256: string;
    }[];
  }[];
  readonly hasResponseFormat: boolean;
  /** The response_format object as sent, when there was one: what the model was told of the answer's shape besides the messages. */
  readonly responseFormat?: Readonly<Record<string, unknown>>;
}

export interface SimulatorStats {
  /** Chat requests received (every POST to /chat/completions). */
  requests: number;
  /** Well-formed 200 answers sent. */
  completed: number;
  /** Chat requests being handled now (including hangs not yet closed by the client). */
  inFlight: number;
  maxInFlight: number;
  /**
   * When the first chat request since the last reset arrived and when the last
   * answer was sent (ms since the epoch, `performance.timeOrigin + performance.now()`,
   * so a client on the same machine can place them on its own clock); null before any.
   * With `answeredLateMs`, a bench tells the engine's time from the simulator's:
   * start-up before the first call, the calls' span, the end after the last answer.
   */
  firstRequestAt: number | null;
  lastAnswerAt: number | null;
  /** Summed over answers sent when due (SimState.at): how long after its due time each went out (timer granularity, a busy loop). */
  answeredLateMs: number;
  /** The gate (options.ts gate) opened on its timeout, not because its requests were all held at once. */
  gateTimedOut: boolean;
  /** Responses sent, by HTTP status (a malformed body counts under its 200). */
  byStatus: Record<string, number>;
  /** Chat requests by the model they named. */
  byModel: Record<string, number>;
  /** Of `completed`, the answers sent as server-sent events (`stream: true`). */
  streamed: number;
  /** Sockets destroyed on purpose. */
  resets: number;
  /** Requests left without an answer on purpose. */
  hangs: number;
  /** 200s with an invalid JSON body. */
  malformed: number;
  /** Tokens reported in answers. */
  tokensIn: number;
  tokensOut: number;
  /** Of tokensIn, the tokens of images (image_url parts; src/sim/image-input.ts). */
  imageTokens: number;
  /** Prompt tokens reported as cached (`usage.prompt_tokens_details.cached_tokens`; openai and azure-openai profiles). */
  tokensCached: number;
  /** Chat requests refused for their response_format: the profile's rules (provider-profiles.ts) or the `reject-response-format` quirk. */
  responseFormatRefusals: number;
  /** POSTs to /embeddings (not counted in `requests`), inputs embedded in 200 answers, and their tokens. */
  embeddingRequests: number;
  embeddingInputs: number;
  embeddingTokens: number;
  /**
   * Batch API (batch-api.ts): files uploaded, batches created and cancelled, and
   * batch lines answered (in the output or error file; not counted in `requests`
   * or `completed`, but their tokens are in tokensIn/tokensOut).
   */
  filesUploaded: number;
  batchesCreated: number;
  batchesCancelled: number;
  /** Batch retrieves (GET /v1/batches/{id}): a client polling a batch. */
  batchesRetrieved: number;
  batchLines: number;
  /** Chat requests refused 400 context_length_exceeded: prompt (plus max_tokens) over the model's window (model-limits.ts). */
  contextRejected: number;
  /** Chat requests refused 400 for a max_tokens (or max_completion_tokens) above the model's output cap. */
  capRejected: number;
  /** Answers cut at max_tokens or the model's limits, sent with finish_reason `length`. */
  truncated: number;
  /** Requests (chat and embeddings) refused 429 by the `tpm` limit, and by the `rpm` limit (openai-rate-limits.ts). */
  rateLimitedTokens: number;
  rateLimitedRequests: number;
  /**
   * The largest prompt_tokens of any chat request answered, or refused for a limit (window,
   * cap, tpm or rpm), Batch API lines included; a request refused before its prompt was
   * counted (its body, its response_format) is not weighed.
   */
  maxPromptTokens: number;
  /** Only with the `record` option. */
  promptsSeen?: SeenRequest[];
}

export function emptyStats(record: boolean): SimulatorStats {
  const s: SimulatorStats = {
    requests: 0,
    completed: 0,
    inFlight: 0,
    maxInFlight: 0,
    firstRequestAt: null,
    lastAnswerAt: null,
    answeredLateMs: 0,
    gateTimedOut: false,
    byStatus: {},
    byModel: {},
    streamed: 0,
    resets: 0,
    hangs: 0,
    malformed: 0,
    tokensIn: 0,
    tokensOut: 0,
    imageTokens: 0,
    tokensCached: 0,
    responseFormatRefusals: 0,
    embeddingRequests: 0,
    embeddingInputs: 0,
    embeddingTokens: 0,
    filesUploaded: 0,
    batchesCreated: 0,
    batchesCancelled: 0,
    batchesRetrieved: 0,
    batchLines: 0,
    contextRejected: 0,
    capRejected: 0,
    truncated: 0,
    rateLimitedTokens: 0,
    rateLimitedRequests: 0,
    maxPromptTokens: 0,
  };
  if (record) s.promptsSeen = [];
  return s;
}
