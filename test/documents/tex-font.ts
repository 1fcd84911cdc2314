/**
 * A PDF set in a font as TeX's tools embed Computer Modern (glpk's manuals,
 * made with dvipdfmx): a Type 1 font program whose own (built-in) encoding
 * puts TeX's OT1 ligatures at codes 11–15 (ff fi fl ffi ffl), the font's
 * dict with no /Encoding, and a /ToUnicode map that names only some of the
 * codes (ff alone, here: glpk's CMR10 maps ff and ffi). Every other code has
 * no Unicode in the file: a reader takes it from the glyph's name in the font
 * program, as poppler does.
 *
 * The font program is built here (Adobe Type 1 Font Format, ch. 7): its
 * clear-text part (the encoding), then the eexec-encrypted private part,
 * each glyph a charstring `0 500 hsbw endchar` (no outline: text only).
 */
import { PDFDocument, PDFName, PDFNumber } from 'pdf-lib';

/** The glyphs the font has: the letters of the test's words and TeX's five ligatures at OT1's codes. */
const LIGATURE_CODES: Record<number, string> = { 11: 'ff', 12: 'fi', 13: 'fl', 14: 'ffi', 15: 'ffl' };

/** Type 1 encryption (§7.1): eexec with key 55665, charstrings with 4330; `skip` plaintext bytes first. */
function encrypt(plain: Uint8Array, key: number, skip: number): Uint8Array {
  const input = new Uint8Array(skip + plain.length);
  input.set(plain, skip);
  let r = key;
  const out = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const c = input[i]! ^ (r >> 8);
    out[i] = c;
    r = ((c + r) * 52845 + 22719) & 0xffff;
  }
  return out;
}

/** `0 500 hsbw endchar`: 0 is 139, 500 is 248 136 (§6.2), hsbw 13, endchar 14. */
const EMPTY_GLYPH = encrypt(Uint8Array.of(139, 248, 136, 13, 14), 4330, 4);

/** The ligature font's glyphs: the letters a–z, space, and TeX's five ligatures at OT1's codes. */
function ligatureGlyphs(): Record<number, string> {
  const names: Record<number, string> = { ...LIGATURE_CODES };
  for (let c = 0x61; c <= 0x7a; c++) names[c] = String.fromCharCode(c);
  names[0x20] = 'space';
  return names;
}

/** A Type 1 program whose built-in encoding gives code → glyph name as `names` says. */
function type1Program(names: Record<number, string>): {
  program: Uint8Array;
  length1: number;
  length2: number;
} {
  const clear = Buffer.from(
    [
      '%!PS-AdobeFont-1.0: TeXLigatures 001',
      '11 dict begin',
      '/FontName /TeXLigatures def',
      '/PaintType 0 def',
      '/FontType 1 def',
      '/FontMatrix [0.001 0 0 0.001 0 0] readonly def',
      '/Encoding 256 array',
      '0 1 255 {1 index exch /.notdef put} for',
      ...Object.entries(names).map(([code, name]) => `dup ${code} /${name} put`),
      'readonly def',
      '/FontBBox {0 0 500 700} readonly def',
      'currentdict end',
      'currentfile eexec',
      '',
    ].join('\n'),
    'latin1',
  );
  const glyphs = ['.notdef', ...Object.values(names)];
  const parts: Buffer[] = [
    Buffer.from(
      `dup /Private 8 dict dup begin\n/RD {string currentfile exch readstring pop} executeonly def\n/ND {noaccess def} executeonly def\n/NP {noaccess put} executeonly def\n/MinFeature {16 16} def\n/password 5839 def\n2 index /CharStrings ${glyphs.length} dict dup begin\n`,
      'latin1',
    ),
  ];
  for (const g of glyphs) {
    parts.push(
      Buffer.from(`/${g} ${EMPTY_GLYPH.length} RD `, 'latin1'),
      Buffer.from(EMPTY_GLYPH),
      Buffer.from(' ND\n'),
    );
  }
  parts.push(
    Buffer.from(
      'end\nend\nreadonly put\nnoaccess put\ndup /FontName get exch definefont pop\nmark currentfile closefile\n',
      'latin1',
    ),
  );
  const secret = encrypt(Buffer.concat(parts), 55665, 4);
  return {
    program: Buffer.concat([clear, Buffer.from(secret)]),
    length1: clear.length,
    length2: secret.length,
  };
}

/**
 * A one-page PDF drawing `text` (bytes: codes 11–15 are the ligatures) in
 * the TeX-like font; with `partialUnicodeMap` its ToUnicode names only code
 * 11 (ff → U+FB00), as glpk's; without, the font has no ToUnicode.
 */
export async function texLigaturePdf(text: string, partialUnicodeMap: boolean): Promise<Uint8Array> {
  return type1FontPdf(text, { fontName: 'ABCDEF+CMR10', glyphs: ligatureGlyphs(), partialUnicodeMap });
}

/**
 * A one-page PDF drawing `text` in a font like the METAFONT fonts mf2pt1
 * converts (xy-pic's XYDASH, in graphs.pdf): a Type 1 program whose glyphs
 * are named by a number (here a66 at code 66, `B`; a124 at 124, `|`; a12 at
 * 33, `!`: names ITC Zapf Dingbats also has), no ToUnicode map, named
 * `fontName`; and the letters a–z and space named as letters.
 */
export async function numberedGlyphPdf(text: string, fontName: string): Promise<Uint8Array> {
  const glyphs: Record<number, string> = { ...ligatureGlyphs(), 66: 'a66', 124: 'a124', 33: 'a12' };
  return type1FontPdf(text, { fontName, glyphs, partialUnicodeMap: false });
}

async function type1FontPdf(
  text: string,
  {
    fontName,
    glyphs,
    partialUnicodeMap,
  }: { fontName: string; glyphs: Record<number, string>; partialUnicodeMap: boolean },
): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const { program, length1, length2 } = type1Program(glyphs);
  const fontFile = doc.context.flateStream(program, {
    Length1: length1,
    Length2: length2,
    Length3: 0,
  });
  const descriptor = doc.context.obj({
    Type: 'FontDescriptor',
    FontName: PDFName.of(fontName),
    Flags: 4,
    FontBBox: [0, 0, 500, 700],
    ItalicAngle: 0,
    Ascent: 700,
    Descent: 0,
    CapHeight: 700,
    StemV: 80,
    FontFile: doc.context.register(fontFile),
  });
  const toUnicode = doc.context.flateStream(
    '/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /TeX-partial def /CMapType 2 def\n1 begincodespacerange <00> <FF> endcodespacerange\n1 beginbfchar <0B> <FB00> endbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end',
  );
  const font = doc.context.obj({
    Type: 'Font',
    Subtype: 'Type1',
    BaseFont: PDFName.of(fontName),
    FirstChar: 0,
    LastChar: 255,
    Widths: new Array(256).fill(PDFNumber.of(500)),
    FontDescriptor: doc.context.register(descriptor),
    ...(partialUnicodeMap ? { ToUnicode: doc.context.register(toUnicode) } : {}),
  });
  const page = doc.addPage([612, 792]);
  page.node.setFontDictionary(PDFName.of('F1'), doc.context.register(font));
  const hex = Buffer.from(text, 'latin1').toString('hex');
  page.node.set(
    PDFName.of('Contents'),
    doc.context.register(doc.context.flateStream(`BT /F1 10 Tf 50 700 Td <${hex}> Tj ET`)),
  );
  return doc.save();
}
