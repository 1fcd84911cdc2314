/**
 * Provider keys kept out of every text a user or a log can see. A key can
 * come back inside a provider's error body, or inside a model's answer (a
 * prompt that quoted it), and from there into an error message: "expected a
 * boolean answer, got {"brand":"sk-…"}". Each thread remembers the keys it
 * was given (the engine its provider's, a worker those of the tasks it runs)
 * and errors are cleaned where they are made (RvbbitError, errorMessage, a
 * row's failure), so no path has to remember to.
 */

const remembered = new Set<string>();

/** Keeps `secret` out of every error text made in this thread from now on (keys shorter than 4 characters are not matched). */
export function rememberSecret(secret: string | undefined): void {
  const s = secret?.trim();
  if (s && s.length >= 4) remembered.add(s);
}

/** `text` with every remembered key replaced by `[redacted]`. */
export function withoutSecrets(text: string): string {
  let out = text;
  for (const s of remembered) out = redact(out, s);
  return out;
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

/** One regular expression per key, made once (a process holds a few keys at most). */
const patterns = new Map<string, RegExp>();

function secretPattern(secret: string): RegExp {
  const known = patterns.get(secret);
  if (known) {
    known.lastIndex = 0;
    return known;
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
  const pattern = new RegExp(`(?:${source})|${whole.join('|')}`, 'g');
  patterns.set(secret, pattern);
  return pattern;
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
