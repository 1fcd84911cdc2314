/**
 * A DOCX list's numbers, as Word shows them (ECMA-376 Part 1 §17.9): a
 * numbered paragraph (`w:numPr`: its list `w:numId`, its level `w:ilvl`)
 * starts with its level's label, `w:lvlText` (`%1.`, `%1.%2)`) with each
 * `%n` the count of level n−1 in its format; the count starts at the level's
 * `w:start` (pandoc writes `<ol start="0">` as start 0) and a level's count
 * restarts when a level above it moves on. `word/numbering.xml` says it:
 * `w:num` (the list a paragraph names) → `w:abstractNum` (its levels), a
 * `w:lvlOverride`'s `w:startOverride` restarting one list's level. A bullet
 * level gives no label (as DOCUMENT_TEXT reads an HTML `<ul>`), nor a list
 * or level the file does not define.
 */
import { Parser } from 'htmlparser2';

/** Word has levels 0–8; a level outside is read as the nearest. */
const LEVELS = 9;

interface Level {
  start: number;
  format: string;
  text: string;
}

export class DocxNumbering {
  /** abstractNumId → its levels. */
  private readonly abstracts = new Map<string, Level[]>();
  /** numId → its abstractNumId and the levels' start overrides. */
  private readonly lists = new Map<string, { abstract: string; starts: Map<number, number> }>();
  /** numId → each level's count so far (undefined: not started). */
  private readonly counts = new Map<string, (number | undefined)[]>();

  /** `xml`: word/numbering.xml (absent: no paragraph is numbered). */
  constructor(xml?: string) {
    if (xml === undefined) return;
    let abstract: Level[] | undefined;
    let level: Level | undefined;
    let list: { abstract: string; starts: Map<number, number> } | undefined;
    let overrideLevel: number | undefined;
    const parser = new Parser(
      {
        onopentag: (name, a) => {
          const val = a['w:val'];
          if (name === 'w:abstractNum') {
            abstract = [];
            this.abstracts.set(a['w:abstractNumId'] ?? '', abstract);
          } else if (name === 'w:lvl' && abstract !== undefined && list === undefined) {
            level = { start: 1, format: 'decimal', text: '' };
            abstract[levelOf(a['w:ilvl'])] = level;
          } else if (name === 'w:start' && level !== undefined) level.start = intOf(val, 1);
          else if (name === 'w:numFmt' && level !== undefined) level.format = val ?? 'decimal';
          else if (name === 'w:lvlText' && level !== undefined) level.text = val ?? '';
          else if (name === 'w:num') {
            list = { abstract: '', starts: new Map() };
            this.lists.set(a['w:numId'] ?? '', list);
          } else if (name === 'w:abstractNumId' && list !== undefined) list.abstract = val ?? '';
          else if (name === 'w:lvlOverride') overrideLevel = levelOf(a['w:ilvl']);
          else if (name === 'w:startOverride' && list !== undefined && overrideLevel !== undefined)
            list.starts.set(overrideLevel, intOf(val, 1));
        },
        onclosetag: (name) => {
          if (name === 'w:abstractNum') abstract = undefined;
          else if (name === 'w:lvl') level = undefined;
          else if (name === 'w:num') list = undefined;
          else if (name === 'w:lvlOverride') overrideLevel = undefined;
        },
      },
      { xmlMode: true, decodeEntities: true },
    );
    parser.write(xml);
    parser.end();
  }

  /** The label a paragraph of list `numId` at level `ilvl` starts with (counted: call once per paragraph), or ''. */
  label(numId: string | undefined, ilvl: string | undefined): string {
    const list = numId === undefined ? undefined : this.lists.get(numId);
    const levels = list === undefined ? undefined : this.abstracts.get(list.abstract);
    if (list === undefined || levels === undefined) return '';
    const at = levelOf(ilvl);
    const level = levels[at];
    if (level === undefined || level.format === 'bullet' || level.format === 'none') return '';
    let counts = this.counts.get(numId!);
    if (counts === undefined) {
      counts = new Array<number | undefined>(LEVELS).fill(undefined);
      this.counts.set(numId!, counts);
    }
    const startOf = (n: number) => list.starts.get(n) ?? levels[n]?.start ?? 1;
    counts[at] = counts[at] === undefined ? startOf(at) : counts[at]! + 1;
    for (let deeper = at + 1; deeper < LEVELS; deeper++) counts[deeper] = undefined;
    const label = level.text.replace(/%([1-9])/g, (_, d: string) => {
      const n = Number(d) - 1;
      return formatted(counts[n] ?? startOf(n), levels[n]?.format ?? 'decimal');
    });
    return label === '' ? '' : `${label} `;
  }
}

function levelOf(ilvl: string | undefined): number {
  return Math.min(LEVELS - 1, Math.max(0, intOf(ilvl, 0)));
}

function intOf(s: string | undefined, otherwise: number): number {
  const n = Number.parseInt(s ?? '', 10);
  return Number.isFinite(n) ? n : otherwise;
}

/** A count in a level's format: decimal, letters, Roman numerals; any other format as decimal. */
function formatted(n: number, format: string): string {
  switch (format) {
    case 'lowerLetter':
      return letters(n);
    case 'upperLetter':
      return letters(n).toUpperCase();
    case 'lowerRoman':
      return roman(n).toLowerCase();
    case 'upperRoman':
      return roman(n);
    default:
      return String(n);
  }
}

/** Past this a letter count is given as a number: `w:start` is the file's, and zz…z of a billion letters is not a label. */
const MAX_LETTER_COUNT = 26 * 10;

/** a … z, then aa … zz as Word counts (1 → a, 27 → aa); 0 and below, and past MAX_LETTER_COUNT, as a number. */
function letters(n: number): string {
  if (n < 1 || n > MAX_LETTER_COUNT) return String(n);
  return String.fromCharCode(97 + ((n - 1) % 26)).repeat(Math.floor((n - 1) / 26) + 1);
}

const ROMAN: [number, string][] = [
  [1000, 'M'],
  [900, 'CM'],
  [500, 'D'],
  [400, 'CD'],
  [100, 'C'],
  [90, 'XC'],
  [50, 'L'],
  [40, 'XL'],
  [10, 'X'],
  [9, 'IX'],
  [5, 'V'],
  [4, 'IV'],
  [1, 'I'],
];

/** A Roman numeral (1–3999; others as a number). */
export function roman(n: number): string {
  if (n < 1 || n > 3999) return String(n);
  let out = '';
  for (const [value, digits] of ROMAN) {
    while (n >= value) {
      out += digits;
      n -= value;
    }
  }
  return out;
}
