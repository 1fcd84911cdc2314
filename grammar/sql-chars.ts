/**
 * Character-level pieces of the SQL scanner: what starts a word, and where a
 * string, quoted identifier, comment, dollar quote, number or operator ends.
 * Shared by the token scanner and the paren matcher, so both agree.
 */

export const isWordStart = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
export const isWordPart = (c: number): boolean => isWordStart(c) || (c >= 48 && c <= 57) || c === 36;
export const isDigit = (c: number): boolean => c >= 48 && c <= 57;
// Postgres operator characters: + - * / < > = ~ ! @ # % ^ & | `  (':' is handled apart)
export const OP_CHARS: ReadonlySet<number> = new Set([
  43, 45, 42, 47, 60, 62, 61, 126, 33, 64, 35, 37, 94, 38, 124, 96,
]);
const OP_SPECIAL: ReadonlySet<number> = new Set([126, 33, 64, 35, 37, 94, 38, 124, 96]);

/** End of a quoted run starting at `i` (the quote), or -1. Doubled quotes escape. */
export function skipQuoted(text: string, i: number, end: number, q: number, backslash: boolean): number {
  let j = i + 1;
  while (j < end) {
    const c = text.charCodeAt(j);
    if (backslash && c === 92) j += 2;
    else if (c === q) {
      if (j + 1 < end && text.charCodeAt(j + 1) === q) j += 2;
      else return j + 1;
    } else j++;
  }
  return -1;
}

/** Block comments nest, as in DuckDB and Postgres; returns the end or -1. */
export function blockCommentEnd(text: string, i: number, end = text.length): number {
  return skipBlockComment(text, i, end);
}

export function skipBlockComment(text: string, i: number, end: number): number {
  let depth = 0;
  let j = i;
  while (j < end) {
    const c = text.charCodeAt(j);
    const n = j + 1 < end ? text.charCodeAt(j + 1) : -1;
    if (c === 47 && n === 42) {
      depth++;
      j += 2;
    } else if (c === 42 && n === 47) {
      depth--;
      j += 2;
      if (depth === 0) return j;
    } else j++;
  }
  return -1;
}

/** `$tag$` or `$$`: returns the index after the second `$`, or -1. */
export function dollarTagEnd(text: string, i: number, end: number): number {
  let j = i + 1;
  if (j < end && text.charCodeAt(j) === 36) return j + 1;
  if (j >= end || !isWordStart(text.charCodeAt(j))) return -1;
  while (j < end && isWordPart(text.charCodeAt(j)) && text.charCodeAt(j) !== 36) j++;
  return j < end && text.charCodeAt(j) === 36 ? j + 1 : -1;
}

export function skipNumber(text: string, i: number, end: number): number {
  let j = i;
  while (j < end && isDigit(text.charCodeAt(j))) j++;
  if (j < end && text.charCodeAt(j) === 46) {
    j++;
    while (j < end && isDigit(text.charCodeAt(j))) j++;
  }
  const c = j < end ? text.charCodeAt(j) : -1;
  if (c === 101 || c === 69) {
    let k = j + 1;
    const sign = k < end ? text.charCodeAt(k) : -1;
    if (sign === 43 || sign === 45) k++;
    if (k < end && isDigit(text.charCodeAt(k))) {
      while (k < end && isDigit(text.charCodeAt(k))) k++;
      j = k;
    }
  }
  return j;
}

/** Postgres rule: a multi-char operator stops before `--`/`/*`, and drops a trailing +/- unless it has ~!@#%^&|`. */
export function opEnd(text: string, i: number, end: number): number {
  let j = i + 1;
  while (j < end) {
    const c = text.charCodeAt(j);
    if (!OP_CHARS.has(c)) break;
    const n = j + 1 < end ? text.charCodeAt(j + 1) : -1;
    if ((c === 45 && n === 45) || (c === 47 && n === 42)) break;
    j++;
  }
  if (j - i > 1) {
    let special = false;
    for (let k = i; k < j; k++) if (OP_SPECIAL.has(text.charCodeAt(k))) special = true;
    if (!special) {
      while (j - i > 1) {
        const last = text.charCodeAt(j - 1);
        if (last !== 43 && last !== 45) break;
        j--;
      }
    }
  }
  return j;
}
