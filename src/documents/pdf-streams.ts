/**
 * A PDF's streams, inflated here with a count before PDFium reads the file,
 * and the file refused past the document's inflate bound
 * (maxDocumentInflateBytes, DOCUMENT_TOO_LARGE naming the stream). Written
 * for pdf.js, the reader before, which inflated a stream into one buffer
 * that doubled as it grew with no bound of its own (a 4 MB content stream of
 * zeros, or an embedded font, reached gigabytes); PDFium's memory has a cap
 * of its own (pdfium.ts), so this is the bound a document's inflating is
 * held to and the cap the backstop for what this does not see. Every stream
 * the file holds counts (a content stream, a font, an object stream, an
 * image: a stream's role is no safe guide, a reader may take /Contents
 * whatever its dict says), through its chain of filters: FlateDecode and
 * LZWDecode (the expanding ones), RunLengthDecode, ASCIIHexDecode and
 * ASCII85Decode, each stage's output counted (the decoders:
 * pdf-filters.ts). Output is counted, not kept: a Flate stage's output is
 * held up to the budget left, the others' a 64 KiB window.
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
import type { InflateBudget } from './document-limits.js';
import { type Sink, SLICE_BYTES, type Stage, stageOf } from './pdf-filters.js';

/** How far back from `stream` its dict is looked for (a longer one is read as unknown: its stream tried as Flate). */
const DICT_LOOKBACK = 4 * 1024;

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
    const stage = stageOf(filters[i]!, counted, budget.limit - budget.inflated);
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
