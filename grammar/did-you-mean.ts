/**
 * "Did you mean …?" for a word the dialect does not know: the nearest known
 * word by edit distance, case ignored — Levenshtein's (the
 * `fastest-levenshtein` package), with the swap of two neighbouring letters
 * counted as one edit (`modle` → model, `FITLER` → FILTER), as the annotation
 * keys' misspellings are (annotations.ts). Only error paths call this;
 * parsing never does.
 */
import { distance } from 'fastest-levenshtein';

/**
 * The edits a word of `length` letters may be away from a known word and
 * still read as its misspelling: 1 up to 5 letters, 2 up to 8, then 3
 * (`MEANZ` → MEANS, `IMPLYS` → IMPLIES, `LLM_FITLER` → LLM_FILTER).
 */
export const maxEdits = (length: number): number => Math.min(3, Math.max(1, Math.floor(length / 3)));

/**
 * The candidate `word` most likely misspells, as the candidate is written, or
 * undefined: the nearest within maxEdits of the longer of the two (ties go to
 * the candidate listed first). A word equal to a candidate (case ignored) is
 * no misspelling of anything: undefined.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toUpperCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const up = c.toUpperCase();
    if (up === w) return undefined;
    if (Math.abs(up.length - w.length) > 3) continue;
    const d = swapDistance(w, up);
    if (d <= maxEdits(Math.max(w.length, up.length)) && d < w.length && d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** The distance didYouMean measures (case ignored), for callers weighing its answer against another. */
export const wordDistance = (a: string, b: string): number => swapDistance(a.toUpperCase(), b.toUpperCase());

/** Levenshtein distance, or one swap of neighbouring letters in `a` and then Levenshtein's, whichever is less. */
function swapDistance(a: string, b: string): number {
  let d = distance(a, b);
  for (let i = 0; d > 1 && i + 1 < a.length; i++) {
    if (a[i] === a[i + 1]) continue;
    d = Math.min(d, 1 + distance(a.slice(0, i) + a[i + 1] + a[i] + a.slice(i + 2), b));
  }
  return d;
}

/** ` — did you mean X?` for a suggestion (quoted with `quote`), '' for none. */
export const meaning = (meant: string | undefined, quote = ''): string =>
  meant === undefined ? '' : ` — did you mean ${quote}${meant}${quote}?`;
