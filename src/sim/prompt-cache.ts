/**
 * Prompt caching as OpenAI reports it (Prompt caching guide: "Caching is
 * available for prompts containing 1024 tokens or more, with cache hits
 * occurring in increments of 128 tokens. Therefore, the number of cached
 * tokens in a request will always fall within the following sequence: 1024,
 * 1152, 1280, 1408, and so on"; "All requests, including those with fewer
 * than 1024 tokens, will display a `cached_tokens` field").
 *
 * The cache counts a prompt in characters / 4 (the simulator's count unless
 * it counts as OpenAI does, completion.ts; then the cached part is clamped to
 * the prompt, chat-handler.ts), so a prompt's prefix of 1024 tokens is its first 4096 characters of message text, and
 * the next ones are every 512 characters after. A request remembers the
 * hash of each such prefix (per model: the text of its messages in order,
 * each message's role marked); a later request whose prefixes include one
 * seen before reports the longest as `cached_tokens`. The first request of a
 * prompt is never cached. Tools are not part of the prefix here; a message's
 * images count no length in it, but their bytes' hashes mark the message, so
 * the same text with other images is another prefix.
 * The memory is bounded (oldest prefixes forgotten first) and deterministic:
 * the same requests in the same order report the same counts.
 */
import { createHash } from 'node:crypto';
import type { SimMessage } from './chat-request.js';

/** Characters per token (completion.ts counts tokens as characters / 4). */
const CHARS_PER_TOKEN = 4;
export const CACHE_MIN_TOKENS = 1024;
export const CACHE_STEP_TOKENS = 128;
/** Prefix hashes remembered at most. */
const MAX_PREFIXES = 200_000;

export class PromptPrefixCache {
  private readonly seen = new Map<string, number>();

  /** Cached tokens for this prompt (0 if no prefix of ≥ 1024 tokens was seen before); remembers its prefixes. */
  lookupAndRemember(model: string, messages: readonly SimMessage[]): number {
    const prefixes = prefixHashes(model, messages);
    let cached = 0;
    for (let i = prefixes.length - 1; i >= 0; i--) {
      if (this.seen.has(prefixes[i]!.hash)) {
        cached = prefixes[i]!.tokens;
        break;
      }
    }
    for (const p of prefixes) {
      if (this.seen.has(p.hash)) continue;
      if (this.seen.size >= MAX_PREFIXES) this.seen.delete(this.seen.keys().next().value as string);
      this.seen.set(p.hash, p.tokens);
    }
    return cached;
  }

  clear(): void {
    this.seen.clear();
  }
}

/** The hash of the prompt's prefix at 1024 tokens and every 128 tokens after, as far as the prompt goes. */
function prefixHashes(model: string, messages: readonly SimMessage[]): { tokens: number; hash: string }[] {
  let total = 0;
  for (const m of messages) total += (m.text ?? m.content).length;
  const first = CACHE_MIN_TOKENS * CHARS_PER_TOKEN;
  if (total < first) return [];
  const step = CACHE_STEP_TOKENS * CHARS_PER_TOKEN;
  const out: { tokens: number; hash: string }[] = [];
  const h = createHash('sha256');
  h.update(`${model}\u0000`);
  let pos = 0;
  let next = first;
  for (const m of messages) {
    h.update(`\u0001${m.role}\u0002`);
    if (m.images) for (const image of m.images) h.update(`\u0003${image.sha256}`);
    const c = m.text ?? m.content;
    let offset = 0;
    while (next <= total && pos + (c.length - offset) >= next) {
      const take = next - pos;
      h.update(c.slice(offset, offset + take));
      offset += take;
      pos = next;
      out.push({ tokens: next / CHARS_PER_TOKEN, hash: h.copy().digest('base64') });
      next += step;
    }
    h.update(c.slice(offset));
    pos += c.length - offset;
  }
  return out;
}
