/**
 * A PDF's streams, inflated here with a count before pdf.js reads the file,
 * and the file refused past the document's inflate bound: pdf.js inflates a
 * stream into one buffer that doubles as it grows (outside the V8 heap the
 * parser thread's cap limits) and has no bound of its own, so a 4 MB content
 * stream of zeros, or an embedded font, reached gigabytes. Every stream the
 * file holds counts (a content stream, a font, an object stream, an image: a
 * stream's role is no safe guide, pdf.js reads /Contents whatever its dict
 * says), through its chain of filters: FlateDecode and LZWDecode (the
 * expanding ones), RunLengthDecode, ASCIIHexDecode and ASCII85Decode, each
 * stage's output counted (pdf.js holds each stage's buffer). Output is only
 * counted, never kept: memory here is a slice and a stage's window.
 *
 * Streams are found as pdf.js finds their data: the keyword `stream` (not
 * `endstream`), data from the next line on, for its dict's /Length when
 * `endstream` follows there, else up to the next `endstream`. The dict is
 * read at its own level only (a /Filter inside /DecodeParms is not the
 * stream's), and a filter given by reference is looked up (`N G obj`). A
 * filter this cannot read (a reference it cannot find) is tried as Flate.
 * Image codecs (DCT, JPX, JBIG2, CCITT) are not decoded for text, and not
 * counted.
 */
import { Inflate } from 'fflate';
import type { InflateBudget } from './document-limits.js';

/** The data is fed to the decoders this much at a time: one Flate push inflates to at most ~1,032 times it (about 1 MiB). */
const SLICE_BYTES = 1024;
/** How far back from `stream` its dict is looked for (a longer one is read as unknown: its stream tried as Flate). */
const DICT_LOOKBACK = 4 * 1024;

type Sink = (chunk: Uint8Array) => void;
interface Stage {
  push(chunk: Uint8Array): void;
  end(): void;
}

/** Inflates (counts) every stream of `pdf` against `budget`; throws its DOCUMENT_TOO_LARGE past the bound. */
export function countPdfStreams(pdf: Uint8Array, budget: InflateBudget): void {
  const buf = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  const refs = new Map<string, string>();
  let from = 0;
  for (;;) {
    const at = buf.indexOf('stream', from, 'latin1');
    if (at < 0) return;
    from = at + 6;
    if (at >= 3 && buf.toString('latin1', at - 3, at) === 'end') continue;
    // A dict this cannot read (too long, odd) leaves the stream's filters unknown: tried as Flate.
    const head: { dict?: string; object?: string } = dictBefore(buf, at) ?? {};
    let start = at + 6;
    // As pdf.js: the data starts after the end of the keyword's line.
    while (start < buf.length && buf[start] !== 0x0a && buf[start] !== 0x0d) start++;
    if (buf[start] === 0x0d) start++;
    if (buf[start] === 0x0a) start++;
    const length = head.dict === undefined ? undefined : directInt(head.dict, 'Length');
    let end = buf.indexOf('endstream', start, 'latin1');
    if (end < 0) end = buf.length;
    if (
      length !== undefined &&
      start + length <= buf.length &&
      /^\s*endstream/.test(buf.toString('latin1', start + length, Math.min(buf.length, start + length + 16)))
    )
      end = start + length;
    const filters = head.dict === undefined ? ['FlateDecode'] : filtersOf(buf, head.dict, refs);
    const part =
      head.object === undefined ? `the stream at byte ${at}` : `the stream of object ${head.object}`;
    decodeCounted(buf.subarray(start, end), filters, budget, part);
    from = Math.max(from, end);
  }
}

/** The dict just before a `stream` keyword (`<< … >>`, comments after it skipped) and its object's number, if any. */
function dictBefore(buf: Buffer, at: number): { dict: string; object?: string } | undefined {
  const text = buf.toString('latin1', Math.max(0, at - DICT_LOOKBACK), at);
  let close = text.trimEnd();
  for (let m = /%[^\r\n]*$/.exec(close); m; m = /%[^\r\n]*$/.exec(close))
    close = close.slice(0, m.index).trimEnd();
  if (!close.endsWith('>>')) return undefined;
  // Back to the `<<` that opens it, counting nested dicts.
  let depth = 0;
  for (let i = close.length - 2; i >= 0; i--) {
    if (close.startsWith('>>', i)) {
      depth++;
      i--;
    } else if (close.startsWith('<<', i)) {
      depth--;
      if (depth === 0) {
        const object = /(\d+\s+\d+)\s+obj\s*$/
          .exec(close.slice(Math.max(0, i - 40), i))?.[1]
          ?.replace(/\s+/, ' ');
        return { dict: close.slice(i), ...(object ? { object } : {}) };
      }
      i--;
    }
  }
  return undefined;
}

