/**
 * A DOCX file's text: its body (`word/document.xml`, ECMA-376 Part 1 §17.2),
 * a line per paragraph (`w:p`), `w:t` runs joined, `w:tab` a tab, `w:br` and
 * `w:cr` a line break. The zip is read with fflate's streaming Unzip: only
 * that one entry is inflated, and it is inflated chunk by chunk with a count,
 * so a zip bomb (a few KB that inflate to gigabytes) is stopped at the bound
 * whatever sizes its headers declare.
 */
import { Unzip, type UnzipFile, UnzipInflate } from 'fflate';
import { Parser } from 'htmlparser2';
import { DocumentError } from './document-error.js';

const BODY = 'word/document.xml';

/** The most bytes of XML the body may inflate to (a 500-page contract is a few MB of XML). */
export const MAX_DOCX_XML_BYTES = 64 * 1024 * 1024;

export function docxText(bytes: Uint8Array, maxXmlBytes = MAX_DOCX_XML_BYTES): string {
  const chunks: Uint8Array[] = [];
  let inflated = 0;
  let found = false;
  let names = 0;
  let failure: DocumentError | undefined;
  const unzip = new Unzip((file: UnzipFile) => {
    names++;
    if (file.name !== BODY || failure) return;
    found = true;
    if (file.originalSize !== undefined && file.originalSize > maxXmlBytes) {
      failure = tooLarge(file.originalSize, maxXmlBytes, 'declares');
      return;
    }
    file.ondata = (err, chunk, _final) => {
      if (failure) return;
      if (err) {
        failure = new DocumentError('DOCUMENT_DAMAGED', `DOCX: ${BODY} does not inflate: ${err.message}`);
        file.terminate();
        return;
      }
      inflated += chunk.length;
      if (inflated > maxXmlBytes) {
        failure = tooLarge(inflated, maxXmlBytes, 'inflates to more than');
        file.terminate();
        return;
      }
      chunks.push(chunk);
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  try {
    unzip.push(bytes, true);
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
  return bodyText(Buffer.concat(chunks).toString('utf8'));
}

function tooLarge(size: number, limit: number, verb: string): DocumentError {
  return new DocumentError(
    'DOCUMENT_TOO_LARGE',
    `DOCX: ${BODY} ${verb} ${size} bytes; the limit is ${limit} bytes (a zip bomb, or a document far larger than any text)`,
    { bytes: size, limit },
  );
}

function bodyText(xml: string): string {
  const paragraphs: string[] = [];
  let current = '';
  let inText = false;
  let inBody = false;
  const parser = new Parser(
    {
      onopentagname(name) {
        if (name === 'w:body') inBody = true;
        else if (name === 'w:t') inText = true;
        else if (name === 'w:tab') current += '\t';
        else if (name === 'w:br' || name === 'w:cr') current += '\n';
      },
      ontext(text) {
        if (inText) current += text;
      },
      onclosetag(name) {
        if (name === 'w:t') inText = false;
        else if (name === 'w:p' && inBody) {
          paragraphs.push(current);
          current = '';
        }
      },
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(xml);
  parser.end();
  if (current !== '') paragraphs.push(current);
  return paragraphs.join('\n');
}
