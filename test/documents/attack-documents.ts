/**
 * Documents built to exhaust a parser, made small here (the bounds the tests
 * set are small too): PDFs written byte by byte (a content stream of zeros,
 * an embedded font compressed twice, a page of compressed text, thousands of
 * pages), a DOCX whose zip headers lie about its body, an HTML page of
 * newlines in a <pre>, and one of nested tags.
 */
import { deflateRawSync, deflateSync, constants as zlibConstants } from 'node:zlib';
import { docxBomb } from './fixtures.js';

type PdfObject = string | { readonly dict: string; readonly data: Uint8Array };

/** A PDF of these objects (object i + 1), the first its catalog, with a correct xref table. */
export function rawPdf(objects: readonly PdfObject[]): Uint8Array {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n', 'latin1')];
  let length = parts[0]!.length;
  const push = (b: Buffer) => {
    parts.push(b);
    length += b.length;
  };
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(length);
    if (typeof o === 'string') push(Buffer.from(`${i + 1} 0 obj\n${o}\nendobj\n`, 'latin1'));
    else {
      push(Buffer.from(`${i + 1} 0 obj\n<< ${o.dict} /Length ${o.data.length} >>\nstream\n`, 'latin1'));
      push(Buffer.from(o.data));
      push(Buffer.from('\nendstream\nendobj\n', 'latin1'));
    }
  });
  const xref = length;
  const table = offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  push(
    Buffer.from(
      `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${table}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(parts);
}

const HELVETICA = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';

/** One page (object 3) whose content is object 5, with font object 4. */
function onePage(font: string, content: PdfObject, more: readonly PdfObject[] = []): Uint8Array {
  return rawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    font,
    content,
    ...more,
  ]);
}

/** A page whose content stream is `data` under these filters (`/Filter …` as written in its dict). */
export function pdfWithContent(filter: string, data: Uint8Array): Uint8Array {
  return onePage(HELVETICA, { dict: `/Filter ${filter}`, data });
}

/**
 * A page whose content stream, and `streams - 1` more streams, are each
 * `kib` KiB of zeros deflated and then damaged: a zlib header, deflate
 * blocks that are not the last, then a block of the reserved type (an
 * error after the zeros inflate). A reader inflates each up to the damage.
 */
export function damagedFlatePdf(streams: number, kib: number): Uint8Array {
  const blocks = deflateRawSync(Buffer.alloc(kib * 1024), {
    level: 9,
    finishFlush: zlibConstants.Z_SYNC_FLUSH,
  });
  const data = Buffer.concat([Buffer.from([0x78, 0x9c]), blocks, Buffer.from([0x07, 0xff, 0xff])]);
  const stream = { dict: '/Filter /FlateDecode', data };
  return onePage(
    HELVETICA,
    stream,
    Array.from({ length: streams - 1 }, () => stream),
  );
}

/**
 * LZW codes all ones (0xFF bytes): each code is past the decoder's table, so
 * pdf.js repeats its sequence one byte longer each time: output quadratic in
 * the input (8 KB makes tens of MB).
 */
export function lzwQuadraticBomb(bytes: number): Uint8Array {
  return Buffer.alloc(bytes, 0xff);
}

/** RunLength pairs (257 − 129 = 128 copies of a byte): 64 times the input. */
export function runLengthBomb(bytes: number): Uint8Array {
  const out = Buffer.alloc(bytes - (bytes % 2));
  for (let i = 0; i < out.length; i += 2) out[i] = 129;
  return out;
}

/** A page whose content stream is `mib` MiB of zeros, deflated (a few KB). */
export function pdfZeroBomb(mib: number): Uint8Array {
  const zeros = deflateSync(Buffer.alloc(mib * 1024 * 1024), { level: 9 });
  return onePage(HELVETICA, { dict: '/Filter /FlateDecode', data: zeros });
}

/**
 * A page whose TrueType font program (object 7) is `mib` MiB of zeros
 * deflated twice, [/FlateDecode /FlateDecode]: its first inflate is small,
 * its second the bomb.
 */
export function pdfFontBomb(mib: number): Uint8Array {
  const twice = deflateSync(deflateSync(Buffer.alloc(mib * 1024 * 1024), { level: 9 }), { level: 9 });
  const text = Buffer.from('BT /F1 12 Tf 50 700 Td (hello) Tj ET', 'latin1');
  return onePage(
    '<< /Type /Font /Subtype /TrueType /BaseFont /Bomb /FirstChar 32 /LastChar 126 /FontDescriptor 6 0 R >>',
    { dict: '', data: text },
    [
      '<< /Type /FontDescriptor /FontName /Bomb /Flags 32 /FontBBox [0 0 1000 1000] /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile2 7 0 R >>',
      { dict: '/Filter [/FlateDecode /FlateDecode]', data: twice },
    ],
  );
}

/**
 * A page of `lines` lines of 1,000 characters of text each, its content
 * deflated (text hundreds of times its size). Each line at its own height:
 * pdf.js drops text drawn again where it was drawn (fake bold).
 */
export function pdfTextBomb(lines: number): Uint8Array {
  const text = 'A'.repeat(1000);
  const content = Array.from(
    { length: lines },
    (_, i) => `BT /F1 1 Tf ${5 + Math.floor(i / 780) * 3} ${i % 780} Td (${text}) Tj ET\n`,
  ).join('');
  return onePage(HELVETICA, {
    dict: '/Filter /FlateDecode',
    data: deflateSync(Buffer.from(content, 'latin1'), { level: 9 }),
  });
}

/**
 * `pages` pages sharing one content stream: "page text" and `strokes` line
 * strokes. A slow document in little space: the parser reads the stream
 * again for each page (PDFium: about 1 ms of CPU a page per 1,000 strokes,
 * 7.5 s for the default 1,500 pages of 5,000), and its text stays small.
 */
export function manyPagePdf(pages: number, strokes = 5_000): Uint8Array {
  const kids = Array.from({ length: pages }, (_, i) => `${5 + i} 0 R`).join(' ');
  const page =
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>';
  return rawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`,
    HELVETICA,
    {
      dict: '',
      data: Buffer.from(
        `BT /F1 12 Tf 50 700 Td (page text) Tj ET ${'0 0 m 1 1 l S '.repeat(strokes)}`,
        'latin1',
      ),
    },
    ...Array.from({ length: pages }, () => page),
  ]);
}

