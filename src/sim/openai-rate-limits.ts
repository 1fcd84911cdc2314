/**
 * OpenAI's rate limits per model (the `tpm` and `rpm` options), as its rate
 * limits guide (platform.openai.com/docs/guides/rate-limits) documents them:
 *
 * - Per model, in requests per minute (RPM) and tokens per minute (TPM).
 * - A request counts toward TPM at admission as "the maximum of max_tokens
 *   and the estimated number of tokens based on the character count of your
 *   request": here the messages' characters / 4 (OpenAI's rule of thumb, "1
 *   token ~= 4 chars in English", in its "What are tokens" help article),
 *   each image's own tokens added.
 * - Headers on every answer ("Rate limits in headers"):
 *   `x-ratelimit-limit-requests` 60, `x-ratelimit-limit-tokens` 150000,
 *   `x-ratelimit-remaining-requests` 59, `x-ratelimit-remaining-tokens`
 *   149984, `x-ratelimit-reset-requests` "1s", `x-ratelimit-reset-tokens`
 *   "6m0s": "the time until the rate limit … resets to its initial state",
 *   as a Go duration ("120ms", "4m12.172s" in answers users posted,
 *   community.openai.com/t/541210). The request pair is sent when `rpm` is
 *   set, the token pair when `tpm` is.
 * - The limits refill continuously, not per calendar minute (the guide:
 *   limits "may be quantized, meaning they are enforced over shorter periods
 *   of time (e.g. 60,000 requests/minute may be enforced as 1,000
 *   requests/second)"; the reset headers of a nearly full limit are
 *   milliseconds): each is a bucket of `limit` refilled at `limit` per
 *   minute, and reset is the time until it is full again.
 * - Over a limit: 429 with OpenAI's body (public issue reports:
 *   BuilderIO/micro-agent#86, openai/codex#88, FoundationAgents/MetaGPT#523):
 *   `{"error":{"message":"Rate limit reached for gpt-4o in organization
 *   org-… on tokens per min (TPM): Limit 30000, Used 29937, Requested 385.
 *   Please try again in 644ms. Visit https://platform.openai.com/account/rate-limits
 *   to learn more.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}`,
 *   the requests variant "on requests per min (RPM): Limit 3, Used 3,
 *   Requested 1. Please try again in 20s. …" with type `requests`, and a
 *   request larger than the whole TPM limit "Request too large for gpt-4o in
 *   organization org-… on tokens per min (TPM): Limit 30000, Requested
 *   31538. The input or output tokens must be reduced in order to run
 *   successfully. Visit …" (TheR1D/shell_gpt#653). The guide's headers list
 *   no Retry-After, and none is sent: a client paces by the headers and the
 *   message's "try again in". A refused request consumes nothing.
 */
import type { ResolvedSimOptions } from './options.js';

/** The organization named in the 429's message. */
export const SIM_ORGANIZATION = 'org-rvbbit-sim';

const MINUTE_MS = 60_000;
const LEARN_MORE = 'Visit https://platform.openai.com/account/rate-limits to learn more.';

