/**
 * Documents the document tests generate: PDFs written with pdf-lib (a page's
 * lines in order), DOCX zips built with fflate (word/document.xml and its
 * content types), HTML pages, and the bad inputs: a damaged PDF, an
 * encrypted one (hand-built: a Standard security handler whose user
 * password is not empty), a zip that is no Word document, a DOCX whose body
 * inflates past the bound (a zip bomb), a 500 MB file (sparse: no disk used).
 */
import { mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, Zip, ZipDeflate, zipSync } from 'fflate';
import { PDFDocument, StandardFonts } from 'pdf-lib';

/** A PDF whose page i holds `pages[i]`'s lines, top to bottom. */
export async function pdfOf(pages: readonly (readonly string[])[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const page = doc.addPage([612, 792]);
    lines.forEach((line, i) => {
      page.drawText(line, { x: 50, y: 740 - i * 16, size: 11, font });
    });
  }
  return doc.save();
}

const xmlEscape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** The body XML of a DOCX with one paragraph per string (tabs as w:tab). */
export function docxXml(paragraphs: readonly string[]): string {
  const body = paragraphs
    .map(
      (p) =>
        `<w:p><w:pPr><w:pStyle w:val="Normal"/></w:pPr>${p
          .split('\t')
          .map((part) => `<w:r><w:t xml:space="preserve">${xmlEscape(part)}</w:t></w:r>`)
          .join('<w:r><w:tab/></w:r>')}</w:p>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}<w:sectPr/></w:body></w:document>`;
}

const CONTENT_TYPES =
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';

export function docxOf(paragraphs: readonly string[]): Uint8Array {
  return zipSync({
    '[Content_Types].xml': strToU8(CONTENT_TYPES),
    'word/document.xml': strToU8(docxXml(paragraphs)),
  });
}

/** A zip with files but no word/document.xml. */
export function plainZip(): Uint8Array {
  return zipSync({ 'notes.txt': strToU8('not a Word document'), 'data/x.csv': strToU8('a,b\n1,2\n') });
}

/** A DOCX of a few hundred KB whose word/document.xml inflates to `mib` MiB of spaces. */
export function docxBomb(mib: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const zip = new Zip((err, chunk) => {
    if (err) throw err;
    parts.push(chunk);
  });
  const types = new ZipDeflate('[Content_Types].xml');
  zip.add(types);
  types.push(strToU8(CONTENT_TYPES), true);
  const body = new ZipDeflate('word/document.xml', { level: 9 });
  zip.add(body);
  const mb = new Uint8Array(1024 * 1024).fill(0x20);
  for (let i = 0; i < mib; i++) body.push(mb, i === mib - 1);
  zip.end();
  return Buffer.concat(parts);
}

export function htmlPage(): string {
  return `<!DOCTYPE html>
<html><head><title>Master Services Agreement</title>
<style>body { font-family: serif } .x::before { content: "STYLE TEXT" }</style>
<script>document.write("SCRIPT TEXT")</script></head>
<body><h1>Indemnity</h1>
<p>The supplier shall indemnify the customer up to <b>$2,000,000</b> &amp; costs.</p>
<noscript>NOSCRIPT TEXT</noscript>
<ul><li>First item</li><li>Second   item</li></ul>
</body></html>`;
}

/** A PDF whose trailer names a Standard security handler (V1, R2) with an /U no empty password matches. */
export function encryptedPdf(): Uint8Array {
  const hex = (n: number, seed: number) =>
    Array.from({ length: n }, (_, i) => ((i * 37 + seed) & 0xff).toString(16).padStart(2, '0')).join('');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>',
    `<< /Filter /Standard /V 1 /R 2 /O <${hex(32, 1)}> /U <${hex(32, 2)}> /P -4 >>`,
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 4 0 R /ID [<${hex(16, 3)}> <${hex(16, 3)}>] >>\nstartxref\n${xref}\n%%EOF\n`;
  return strToU8(out);
}

/** A PDF header followed by bytes that are no PDF. */
export function damagedPdf(): Uint8Array {
  return strToU8(
    `%PDF-1.7\n${'this is not a PDF body at all; no objects, no xref, no trailer\n'.repeat(20)}`,
  );
}

export interface DocumentFolder {
  readonly dir: string;
  readonly outside: string;
}

/** A folder with a.pdf (3 pages), b.docx, c.html, and a folder beside it with a file outside. */
export async function contractFolder(): Promise<DocumentFolder> {
  const root = mkdtempSync(join(tmpdir(), 'rvbbit-docs-'));
  const dir = join(root, 'contracts');
  const outside = join(root, 'outside');
  for (const d of [dir, outside]) mkdirSync(d, { recursive: true });
  writeFileSync(join(dir, 'a.pdf'), await pdfOf(PDF_PAGES));
  writeFileSync(join(dir, 'b.docx'), docxOf(DOCX_PARAGRAPHS));
  writeFileSync(join(dir, 'c.html'), htmlPage());
  writeFileSync(join(outside, 'secret.html'), '<html><body><p>secret</p></body></html>');
  return { dir, outside };
}

export const PDF_PAGES = [
  ['Master Agreement between Acme and Beta', 'Section 1. Scope'],
  ['Section 7. Indemnity', 'Liability is capped at $5,000,000.'],
  ['Section 9. Term', 'Signed in Paris'],
] as const;
export const PDF_TEXT_PAGES = PDF_PAGES.map((lines) => lines.join('\n'));

export const DOCX_PARAGRAPHS = [
  'Consulting Agreement',
  'Indemnity: the consultant indemnifies the client up to $500,000.',
  'Fees\tpayable monthly & in euros <net 30>',
] as const;

export const HTML_TEXT = [
  'Master Services Agreement',
  'Indemnity',
  'The supplier shall indemnify the customer up to $2,000,000 & costs.',
  'First item',
  'Second item',
].join('\n');

/** A sparse file of `bytes` (no disk blocks written). */
export function sparseFile(path: string, bytes: number): void {
  writeFileSync(path, '');
  truncateSync(path, bytes);
}

/** mulberry32: a small seeded generator, so every run sees the same texts. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'the',
  'supplier',
  'indemnify',
  'liability',
  'capped',
  '$1,000,000',
  'Paris',
  'naïve',
  '契約',
  '責任',
  '🙂',
  'co-operate',
  'e.g.',
  '(a)',
  'Section',
];

/** Paragraphs of sentences of words (now and then a very long word), blank lines of varied shape between paragraphs. */
export function generatedText(seed: number, chars: number): string {
  const r = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  let out = '';
  while (out.length < chars) {
    const sentences = 1 + Math.floor(r() * 8);
    for (let s = 0; s < sentences; s++) {
      const words = 3 + Math.floor(r() * 25);
      const ws: string[] = [];
      for (let w = 0; w < words; w++)
        ws.push(r() < 0.01 ? 'x'.repeat(50 + Math.floor(r() * 400)) : pick(WORDS));
      out += `${ws.join(r() < 0.05 ? '  ' : ' ')}${pick(['.', '!', '?', '。'])}${pick([' ', ' ', '\n', '  '])}`;
    }
    out += pick(['\n\n', '\n\n\n', '\n \n', '\n\t\n  ']);
  }
  return out;
}
