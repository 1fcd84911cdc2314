/**
 * Glyphs a PDF font names only by a number: no character, where PDFium reads
 * one. A simple font with no ToUnicode map gets its characters from its
 * glyphs' names (the Adobe Glyph List: `B`, `fi`, `uni2192`). PDFium also
 * looks the names of ITC Zapf Dingbats up (`a1` … `a191`) in every font,
 * so a font whose glyphs are named `a<code>`, as mf2pt1 names the glyphs of
 * the METAFONT fonts it converts (xy-pic's arrow heads and line pieces:
 * XYDASH, XYATIP …), reads as dingbats: `⑤`, `☞`, `❈`. poppler maps those
 * names as Zapf Dingbats only in a font named ZapfDingbats; elsewhere the
 * name is a number, and pdftotext writes the code (`B`, `BB`, `LL`: letters
 * that are not text either). Such a glyph has no character: the text gives
 * U+FFFD for it, as for any glyph the document gives no character for
 * (clean-text.ts).
 *
 * A character PDFium read as a Zapf Dingbats glyph is checked against its
 * font: a font that is not a Zapf Dingbats font and whose program names a
 * glyph so (a CFF font's strings, a Type 1 font's clear-text encoding) had
 * the name, not the dingbat. Each font's program is read once a document,
 * at most MAX_FONT_PROGRAM_BYTES of it; a font without a program (Type 3,
 * the standard 14) or with another kind (TrueType, OpenType) keeps PDFium's
 * reading.
 */
import { type PdfiumExports, PdfiumMemoryError } from './pdfium.js';

/**
 * ITC Zapf Dingbats' glyph names (`a<number>`) by the code point PDFium reads
 * each as: Adobe's zapfdingbats.txt (the Adobe Glyph List for New Fonts'
 * companion), as `number:hex` pairs.
 */
const ZAPF_DINGBATS =
  '1:2701 2:2702 3:2704 4:260e 5:2706 6:271d 7:271e 8:271f 9:2720 10:2721 11:261b 12:261e ' +
  '13:270c 14:270d 15:270e 16:270f 17:2711 18:2712 19:2713 20:2714 21:2715 22:2716 23:2717 ' +
  '24:2718 25:2719 26:271a 27:271b 28:271c 29:2722 30:2723 31:2724 32:2725 33:2726 34:2727 ' +
  '35:2605 36:2729 37:272a 38:272b 39:272c 40:272d 41:272e 42:272f 43:2730 44:2731 45:2732 ' +
  '46:2733 47:2734 48:2735 49:2736 50:2737 51:2738 52:2739 53:273a 54:273b 55:273c 56:273d ' +
  '57:273e 58:273f 59:2740 60:2741 61:2742 62:2743 63:2744 64:2745 65:2746 66:2747 67:2748 ' +
  '68:2749 69:274a 70:274b 71:25cf 72:274d 73:25a0 74:274f 75:2751 76:25b2 77:25bc 78:25c6 ' +
  '79:2756 81:25d7 82:2758 83:2759 84:275a 85:276f 86:2771 87:2772 88:2773 89:2768 90:2769 ' +
  '91:276c 92:276d 93:276a 94:276b 95:2774 96:2775 97:275b 98:275c 99:275d 100:275e 101:2761 ' +
  '102:2762 103:2763 104:2764 105:2710 106:2765 107:2766 108:2767 109:2660 110:2665 111:2666 ' +
  '112:2663 117:2709 118:2708 119:2707 120:2460 121:2461 122:2462 123:2463 124:2464 125:2465 ' +
  '126:2466 127:2467 128:2468 129:2469 130:2776 131:2777 132:2778 133:2779 134:277a 135:277b ' +
  '136:277c 137:277d 138:277e 139:277f 140:2780 141:2781 142:2782 143:2783 144:2784 145:2785 ' +
  '146:2786 147:2787 148:2788 149:2789 150:278a 151:278b 152:278c 153:278d 154:278e 155:278f ' +
  '156:2790 157:2791 158:2792 159:2793 160:2794 161:2192 162:27a3 163:2194 164:2195 165:2799 ' +
  '166:279b 167:279c 168:279d 169:279e 170:279f 171:27a0 172:27a1 173:27a2 174:27a4 175:27a5 ' +
  '176:27a6 177:27a7 178:27a8 179:27a9 180:27ab 181:27ad 182:27af 183:27b2 184:27b3 185:27b5 ' +
  '186:27b8 187:27ba 188:27bb 189:27bc 190:27bd 191:27be 192:279a 193:27aa 194:27b6 195:27b9 ' +
  '196:2798 197:27b4 198:27b7 199:27ac 200:27ae 201:27b1 202:2703 203:2750 204:2752 205:276e ' +
  '206:2770 ';

/** Code point → its Zapf Dingbats glyph name. */
const ZAPF_NAME_OF = new Map<number, string>(
  ZAPF_DINGBATS.trim()
    .split(/\s+/)
    .map((pair) => {
      const [n, hex] = pair.split(':');
      return [Number.parseInt(hex!, 16), `a${n}`];
    }),
);

/** A font program larger than this is not read for its glyph names (PDFium's reading is kept). */
export const MAX_FONT_PROGRAM_BYTES = 4 * 1024 * 1024;
/** A Type 1 program's clear-text part (its encoding) is looked for in this many bytes at most. */
const MAX_TYPE1_CLEAR_TEXT_BYTES = 256 * 1024;
/** Bytes FPDFFont_GetBaseFontName may write (a PDF name is at most 127 bytes). */
const FONT_NAME_BYTES = 256;

/** The lowest code point of a Zapf Dingbats glyph (→, a161): every character below is let through at one comparison. */
const LOWEST_DINGBAT = Math.min(...ZAPF_NAME_OF.keys());