/** `ms` as OpenAI's headers and messages write a duration (Go's time.Duration): "20ms", "1.574s", "6m0s". */
export function openAiDuration(ms: number): string {
  const whole = Math.max(0, Math.ceil(ms));
  if (whole === 0) return '0s';
  if (whole < 1000) return `${whole}ms`;
  const hours = Math.floor(whole / 3_600_000);
  const minutes = Math.floor((whole % 3_600_000) / MINUTE_MS);
  const millis = whole % MINUTE_MS;
  const seconds = `${Math.floor(millis / 1000)}${
    millis % 1000
      ? `.${String(millis % 1000)
          .padStart(3, '0')
          .replace(/0+$/, '')}`
      : ''
  }s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}

/** A limit per minute, refilled continuously. */
class MinuteBucket {
  private level: number;
  private last: number;

  constructor(
    readonly limit: number,
    now: number,
  ) {
    this.level = limit;
    this.last = now;
  }

  /** What is left now. */
  refill(now: number): number {
    this.level = Math.min(this.limit, this.level + ((now - this.last) / MINUTE_MS) * this.limit);
    this.last = now;
    return this.level;
  }

  take(amount: number): void {
    this.level -= amount;
  }

  /** Used now, as the 429 says it (whole units). */
  used(): number {
    return Math.min(this.limit, Math.max(0, Math.ceil(this.limit - this.level)));
  }

  /** Whole units left, as the remaining header says it. */
  remaining(): number {
    return Math.max(0, Math.floor(this.level));
  }

  /** ms until `amount` is available. */
  waitMs(amount: number): number {
    return ((amount - this.level) / this.limit) * MINUTE_MS;
  }

  /** ms until it is full again. */
  resetMs(): number {
    return ((this.limit - this.level) / this.limit) * MINUTE_MS;
  }
}

/** What admission decided: the headers to send, and when refused, the 429's body and cause. */
export type Admission =
  | { readonly ok: true; readonly headers: Record<string, string> }
  | {
      readonly ok: false;
      readonly headers: Record<string, string>;
      /** OpenAI's 429 body. */
      readonly body: string;
      readonly cause: 'tokens' | 'requests';
      /** ms until the request would be admitted; null when it is larger than the whole limit. */
      readonly waitMs: number | null;
    };

/** The tokens a request counts toward TPM at admission: max(max_tokens, characters / 4 + images' tokens). */
export function admissionTokens(
  messages: readonly {
    readonly content: string;
    readonly text?: string;
    readonly images?: readonly { readonly tokens: number }[];
  }[],
  maxTokens: number | undefined,
): number {
  let chars = 0;
  let imageTokens = 0;
  for (const m of messages) {
    chars += (m.text ?? m.content).length;
    if (m.images) for (const image of m.images) imageTokens += image.tokens;
  }
  return Math.max(maxTokens ?? 0, Math.ceil(chars / 4) + imageTokens);
}

/** The `tpm` / `rpm` limits, a pair of buckets per model. */
export class OpenAiRateLimits {
  private readonly byModel = new Map<
    string,
    { requests: MinuteBucket | null; tokens: MinuteBucket | null }
  >();

  constructor(
    private readonly rpm: number | null,
    private readonly tpm: number | null,
  ) {}

  /** Whether the options set any limit. */
  static of(opts: Pick<ResolvedSimOptions, 'tpm' | 'rpm'>): OpenAiRateLimits | null {
    return opts.tpm === null && opts.rpm === null ? null : new OpenAiRateLimits(opts.rpm, opts.tpm);
  }

  /** Admits one request of `tokens` (admissionTokens) for `model` now, or refuses it. */
  admit(model: string, tokens: number, now = performance.now()): Admission {
    let pair = this.byModel.get(model);
    if (!pair) {
      pair = {
        requests: this.rpm === null ? null : new MinuteBucket(this.rpm, now),
        tokens: this.tpm === null ? null : new MinuteBucket(this.tpm, now),
      };
      this.byModel.set(model, pair);
    }
    const { requests, tokens: tokenBucket } = pair;
    const requestsLeft = requests?.refill(now) ?? Number.POSITIVE_INFINITY;
    const tokensLeft = tokenBucket?.refill(now) ?? Number.POSITIVE_INFINITY;
    const refuse = (cause: 'tokens' | 'requests', message: string, waitMs: number | null): Admission => ({
      ok: false,
      headers: headersOf(requests, tokenBucket),
      body: JSON.stringify({ error: { message, type: cause, param: null, code: 'rate_limit_exceeded' } }),
      cause,
      waitMs,
    });
    const where = `for ${model} in organization ${SIM_ORGANIZATION}`;
    if (requests && requestsLeft < 1) {
      return refuse(
        'requests',
        `Rate limit reached ${where} on requests per min (RPM): Limit ${requests.limit}, Used ${requests.used()}, Requested 1. Please try again in ${openAiDuration(requests.waitMs(1))}. ${LEARN_MORE}`,
        requests.waitMs(1),
      );
    }
    if (tokenBucket && tokens > tokenBucket.limit) {
      return refuse(
        'tokens',
        `Request too large ${where} on tokens per min (TPM): Limit ${tokenBucket.limit}, Requested ${tokens}. The input or output tokens must be reduced in order to run successfully. ${LEARN_MORE}`,
        null,
      );
    }
    if (tokenBucket && tokensLeft < tokens) {
      return refuse(
        'tokens',
        `Rate limit reached ${where} on tokens per min (TPM): Limit ${tokenBucket.limit}, Used ${tokenBucket.used()}, Requested ${tokens}. Please try again in ${openAiDuration(tokenBucket.waitMs(tokens))}. ${LEARN_MORE}`,
        tokenBucket.waitMs(tokens),
      );
    }
    requests?.take(1);
    tokenBucket?.take(tokens);
    return { ok: true, headers: headersOf(requests, tokenBucket) };
  }
}

function headersOf(requests: MinuteBucket | null, tokens: MinuteBucket | null): Record<string, string> {
  const h: Record<string, string> = {};
  if (requests) {
    h['x-ratelimit-limit-requests'] = String(requests.limit);
    h['x-ratelimit-remaining-requests'] = String(requests.remaining());
    h['x-ratelimit-reset-requests'] = openAiDuration(requests.resetMs());
  }
  if (tokens) {
    h['x-ratelimit-limit-tokens'] = String(tokens.limit);
    h['x-ratelimit-remaining-tokens'] = String(tokens.remaining());
    h['x-ratelimit-reset-tokens'] = openAiDuration(tokens.resetMs());
  }
  return h;
}

/**
 * The 429 as the azure-openai profile sends it: Azure's own body and its
 * Retry-After, not OpenAI's (public reports of Azure's 429:
 * microsoft/sample-app-aoai-chatGPT#406, learn.microsoft.com Q&A 2140040,
 * langchain-ai/langchain#12986): `{"error":{"code":"429","message":"Requests
 * to the ChatCompletions_Create Operation under Azure OpenAI API version
 * 2024-10-01-preview have exceeded token rate limit of your current OpenAI S0
 * pricing tier. Please retry after 37 seconds. Please go here:
 * https://aka.ms/oai/quotaincrease if you would like to further increase the
 * default rate limit."}}` ("call rate limit" for requests per minute;
 * `Embeddings_Create` for embeddings), with `retry-after` (seconds) and
 * `retry-after-ms` headers (Azure's quota guidance: "follow the
 * retry-after-ms header"). The v1 paths carry no api-version: the message
 * says `v1` there (no report shows that wording). A request over the whole
 * limit waits the minute the limit takes to refill.
 */
export function azureRateLimited(
  refusal: Extract<Admission, { ok: false }>,
  operation: 'ChatCompletions_Create' | 'Embeddings_Create',
  apiVersion: string | undefined,
): { readonly body: string; readonly headers: Record<string, string> } {
  const waitMs = Math.ceil(refusal.waitMs ?? MINUTE_MS);
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  const kind = refusal.cause === 'tokens' ? 'token' : 'call';
  const message =
    `Requests to the ${operation} Operation under Azure OpenAI API version ${apiVersion ?? 'v1'} have exceeded ` +
    `${kind} rate limit of your current OpenAI S0 pricing tier. Please retry after ${seconds} seconds. ` +
    'Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.';
  return {
    body: JSON.stringify({ error: { code: '429', message } }),
    headers: { ...refusal.headers, 'retry-after': String(seconds), 'retry-after-ms': String(waitMs) },
  };
}