/** docxBomb(mib) with its body's sizes, in the local and central headers, made to say 1,000 bytes. */
export function lyingDocxBomb(mib: number): Uint8Array {
  const lying = Buffer.from(docxBomb(mib));
  for (let at = lying.indexOf('PK\u0001\u0002'); at >= 0; at = lying.indexOf('PK\u0001\u0002', at + 4)) {
    if (lying.toString('latin1', at + 46, at + 46 + 17) === 'word/document.xml')
      lying.writeUInt32LE(1000, at + 24);
  }
  for (let at = lying.indexOf('PK\u0003\u0004'); at >= 0; at = lying.indexOf('PK\u0003\u0004', at + 4)) {
    if (lying.toString('latin1', at + 30, at + 30 + 17) === 'word/document.xml')
      lying.writeUInt32LE(1000, at + 22);
  }
  return lying;
}

/** An HTML page whose <pre> holds `n` newlines. */
export function preNewlinesHtml(n: number): Uint8Array {
  return Buffer.from(`<html><body><pre>${'\n'.repeat(n)}</pre></body></html>`, 'latin1');
}

/** An HTML page of `n` nested <div>s. */
export function nestedHtml(n: number): Uint8Array {
  return Buffer.from(`<html><body>${'<div>'.repeat(n)}deep</body></html>`, 'latin1');
}
