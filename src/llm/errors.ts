/**
 * Error codes of the LLM client. Every rejection of `LlmClient.chat` is an
 * RvbbitError with one of these codes (or `LLM_HTTP_<status>` for a 4xx).
 */

import { LLM_ERROR, type LlmErrorCode } from '../../base/error-codes.js';
import { RvbbitError } from '../../base/errors.js';

export { LLM_ERROR, type LlmErrorCode };

export function llmError(
  code: LlmErrorCode,
  message: string,
  detail: Record<string, unknown> = {},
): RvbbitError {
  return new RvbbitError(code, message, detail);
}

/** A provider's text for an error message: one line, at most 300 characters (redact it first). */
export function excerpt(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 300 ? `${t.slice(0, 300)}…` : t;
}

/** A failure the retry layer may try again (429, 5xx, reset, deadline, malformed body). */
export class RetryableFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number | null,
    /** Milliseconds the server asked us to wait (Retry-After), if it did. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetryableFailure';
  }
}

/**
 * Replaces every occurrence of the secret in a text: keys never leave the
 * client. Matches the key trimmed and as a provider may echo it: each
 * character literal in any letter case, percent-encoded (%2D, any case) or
 * JSON-escaped (\u002d, any case; \/ for a slash), in any mixture; the
 * whole key as hex (any case) or base64 (standard or URL-safe, padded or
 * not, alone or inside a longer base64 text such as a Basic credential).
 */
export function redact(text: string, secret: string | undefined): string {
  const s = secret?.trim();
  if (!s || s.length < 4) return text;
  return text.replace(secretPattern(s), '[redacted]');
}

let lastSecret = '';
let lastPattern = /$^/g;

/** One regular expression per key (cached: a client redacts with one key). */
function secretPattern(secret: string): RegExp {
  if (secret === lastSecret) {
    lastPattern.lastIndex = 0;
    return lastPattern;
  }
  let source = '';
  for (const ch of secret) {
    const upper = ch.toUpperCase();
    const lower = ch.toLowerCase();
    const literal = ch.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
    const forms = [
      upper !== lower && upper.length === 1 && lower.length === 1 ? `[${lower}${upper}]` : literal,
    ];
    const percent = encodeURIComponent(ch);
    forms.push(
      percent === ch
        ? `%${hex2(ch.charCodeAt(0))}`
        : percent.replace(/%([0-9A-F]{2})/g, (_m, h: string) => `%${caseless(h)}`),
    );
    let units = '';
    for (let i = 0; i < ch.length; i++)
      units += `\\\\u${caseless(ch.charCodeAt(i).toString(16).padStart(4, '0'))}`;
    forms.push(units);
    if (ch === '/') forms.push('\\\\/');
    source += `(?:${forms.join('|')})`;
  }
  const bytes = new TextEncoder().encode(secret);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const whole = [...base64Forms(bytes), caseless(hex)];
  lastSecret = secret;
  lastPattern = new RegExp(`(?:${source})|${whole.join('|')}`, 'g');
  return lastPattern;
}

/**
 * The key's base64 as it stands inside any base64 text: with 0, 1 or 2 bytes
 * before it the key's characters fall on a different alignment, so each of
 * the three yields the characters that only the key's bits decide (the first
 * and last, shared with neighbouring bytes, are left out), in the standard
 * and the URL-safe alphabet, escaped for a RegExp.
 */
function base64Forms(key: Uint8Array): string[] {
  const out = new Set<string>();
  for (const before of [0, 1, 2]) {
    // No Buffer: this module is also bundled for the browser (the playground's grammar errors).
    const padded = new Uint8Array(before + key.length);
    padded.set(key, before);
    const b64 = btoa(String.fromCharCode(...padded));
    const from = Math.ceil((before * 8) / 6);
    const to = Math.floor(((before + key.length) * 8) / 6);
    const core = b64.slice(from, to);
    if (core.length < 4) continue;
    out.add(core);
    out.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...out].map((f) => f.replace(/[+/]/g, '\\$&'));
}

function hex2(code: number): string {
  return caseless(code.toString(16).padStart(2, '0'));
}

/** A hex string matched in either case: "2d" → "2[dD]". */
function caseless(hex: string): string {
  return hex.replace(/[a-fA-F]/g, (c) => `[${c.toLowerCase()}${c.toUpperCase()}]`);
}
