/**
 * The rate-limit budget a provider announces on each answer, read from
 * OpenAI's headers (platform.openai.com/docs/guides/rate-limits, "Rate
 * limits in headers"):
 *
 *   x-ratelimit-limit-requests      60       requests permitted before the limit is exhausted
 *   x-ratelimit-limit-tokens        150000   tokens permitted before the limit is exhausted
 *   x-ratelimit-remaining-requests  59       requests still permitted
 *   x-ratelimit-remaining-tokens    149984   tokens still permitted
 *   x-ratelimit-reset-requests      1s       time until the request limit is back to its initial state
 *   x-ratelimit-reset-tokens        6m0s     time until the token limit is back to its initial state
 *
 * Groq sends the same names (console.groq.com/docs/rate-limits: its resets
 * read "2m59.56s", "7.66s"); a provider that sends none is simply not paced
 * (gate-budget.ts).
 */

/** One dimension (tokens or requests) of an announced budget. */
export interface AnnouncedLimit {
  /** The most the limit permits (a full bucket). */
  readonly limit: number;
  /** What it still permits now. */
  readonly remaining: number;
  /** Milliseconds until it is full again; undefined when the header is absent or unreadable. */
  readonly resetMs: number | undefined;
}

export interface AnnouncedBudget {
  readonly tokens?: AnnouncedLimit;
  readonly requests?: AnnouncedLimit;
}

/** The header names, lower case (the HTTP layer decodes only these of the x-ratelimit family). */
export const RATE_LIMIT_HEADERS = [
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
] as const;

const UNIT_MS: Readonly<Record<string, number>> = {
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
  us: 0.001,
  µs: 0.001,
  ns: 1e-6,
};

/**
 * A reset duration as ms: Go's duration text as OpenAI and Groq send it
 * ("6m0s", "1s", "20ms", "2m59.56s", "1h2m3s", "0s"), or bare seconds ("7",
 * "0.5", as some gateways send). Undefined when unreadable or negative.
 */
export function parseResetDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = text.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const part = /(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/y;
  let ms = 0;
  let at = 0;
  while (at < v.length) {
    part.lastIndex = at;
    const m = part.exec(v);
    if (!m) return undefined;
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = part.lastIndex;
  }
  return ms;
}

function count(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(text)) return undefined;
  return Number(text);
}

function limitOf(
  headers: Readonly<Record<string, string>>,
  kind: 'tokens' | 'requests',
): AnnouncedLimit | undefined {
  const limit = count(headers[`x-ratelimit-limit-${kind}`]);
  const remaining = count(headers[`x-ratelimit-remaining-${kind}`]);
  // A limit without what remains of it (or a limit of 0) tells nothing to pace by.
  if (limit === undefined || remaining === undefined || !(limit > 0)) return undefined;
  return {
    limit,
    remaining: Math.min(remaining, limit),
    resetMs: parseResetDuration(headers[`x-ratelimit-reset-${kind}`]),
  };
}

/** The budget an answer's headers announce (names in lower case); undefined when they announce none. */
export function announcedBudget(headers: Readonly<Record<string, string>>): AnnouncedBudget | undefined {
  if (
    headers['x-ratelimit-limit-tokens'] === undefined &&
    headers['x-ratelimit-limit-requests'] === undefined
  )
    return undefined;
  const tokens = limitOf(headers, 'tokens');
  const requests = limitOf(headers, 'requests');
  if (!tokens && !requests) return undefined;
  return { ...(tokens ? { tokens } : {}), ...(requests ? { requests } : {}) };
}
