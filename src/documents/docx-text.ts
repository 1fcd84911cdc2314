/**
 * A DOCX file's text: its body (`word/document.xml`, ECMA-376 Part 1 §17.2),
 * a line per paragraph (`w:p`), `w:t` runs joined, `w:tab` a tab, `w:br` and
 * `w:cr` a line break. The zip is read with fflate's streaming Unzip: only
 * that one entry is inflated, chunk by chunk with a count, so a zip bomb (a
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

const BODY = 'word/document.xml';

/** The zip is pushed to the inflater this much at a time: one push inflates to at most ~1,032 times this (deflate's ratio). */
export const ZIP_SLICE_BYTES = 1024;

export function docxText(bytes: Uint8Array, limits: DocumentLimits): string {
  const budget = new InflateBudget('DOCX', limits.maxInflateBytes);
  const chunks: Uint8Array[] = [];
  let found = false;
  let names = 0;
  let failure: DocumentError | undefined;
  const unzip = new Unzip((file: UnzipFile) => {
    names++;
    if (file.name !== BODY || failure) return;
    found = true;
    if (file.originalSize !== undefined && file.originalSize > budget.limit) {
      failure = inflateTooLarge('DOCX', BODY, 'declares', file.originalSize, budget.limit);
      return;
    }
    file.ondata = (err, chunk, _final) => {
      if (failure) return;
      if (err) {
        failure = new DocumentError('DOCUMENT_DAMAGED', `DOCX: ${BODY} does not inflate: ${err.message}`);
        file.terminate();
        return;
      }
      try {
        budget.spend(chunk.length, BODY);
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
  if (!found) {
    throw new DocumentError(
      'DOCUMENT_DAMAGED',
      names === 0
        ? 'DOCX: the zip holds no file (damaged or cut short)'
        : `DOCX: the zip holds no ${BODY}: it is a zip but not a Word document`,
    );
  }
  return bodyText(Buffer.concat(chunks).toString('utf8'), limits.maxBytes);
}

/** The body's paragraphs, a line each, counted against the document's text bound. */
function bodyText(xml: string, maxChars: number): string {
  const out = new TextBudget('DOCX', maxChars);
  let paragraphs = 0;
  const paragraph = (text: string) => {
    if (paragraphs++ > 0) out.append('\n');
    out.append(text);
  };
  // A paragraph's runs, joined at its end (`+=` of a million runs keeps a tree of a million pieces).
  const current: string[] = [];
  let inText = false;
  let inBody = false;
  const parser = new Parser(
    {
      onopentagname(name) {
        if (name === 'w:body') inBody = true;
        else if (name === 'w:t') inText = true;
        else if (name === 'w:tab') current.push('\t');
        else if (name === 'w:br' || name === 'w:cr') current.push('\n');
      },
      ontext(text) {
        if (inText) current.push(text);
      },
      onclosetag(name) {
        if (name === 'w:t') inText = false;
        else if (name === 'w:p' && inBody) {
          paragraph(current.join(''));
          current.length = 0;
        }
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(xml);
  parser.end();
  if (current.length > 0) paragraph(current.join(''));
  return out.toString();
}
