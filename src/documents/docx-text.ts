/**
 * A DOCX file's text: its body (`word/document.xml`, ECMA-376 Part 1 §17.2),
 * headers, footers, footnotes and endnotes (§17.10, §17.11; PART_ORDER says
 * in what order), a line per paragraph (`w:p`), `w:t` runs joined, `w:tab` a
 * tab, `w:br` and `w:cr` a line break; a numbered paragraph starts with its
 * list's label (docx-numbering.ts, from `word/numbering.xml`), a note's
 * reference and the note itself with its mark as Word numbers them (`[1]`:
 * footnotes 1, 2, 3 …, endnotes i, ii, iii …, in the order the text refers
 * to them). The zip is read with fflate's
 * streaming Unzip: only those entries are inflated, chunk by chunk with a count, so a zip bomb (a
 * few KB that inflate to gigabytes) is stopped at the bound whatever sizes
 * its headers declare. The zip is pushed in slices of ZIP_SLICE_BYTES: fflate
 * inflates all of a push at once before it hands over a byte, so the whole
 * file pushed at once (a 4 MB bomb whose header lies) inflated to gigabytes
 * before the count saw any; a slice inflates to at most ~1,032 times its size (about 1 MiB).
 */
import { Unzip, type UnzipFile, UnzipInflate } from 'fflate';
import { Parser } from 'htmlparser2';
import { DocumentError } from './document-error.js';
import { type DocumentLimits, InflateBudget, inflateTooLarge, TextBudget } from './document-limits.js';
import { DocxNumbering, roman } from './docx-numbering.js';

const BODY = 'word/document.xml';
/** Read for the lists' labels, not for text. */
const NUMBERING = 'word/numbering.xml';

/**
 * The parts read besides the body, and the order the text gives them in:
 * what a printed page shows at its top (headers), the body, what it shows at
 * its foot (footnotes), what the document ends with (endnotes), then footers;
 * a blank line between parts. Headers and footers are read each once, in
 * their parts' names' order (header1.xml, header2.xml, …: a section's first,
 * even and default pages may each have one).
 */
const PART_ORDER = [
  /^word\/header\d*\.xml$/,
  BODY,
  'word/footnotes.xml',
  'word/endnotes.xml',
  /^word\/footer\d*\.xml$/,
];

/** Where a part goes in the text (PART_ORDER), or -1 when it is not read. */
function partRank(name: string): number {
  return PART_ORDER.findIndex((p) => (typeof p === 'string' ? p === name : p.test(name)));
}

/** The zip is pushed to the inflater this much at a time: one push inflates to at most ~1,032 times this (deflate's ratio). */
export const ZIP_SLICE_BYTES = 1024;

