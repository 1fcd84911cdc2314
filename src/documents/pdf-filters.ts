/**
 * PDF stream filters as counting decoders (pdf-streams.ts feeds them): each
 * stage takes its input in pieces and hands on its output in pieces of at
 * most 1 MiB (Flate) or 64 KiB (the others), so what a stream decodes to is
 * counted as it is made. Flate (Node's zlib after the zlib header pdf.js
 * checks, its output held up to the budget left and stopped past it: the
 * memory it takes is at most the inflate bound; fflate's streaming inflater
 * for a stream zlib finds damaged), LZW as pdf.js decodes it, RunLength,
 * ASCIIHex, ASCII85 (these hold a 64 KiB window); image codecs are none of
 * these.
 */
import { constants, inflateRawSync } from 'node:zlib';
import { Inflate } from 'fflate';

/** Input is fed to a stage this much at a time. */
export const SLICE_BYTES = 1024;

export type Sink = (chunk: Uint8Array) => void;
export interface Stage {
  push(chunk: Uint8Array): void;
  end(): void;
}

/** The counting decoder of a filter pdf.js decodes for text, or undefined (an image codec, an unknown name). */
export function stageOf(name: string, out: Sink, room: number): Stage | undefined {
  switch (name) {
    case 'Fl':
    case 'FlateDecode':
      return flate(out, room);
    case 'LZW':
    case 'LZWDecode':
      return lzw(out);
    case 'RL':
    case 'RunLengthDecode':
      return runLength(out);
    case 'AHx':
    case 'ASCIIHexDecode':
      return asciiHex(out);
    case 'A85':
    case 'ASCII85Decode':
      return ascii85(out);
    default:
      return undefined;
  }
}

/**
 * FlateDecode: a zlib stream. Its 2-byte header checked as pdf.js checks it
 * (a bad one: pdf.js reads the stream as empty), then raw deflate: the
 * compressed bytes gathered (at most the file's size), inflated at the end
 * by Node's zlib, whose output may reach `room` bytes (the budget left) and
 * no more: past it zlib stops, 16 KiB past at most, and the stage hands on
 * `room + 1` bytes' count, which ends the budget. 20 times faster than
 * fflate's streaming inflater fed 1 KiB at a time (debian-reference.en.pdf:
 * 24 ms against 547), which counts a stream zlib finds damaged (zlib gives
 * nothing of it: its output up to the damage counts, see `streamed`).
 */
function flate(out: Sink, room: number): Stage {
  let header: number[] | undefined = [];
  let bad = false;
  let done = false;
  const input: Uint8Array[] = [];
  return {
    push(chunk) {
      if (done || bad) return;
      let data = chunk;
      if (header !== undefined) {
        const need = 2 - header.length;
        header.push(...data.subarray(0, need));
        data = data.subarray(need);
        if (header.length < 2) return;
        const [cmf, flg] = header as [number, number];
        bad = (cmf & 0x0f) !== 8 || ((cmf << 8) + flg) % 31 !== 0 || (flg & 0x20) !== 0;
        header = undefined;
        if (bad) return;
      }
      if (data.length > 0) input.push(data);
    },
    end() {
      if (done || bad || header !== undefined) return;
      done = true;
      const compressed = input.length === 1 ? input[0]! : Buffer.concat(input);
      input.length = 0;
      let inflated: Buffer;
      try {
        // A stream cut short gives what it has (a sync flush at its end), not an error.
        inflated = inflateRawSync(compressed, {
          maxOutputLength: room + 1,
          finishFlush: constants.Z_SYNC_FLUSH,
        });
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
          // Past the room left: counted as one byte more than it, which ends the budget.
          countPast(room, out);
          return;
        }
        streamed(compressed, out);
        return;
      }
      // Handed on in pieces: a stage after this one takes its input as it comes.
      for (let at = 0; at < inflated.length; at += OUT_PIECE_BYTES)
        out(inflated.subarray(at, at + OUT_PIECE_BYTES));
    },
  };
}