/** True when `char` is a code point PDFium reads from a Zapf Dingbats glyph name: the only ones to check. */
export function mayBeNumberedGlyph(char: string): boolean {
  const code = char.charCodeAt(0);
  return code >= LOWEST_DINGBAT && ZAPF_NAME_OF.has(code);
}

/**
 * The glyph names (of the form `a<number>`) each font of one document
 * defines, read from its program once. `hasNoCharacter` tells whether the
 * character PDFium read for a glyph of `textObject` is one of those names
 * read as a dingbat.
 */
export class NumberedGlyphs {
  private readonly namesOf = new Map<string, ReadonlySet<string>>();

  constructor(private readonly pdfium: PdfiumExports) {}

  hasNoCharacter(textObject: number, char: string): boolean {
    const name = ZAPF_NAME_OF.get(char.codePointAt(0)!);
    if (name === undefined || textObject === 0) return false;
    const font = this.pdfium.FPDFTextObj_GetFont(textObject);
    if (font === 0) return false;
    const fontName = this.baseFontName(font);
    if (/Dingbats/i.test(fontName)) return false;
    let names = this.namesOf.get(fontName);
    if (names === undefined) {
      names = numberedNames(this.fontProgram(font));
      this.namesOf.set(fontName, names);
    }
    return names.has(name);
  }

  private baseFontName(font: number): string {
    const at = this.pdfium.malloc(FONT_NAME_BYTES);
    if (at === 0) throw new PdfiumMemoryError(0);
    try {
      const length = this.pdfium.FPDFFont_GetBaseFontName(font, at, FONT_NAME_BYTES);
      if (length <= 1 || length > FONT_NAME_BYTES) return '';
      return Buffer.from(new Uint8Array(this.pdfium.memory.buffer, at, length - 1)).toString('latin1');
    } finally {
      this.pdfium.free(at);
    }
  }

  /** The font's program as PDFium holds it (decoded), or none: no program, or over MAX_FONT_PROGRAM_BYTES. */
  private fontProgram(font: number): Uint8Array {
    const sizeAt = this.pdfium.malloc(4);
    if (sizeAt === 0) throw new PdfiumMemoryError(0);
    try {
      if (!this.pdfium.FPDFFont_GetFontData(font, 0, 0, sizeAt)) return new Uint8Array(0);
      const size = new Uint32Array(this.pdfium.memory.buffer, sizeAt, 1)[0]!;
      if (size === 0 || size > MAX_FONT_PROGRAM_BYTES) return new Uint8Array(0);
      const data = this.pdfium.malloc(size);
      if (data === 0) throw new PdfiumMemoryError(0);
      try {
        if (!this.pdfium.FPDFFont_GetFontData(font, data, size, sizeAt)) return new Uint8Array(0);
        return new Uint8Array(this.pdfium.memory.buffer, data, size).slice();
      } finally {
        this.pdfium.free(data);
      }
    } finally {
      this.pdfium.free(sizeAt);
    }
  }
}

const NUMBERED_NAME = /^a\d+$/;

/** The `a<number>` glyph names a font program defines: a CFF font's strings, a Type 1 font's clear-text encoding. */
export function numberedNames(program: Uint8Array): ReadonlySet<string> {
  if (program.length >= 4 && program[0] === 1)
    return new Set(cffStrings(program).filter((s) => NUMBERED_NAME.test(s)));
  const head = Buffer.from(program.subarray(0, MAX_TYPE1_CLEAR_TEXT_BYTES)).toString('latin1');
  if (!head.startsWith('%!')) return new Set();
  const end = head.indexOf('eexec');
  const clear = end < 0 ? head : head.slice(0, end);
  return new Set([...clear.matchAll(/\/(a\d+)(?![\w.])/g)].map((m) => m[1]!));
}

/**
 * A CFF font's String INDEX (Adobe TN 5176: the header, then the Name, Top
 * DICT and String INDEXes, in that order): the names of its glyphs that are
 * not standard strings, among its other strings. Read within the program's
 * bytes: a malformed one gives none.
 */
export function cffStrings(cff: Uint8Array): string[] {
  const view = new DataView(cff.buffer, cff.byteOffset, cff.byteLength);
  /** The INDEX at `at`: its items' [start, end) and where the next structure starts; undefined when it does not fit. */
  const index = (at: number): { items: [number, number][]; next: number } | undefined => {
    if (at + 2 > cff.length) return undefined;
    const count = view.getUint16(at);
    if (count === 0) return { items: [], next: at + 2 };
    if (at + 3 > cff.length) return undefined;
    const offSize = cff[at + 2]!;
    if (offSize < 1 || offSize > 4) return undefined;
    const offsetsAt = at + 3;
    const dataAt = offsetsAt + (count + 1) * offSize - 1;
    if (dataAt >= cff.length) return undefined;
    const offset = (i: number): number => {
      let v = 0;
      for (let b = 0; b < offSize; b++) v = v * 256 + cff[offsetsAt + i * offSize + b]!;
      return dataAt + v;
    };
    const items: [number, number][] = [];
    for (let i = 0; i < count; i++) {
      const start = offset(i);
      const end = offset(i + 1);
      if (start < dataAt + 1 || end < start || end > cff.length) return undefined;
      items.push([start, end]);
    }
    return { items, next: offset(count) };
  };
  if (cff.length < 4) return [];
  const names = index(cff[2]!);
  const topDicts = names && index(names.next);
  const strings = topDicts && index(topDicts.next);
  if (!strings) return [];
  return strings.items.map(([start, end]) => Buffer.from(cff.subarray(start, end)).toString('latin1'));
}