export function docxText(bytes: Uint8Array, limits: DocumentLimits): string {
  const budget = new InflateBudget('DOCX', limits.maxInflateBytes);
  /** Each part read, its inflated chunks (all parts together within the budget). */
  const parts = new Map<string, Uint8Array[]>();
  let names = 0;
  let failure: DocumentError | undefined;
  const unzip = new Unzip((file: UnzipFile) => {
    names++;
    if ((partRank(file.name) < 0 && file.name !== NUMBERING) || parts.has(file.name) || failure) return;
    const chunks: Uint8Array[] = [];
    parts.set(file.name, chunks);
    if (file.originalSize !== undefined && file.originalSize > budget.limit) {
      failure = inflateTooLarge('DOCX', file.name, 'declares', file.originalSize, budget.limit);
      return;
    }
    file.ondata = (err, chunk, _final) => {
      if (failure) return;
      if (err) {
        failure = new DocumentError(
          'DOCUMENT_DAMAGED',
          `DOCX: ${file.name} does not inflate: ${err.message}`,
        );
        file.terminate();
        return;
      }
      try {
        budget.spend(chunk.length, file.name);
      } catch (e) {
        failure = e as DocumentError;
        file.terminate();
        return;
      }
      chunks.push(chunk);
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  try {
    for (let at = 0; at < bytes.length && !failure; at += ZIP_SLICE_BYTES) {
      const end = Math.min(at + ZIP_SLICE_BYTES, bytes.length);
      unzip.push(bytes.subarray(at, end), end === bytes.length);
    }
    if (bytes.length === 0) unzip.push(bytes, true);
  } catch (err) {
    if (failure) throw failure;
    throw new DocumentError('DOCUMENT_DAMAGED', `DOCX: the zip is damaged: ${(err as Error).message}`);
  }
  if (failure) throw failure;
  if (!parts.has(BODY)) {
    throw new DocumentError(
      'DOCUMENT_DAMAGED',
      names === 0
        ? 'DOCX: the zip holds no file (damaged or cut short)'
        : `DOCX: the zip holds no ${BODY}: it is a zip but not a Word document`,
    );
  }
  const numbering = parts.get(NUMBERING);
  parts.delete(NUMBERING);
  const marks: DocxMarks = {
    numbering: new DocxNumbering(numbering && Buffer.concat(numbering).toString('utf8')),
    footnote: new Map(),
    endnote: new Map(),
  };
  const ordered = [...parts.keys()].sort(
    (a, b) => partRank(a) - partRank(b) || a.localeCompare(b, 'en', { numeric: true }),
  );
  const out = new TextBudget('DOCX', limits.maxBytes);
  for (const name of ordered) {
    const xml = Buffer.concat(parts.get(name)!).toString('utf8');
    parts.delete(name);
    // Each part counted against what the document has left; one with no text (a header of an image alone) adds nothing.
    const text = partText(xml, new TextBudget('DOCX', limits.maxBytes, out.length), name === BODY, marks);
    if (text.trim() === '' && name !== BODY) continue;
    if (out.length > 0) out.append('\n\n');
    out.append(text);
  }
  return out.toString();
}

/** What the parts share: the lists' counts, and each note's number (its id → the order it was first referred to). */
interface DocxMarks {
  numbering: DocxNumbering;
  footnote: Map<string, number>;
  endnote: Map<string, number>;
}

/** A note's mark as Word shows it by default: footnotes 1, 2, 3 …; endnotes i, ii, iii …. */
function noteMark(kind: 'footnote' | 'endnote', n: number): string {
  return `[${kind === 'footnote' ? n : roman(n).toLowerCase()}]`;
}

/**
 * A part's paragraphs, a line each, counted in `out`. The body's paragraphs are
 * those inside w:body; a notes part's are its notes' but the separators
 * Word keeps there (w:footnote w:type="separator", …).
 */
function partText(xml: string, out: TextBudget, isBody: boolean, marks: DocxMarks): string {
  let paragraphs = 0;
  const paragraph = (text: string) => {
    if (paragraphs++ > 0) out.append('\n');
    out.append(text);
  };
  // A paragraph's runs, joined at its end (`+=` of a million runs keeps a tree of a million pieces).
  const current: string[] = [];
  let inText = false;
  let reading = !isBody;
  /** Inside a separator note (w:type other than normal): its paragraphs are not text. */
  let separator = false;
  /** The note being read (a notes part): its mark goes where its w:footnoteRef / w:endnoteRef stands. */
  let note: { kind: 'footnote' | 'endnote'; id: string } | undefined;
  /** The paragraph's list (w:numPr), its label put before its runs at its end. */
  let numId: string | undefined;
  let ilvl: string | undefined;
  /** Inside a tracked change's record of the paragraph's old properties (w:pPrChange): its list is not the paragraph's. */
  let oldProperties = false;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'w:body') reading = true;
        else if (name === 'w:footnote' || name === 'w:endnote') {
          const type = attributes['w:type'];
          separator = type !== undefined && type !== 'normal';
          note = { kind: name === 'w:footnote' ? 'footnote' : 'endnote', id: attributes['w:id'] ?? '' };
        } else if (name === 'w:footnoteReference' || name === 'w:endnoteReference') {
          const kind = name === 'w:footnoteReference' ? 'footnote' : 'endnote';
          const numbers = marks[kind];
          const id = attributes['w:id'] ?? '';
          if (!numbers.has(id)) numbers.set(id, numbers.size + 1);
          current.push(noteMark(kind, numbers.get(id)!));
        } else if ((name === 'w:footnoteRef' || name === 'w:endnoteRef') && note !== undefined) {
          // A note no text refers to has no number to show.
          const n = marks[note.kind].get(note.id);
          if (n !== undefined) current.push(noteMark(note.kind, n));
        } else if (name === 'w:pPrChange') oldProperties = true;
        else if (name === 'w:numId' && !oldProperties) numId = attributes['w:val'];
        else if (name === 'w:ilvl' && !oldProperties) ilvl = attributes['w:val'];
        else if (name === 'w:t') inText = true;
        else if (name === 'w:tab') current.push('\t');
        else if (name === 'w:br' || name === 'w:cr') current.push('\n');
      },
      ontext(text) {
        if (inText) current.push(text);
      },
      onclosetag(name) {
        if (name === 'w:t') inText = false;
        else if (name === 'w:pPrChange') oldProperties = false;
        else if (name === 'w:footnote' || name === 'w:endnote') {
          separator = false;
          note = undefined;
        } else if (name === 'w:p') {
          // Counted only where it is shown: a list's paragraph outside the body's text does not move its count.
          const label =
            numId !== undefined && reading && !separator ? marks.numbering.label(numId, ilvl) : '';
          if (reading && !separator) paragraph(label + current.join(''));
          current.length = 0;
          numId = undefined;
          ilvl = undefined;
        }
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(xml);
  parser.end();
  if (current.length > 0 && reading && !separator) paragraph(current.join(''));
  return out.toString();
}