/** Inflated output is handed to the next stage this much at a time. */
const OUT_PIECE_BYTES = 1024 * 1024;

/** Hands on `room + 1` zero bytes' count, a piece at a time: the counting sink throws past its budget. */
function countPast(room: number, out: Sink): void {
  const piece = new Uint8Array(Math.min(room + 1, OUT_PIECE_BYTES));
  for (let left = room + 1; left > 0; left -= piece.length)
    out(piece.subarray(0, Math.min(left, piece.length)));
}

/**
 * A damaged stream is fed to fflate this much at a time: the push that meets
 * the damage hands on nothing (fflate emits a push's output as it ends), so a
 * damaged stream counts to within ~64 KiB of what it inflates to.
 */
const DAMAGED_SLICE_BYTES = 64;

/** A raw deflate stream zlib found damaged, inflated with fflate as far as it goes and counted. */
function streamed(compressed: Uint8Array, out: Sink): void {
  const inflate = new Inflate((chunk) => out(chunk));
  try {
    for (let at = 0; at < compressed.length; at += DAMAGED_SLICE_BYTES)
      inflate.push(compressed.subarray(at, at + DAMAGED_SLICE_BYTES), false);
    inflate.push(new Uint8Array(0), true);
  } catch (err) {
    // Corrupt or cut short: counted as far as it went.
    if ((err as { code?: string }).code === 'DOCUMENT_TOO_LARGE') throw err;
  }
}

/** Output gathered to this size before it is handed on (LZW, RunLength, ASCII). */
const OUT_BYTES = 64 * 1024;

function buffered(out: Sink): {
  byte(b: number): void;
  bytes(src: Uint8Array, from: number, to: number): void;
  flush(): void;
} {
  let buf = new Uint8Array(OUT_BYTES);
  let n = 0;
  const flush = () => {
    if (n === 0) return;
    out(buf.subarray(0, n));
    buf = new Uint8Array(OUT_BYTES);
    n = 0;
  };
  return {
    byte(b) {
      buf[n++] = b;
      if (n === OUT_BYTES) flush();
    },
    bytes(src, from, to) {
      for (let i = from; i < to; i++) {
        buf[n++] = src[i]!;
        if (n === OUT_BYTES) flush();
      }
    },
    flush,
  };
}

/**
 * LZWDecode as pdf.js decodes it (its LZWStream, EarlyChange 1), so the
 * count is of what pdf.js would make: a code past the table repeats the
 * current sequence one byte longer each time (no error), which makes output
 * quadratic in the codes; that is counted too, and stopped at the bound.
 */
function lzw(out: Sink): Stage {
  const o = buffered(out);
  const SIZE = 4096;
  const values = new Uint8Array(SIZE);
  const lengths = new Uint16Array(SIZE);
  const prevCodes = new Uint16Array(SIZE);
  const sequence = new Uint8Array(SIZE);
  for (let i = 0; i < 256; i++) {
    values[i] = i;
    lengths[i] = 1;
  }
  let sequenceLength = 0;
  let nextCode = 258;
  let codeLength = 9;
  let prevCode = 0;
  let cached = 0;
  let bitsCached = 0;
  let ended = false;
  const code = (c: number) => {
    const hasPrev = sequenceLength > 0;
    if (c < 256) {
      sequence[0] = c;
      sequenceLength = 1;
    } else if (c >= 258) {
      if (c < nextCode) {
        sequenceLength = lengths[c]!;
        for (let j = sequenceLength - 1, q = c; j >= 0; j--) {
          if (j < SIZE) sequence[j] = values[q]!;
          q = prevCodes[q]!;
        }
      } else {
        if (sequenceLength < SIZE) sequence[sequenceLength] = sequence[0]!;
        sequenceLength++;
      }
    } else if (c === 256) {
      codeLength = 9;
      nextCode = 258;
      sequenceLength = 0;
      return;
    } else {
      ended = true;
      return;
    }
    if (hasPrev) {
      if (nextCode < SIZE) {
        prevCodes[nextCode] = prevCode;
        lengths[nextCode] = lengths[prevCode]! + 1;
        values[nextCode] = sequence[0]!;
      }
      nextCode++;
      const n = nextCode + 1;
      codeLength = n & (n - 1) ? codeLength : Math.min(Math.log2(n) + 1, 12) | 0;
    }
    prevCode = c;
    for (let j = 0; j < sequenceLength; j++) o.byte(j < SIZE ? sequence[j]! : 0);
  };
  return {
    push(chunk) {
      for (let i = 0; i < chunk.length && !ended; i++) {
        cached = ((cached << 8) | chunk[i]!) >>> 0;
        bitsCached += 8;
        while (bitsCached >= codeLength && !ended) {
          bitsCached -= codeLength;
          code((cached >>> bitsCached) & ((1 << codeLength) - 1));
        }
        cached &= (1 << bitsCached) - 1;
      }
    },
    end: () => o.flush(),
  };
}

