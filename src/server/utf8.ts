/**
 * Text from clients must be valid UTF-8, as Postgres requires of a UTF8
 * database: a bad byte is refused (22021, `invalid byte sequence for
 * encoding "UTF8": 0xc3 0x28`), never turned into U+FFFD. A NUL byte is
 * refused too, as Postgres does for text. Valid input takes the fast native
 * check; only a bad one is walked in JS, to name the bytes.
 */
import { isUtf8 } from 'node:buffer';
import { RvbbitError } from '../../base/errors.js';

const strict = new TextDecoder('utf-8', { fatal: true });

/** The text of `bytes`; throws INVALID_UTF8 naming the first bad sequence. */
export function decodeUtf8(bytes: Uint8Array, where = ''): string {
  if (!isValidUtf8(bytes)) throw invalidUtf8(bytes, firstInvalid(bytes), where);
  return strict.decode(bytes);
}

export function isValidUtf8(bytes: Uint8Array): boolean {
  return bytes.indexOf(0) < 0 && isUtf8(bytes);
}

/**
 * Offset of the first byte sequence that is not UTF-8 (strict: no overlong
 * forms, surrogates or code points past U+10FFFF; NUL refused), or -1. With
 * `final` false an incomplete sequence at the end is not an error (more bytes
 * may follow): its start is `incompleteTail(bytes)`.
 */
export function firstInvalid(bytes: Uint8Array, final = true): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b > 0 && b < 0x80) {
      i++;
      continue;
    }
    const need = sequenceLength(b);
    if (need === 0) return i;
    for (let k = 1; k < need; k++) {
      if (i + k >= n) return final ? i : -1;
      const c = bytes[i + k]!;
      const [lo, hi] = k === 1 ? secondByteRange(b) : [0x80, 0xbf];
      if (c < lo || c > hi) return i;
    }
    i += need;
  }
  return -1;
}

/** Where an incomplete (so far valid) sequence at the end of `bytes` starts, or bytes.length. */
export function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const b = bytes[bytes.length - back]!;
    if (b >= 0x80 && b < 0xc0) continue;
    return sequenceLength(b) > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/** Postgres' message: the bytes of the bad character (as many as its first byte announces). */
export function invalidUtf8(bytes: Uint8Array, at: number, where = ''): RvbbitError {
  const announced = announcedLength(bytes[at] ?? 0);
  const shown = Array.from(
    bytes.subarray(at, Math.min(bytes.length, at + announced)),
    (b) => `0x${b.toString(16).padStart(2, '0')}`,
  );
  return new RvbbitError(
    'INVALID_UTF8',
    `invalid byte sequence for encoding "UTF8": ${shown.join(' ')}${where}`,
  );
}

/** How many bytes a lead byte claims by its high bits (pg_utf_mblen), valid or not. */
function announcedLength(lead: number): number {
  if (lead >= 0xc0 && lead < 0xe0) return 2;
  if (lead >= 0xe0 && lead < 0xf0) return 3;
  if (lead >= 0xf0 && lead < 0xf8) return 4;
  return 1;
}

/** Bytes in the sequence a lead byte starts; 0 when it cannot start one (a continuation byte, C0, C1, F5–FF, NUL). */
function sequenceLength(b: number): number {
  if (b > 0 && b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

/** The second byte's range (Unicode table 3-7): it rules out overlong forms, surrogates and > U+10FFFF. */
function secondByteRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}