/** The dict's own top-level entries (nested dicts and arrays as raw text), strings skipped. */
function topLevel(dict: string): Map<string, string> {
  const out = new Map<string, string>();
  let depth = 0;
  let key: string | undefined;
  let valueStart = -1;
  const close = (i: number) => {
    if (key !== undefined && valueStart >= 0) out.set(key, dict.slice(valueStart, i).trim());
    key = undefined;
    valueStart = -1;
  };
  for (let i = 0; i < dict.length; i++) {
    const c = dict[i]!;
    if (c === '(') {
      // A literal string: balanced parentheses, backslash escapes.
      let nest = 1;
      for (i++; i < dict.length && nest > 0; i++) {
        if (dict[i] === '\\') i++;
        else if (dict[i] === '(') nest++;
        else if (dict[i] === ')') nest--;
      }
      i--;
      continue;
    }
    if (dict.startsWith('<<', i)) {
      depth++;
      i++;
      continue;
    }
    if (dict.startsWith('>>', i)) {
      if (depth === 1) close(i);
      depth--;
      i++;
      continue;
    }
    if (c === '[' || (c === '<' && depth >= 1)) {
      if (c === '[') depth++;
      continue;
    }
    if (c === ']') {
      depth--;
      continue;
    }
    if (depth === 1 && c === '/') {
      const name = /^\/([^\s/<>[\]()%]*)/.exec(dict.slice(i))![1]!;
      if (key === undefined) {
        key = name;
        valueStart = i + 1 + name.length;
        i += name.length;
      } else if (valueStart >= 0 && dict.slice(valueStart, i).trim() === '') {
        // A name as the value: this key's value, then the next key.
        out.set(key, `/${name}`);
        key = undefined;
        valueStart = -1;
        i += name.length;
      } else {
        close(i);
        key = name;
        valueStart = i + 1 + name.length;
        i += name.length;
      }
    }
  }
  return out;
}

function directInt(dict: string, name: string): number | undefined {
  const v = topLevel(dict).get(name);
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** The stream's filters, in order (references looked up; one that cannot be read is 'FlateDecode'). */
function filtersOf(buf: Buffer, dict: string, refs: Map<string, string>): string[] {
  const entries = topLevel(dict);
  const value = entries.get('Filter') ?? entries.get('F');
  if (value === undefined) return [];
  const resolved = resolveRef(buf, value, refs);
  const items = resolved.startsWith('[') ? resolved.slice(1, resolved.lastIndexOf(']')) : resolved;
  const names: string[] = [];
  const tokens = items.match(/\/[^\s/<>[\]()%]+|\d+\s+\d+\s+R/g) ?? [];
  for (const t of tokens) {
    const name = resolveRef(buf, t, refs);
    names.push(name.startsWith('/') ? name.slice(1) : 'FlateDecode');
  }
  return names.length > 0 ? names : ['FlateDecode'];
}

/** `N G R` as the value its object holds (trimmed), else the text as it is; looked up once per document. */
function resolveRef(buf: Buffer, value: string, refs: Map<string, string>): string {
  const ref = /^(\d+)\s+(\d+)\s+R$/.exec(value.trim());
  if (!ref) return value.trim();
  const key = `${ref[1]} ${ref[2]}`;
  const known = refs.get(key);
  if (known !== undefined) return known;
  let found = value.trim();
  const head = `${key} obj`;
  for (let at = buf.indexOf(head, 0, 'latin1'); at >= 0; at = buf.indexOf(head, at + 1, 'latin1')) {
    // `2 0 obj` is no match inside `12 0 obj`.
    if (at > 0 && buf[at - 1]! >= 0x30 && buf[at - 1]! <= 0x39) continue;
    const m = /obj\s*([\s\S]*?)\s*endobj/.exec(buf.toString('latin1', at, Math.min(buf.length, at + 4096)));
    if (m) found = m[1]!.trim();
    break;
  }
  refs.set(key, found);
  return found;
}

/** Runs the data through its filters, each stage's output counted; a stage that fails ends the count (pdf.js stops there too). */
function decodeCounted(
  data: Uint8Array,
  filters: readonly string[],
  budget: InflateBudget,
  part: string,
): void {
  let sink: Sink = () => undefined;
  const stages: Stage[] = [];
  for (let i = filters.length - 1; i >= 0; i--) {
    const next = sink;
    const counted: Sink = (chunk) => {
      budget.spend(chunk.length, part);
      next(chunk);
    };
    const stage = stageOf(filters[i]!, counted);
    if (stage === undefined) {
      // An image codec or an unknown filter: what follows it is not decoded for text.
      stages.length = 0;
      sink = () => undefined;
      continue;
    }
    stages.unshift(stage);
    sink = (chunk) => stage.push(chunk);
  }
  if (stages.length === 0) return;
  try {
    for (let at = 0; at < data.length; at += SLICE_BYTES) sink(data.subarray(at, at + SLICE_BYTES));
    for (const s of stages) s.end();
  } catch (err) {
    if ((err as { code?: string }).code === 'DOCUMENT_TOO_LARGE') throw err;
  }
}

function stageOf(name: string, out: Sink): Stage | undefined {
  switch (name) {
    case 'Fl':
    case 'FlateDecode':
      return flate(out);
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
 * (a bad one: pdf.js reads the stream as empty), then raw deflate.
 */
function flate(out: Sink): Stage {
  let header: number[] | undefined = [];
  let bad = false;
  let done = false;
  const inflate = new Inflate((chunk) => out(chunk));
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
      // In slices: a stage after another gets that one's output in chunks of up to ~1 MiB.
      for (let at = 0; at < data.length; at += SLICE_BYTES)
        inflate.push(data.subarray(at, at + SLICE_BYTES), false);
    },
    end() {
      if (done || bad || header !== undefined) return;
      done = true;
      try {
        inflate.push(new Uint8Array(0), true);
      } catch (err) {
        // A stream cut short: counted as far as it went.
        if ((err as { code?: string }).code === 'DOCUMENT_TOO_LARGE') throw err;
      }
    },
  };
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