/** RunLengthDecode: a length byte, then that many + 1 bytes, or 257 − it copies of the next; 128 ends. */
function runLength(out: Sink): Stage {
  const o = buffered(out);
  let state: { kind: 'len' } | { kind: 'copy'; left: number } | { kind: 'repeat'; times: number } = {
    kind: 'len',
  };
  let ended = false;
  return {
    push(chunk) {
      for (let i = 0; i < chunk.length && !ended; i++) {
        const b = chunk[i]!;
        if (state.kind === 'len') {
          if (b === 128) ended = true;
          else if (b < 128) state = { kind: 'copy', left: b + 1 };
          else state = { kind: 'repeat', times: 257 - b };
        } else if (state.kind === 'copy') {
          o.byte(b);
          if (--state.left === 0) state = { kind: 'len' };
        } else {
          for (let k = 0; k < state.times; k++) o.byte(b);
          state = { kind: 'len' };
        }
      }
    },
    end: () => o.flush(),
  };
}

/** ASCIIHexDecode: two hex digits a byte, whitespace skipped, `>` ends. */
function asciiHex(out: Sink): Stage {
  const o = buffered(out);
  let high = -1;
  let ended = false;
  return {
    push(chunk) {
      for (let i = 0; i < chunk.length && !ended; i++) {
        const c = chunk[i]!;
        if (c === 0x3e) {
          ended = true;
          break;
        }
        const d = hexDigit(c);
        if (d < 0) continue;
        if (high < 0) high = d;
        else {
          o.byte((high << 4) | d);
          high = -1;
        }
      }
    },
    end() {
      if (high >= 0) o.byte(high << 4);
      o.flush();
    },
  };
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** ASCII85Decode: five characters four bytes, `z` four zeros, `~>` ends. */
function ascii85(out: Sink): Stage {
  const o = buffered(out);
  const group: number[] = [];
  let ended = false;
  const flushGroup = () => {
    if (group.length < 2) return;
    const n = group.length;
    while (group.length < 5) group.push(84);
    let v = 0;
    for (const g of group) v = v * 85 + g;
    for (let k = 0; k < n - 1; k++) o.byte((v >>> (24 - 8 * k)) & 0xff);
    group.length = 0;
  };
  return {
    push(chunk) {
      for (let i = 0; i < chunk.length && !ended; i++) {
        const c = chunk[i]!;
        if (c === 0x7e) {
          ended = true;
          break;
        }
        if (c === 0x7a && group.length === 0) {
          for (let k = 0; k < 4; k++) o.byte(0);
          continue;
        }
        if (c < 0x21 || c > 0x75) continue;
        group.push(c - 0x21);
        if (group.length === 5) flushGroup();
      }
    },
    end() {
      flushGroup();
      o.flush();
    },
  };
}
