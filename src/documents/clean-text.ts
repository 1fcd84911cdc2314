/**
 * The last step of every document's text (PDF pages, HTML, DOCX), so what
 * DOCUMENT_TEXT gives reads as the words a reader sees and is safe to put in
 * a prompt, a CSV or a terminal (docs/documents.md, "What the text is"):
 *
 * - ligature characters become their letters (ﬁ → fi, ﬀ ﬂ ﬃ ﬄ ﬅ ﬆ);
 * - a spacing accent written before its letter, as TeX's fonts place it
 *   (`Br¨oker`; in a word, or before a lower-case letter), becomes the
 *   combining accent after it, then
 * - everything is composed (Unicode NFC): `Bröker`, one character per letter;
 * - \r\n and \r become \n; \v and \f a space; every other control character
 *   (C0 but \t and \n, DEL, C1) becomes U+FFFD: a glyph the document gives no
 *   character for (a PDF's maths symbol in a font without a Unicode map) is
 *   shown as unknown, never passed on as a control character.
 *
 * Two passes of a regular expression (linear) and NFC: the text may grow
 * (ﬃ → ffi), so the caller counts it against its bound after.
 */

const LIGATURES: Record<string, string> = {
  '\ufb00': 'ff',
  '\ufb01': 'fi',
  '\ufb02': 'fl',
  '\ufb03': 'ffi',
  '\ufb04': 'ffl',
  '\ufb05': 'st',
  '\ufb06': 'st',
};

/** Spacing accents (as TeX's fonts draw them, before the letter) → the combining accent that follows a letter. */
const SPACING_ACCENTS: Record<string, string> = {
  '\u00a8': '\u0308', // ¨ diaeresis
  '\u00b4': '\u0301', // ´ acute
  '\u02dc': '\u0303', // ˜ tilde
  '\u02c7': '\u030c', // ˇ caron
  '\u02d8': '\u0306', // ˘ breve
  '\u02da': '\u030a', // ˚ ring
  '\u00b8': '\u0327', // ¸ cedilla
  '\u02dd': '\u030b', // ˝ double acute
  '\u02d9': '\u0307', // ˙ dot above
  '\u00af': '\u0304', // ¯ macron
  '\u02db': '\u0328', // ˛ ogonek
};

const ACCENT_CLASS = Object.keys(SPACING_ACCENTS).join('');
/**
 * A spacing accent between two letters (`Br¨oker`), or before a lower-case
 * one (`´etude`): TeX's. One alone before a capital is left (`ˆC`, a
 * control key in a manual; TeX's `´Emile` stays too). The circumflex ˆ is
 * never composed: manuals set `^` with it (`${parameter^pattern}`).
 */
const ACCENT_BEFORE_LETTER = new RegExp(
  `(?<=\\p{L})([${ACCENT_CLASS}])(\\p{L})|([${ACCENT_CLASS}])(\\p{Ll})`,
  'gu',
);
/** A ligature; \r\n or \r; a control character but \t and \n. */
const UNCLEAN = /[\ufb00-\ufb06]|\r\n?|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export function cleanText(text: string): string {
  let out = text.replace(
    ACCENT_BEFORE_LETTER,
    (_, inWord: string | undefined, letter: string | undefined, starting: string, lower: string) =>
      inWord !== undefined ? letter! + SPACING_ACCENTS[inWord] : lower + SPACING_ACCENTS[starting],
  );
  out = out.replace(UNCLEAN, (m) => {
    const ligature = LIGATURES[m];
    if (ligature !== undefined) return ligature;
    if (m[0] === '\r') return '\n';
    if (m === '\u000b' || m === '\u000c') return ' ';
    return '\ufffd';
  });
  return out.normalize('NFC');
}
