/**
 * An HTML page's text as a reader sees it: no script, style, template or
 * noscript content, of an inline SVG drawing only its <text> labels (a
 * syntax diagram's keywords are words on the page: w3m and a browser show
 * them), entities decoded (htmlparser2), block elements
 * on lines of their own, a table row's cells on its line with a tab between
 * them, an ordered list's items numbered (`1. `, from its `start`), runs of
 * spaces collapsed outside <pre>. The text is
 * built as it is read, counted against the document's bound (TextBudget):
 * no array of its lines, which 60 MiB of newlines in a <pre> made 63 million
 * long, past the parser thread's heap in one allocation.
 *
 * Elements nest at most MAX_HTML_DEPTH deep: htmlparser2 keeps its open
 * elements in an array it `unshift`s at each open tag, so each costs the
 * depth, and a million nested tags took hours (100,000 took 16 s).
 */
import { Parser } from 'htmlparser2';
import { DocumentError } from './document-error.js';
import { TextBudget } from './document-limits.js';

/** Open elements at most (Chromium's HTML parser nests at most 512 deep too); past it the page is refused. */
export const MAX_HTML_DEPTH = 512;

const SKIPPED = new Set(['script', 'style', 'template', 'noscript', 'head']);
/** In an inline SVG drawing, the elements whose text is drawn on the page (its <title>, <desc>, <style> are not). */
const SVG_LABELS = new Set(['text', 'tspan', 'textpath']);
const KEPT_IN_HEAD = 'title';
const BLOCKS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'dd',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'title',
  'tr',
  'ul',
]);

export function htmlText(html: string, maxChars: number): string {
  const out = new TextBudget('HTML', maxChars);
  let lines = 0;
  /** A finished line, its trailing spaces dropped. */
  const emit = (l: string) => {
    if (lines++ > 0) out.append('\n');
    out.append(withoutTrailingSpaces(l));
  };
  let line = '';
  /** Cells begun in the table row being read: a cell after the first starts with a tab. */
  let cellsInRow = 0;
  /** Lists open, innermost last: an ordered list's next number, or undefined for a bulleted one. */
  const lists: (number | undefined)[] = [];
  let skipping = 0;
  let inTitle = false;
  /** SVG drawings open, and labels open inside them: a drawing's text outside a label is none of the page's. */
  let svg = 0;
  let svgLabels = 0;
  let pre = 0;
  // Elements open (htmlparser2 reports every open element's close, implied ones and void elements' too).
  let depth = 0;
  const breakLine = () => {
    const t = pre > 0 ? line : line.trim();
    if (t !== '') emit(t);
    line = '';
  };
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (++depth > MAX_HTML_DEPTH) {
          throw new DocumentError(
            'DOCUMENT_TOO_LARGE',
            `HTML: elements nested more than ${MAX_HTML_DEPTH} deep (each open element costs the parser its depth; a page of nested tags is built to exhaust it)`,
            { depth: MAX_HTML_DEPTH },
          );
        }
        if (name === 'svg') svg++;
        if (svg > 0 && SVG_LABELS.has(name)) {
          // A label is a piece of the drawing: apart from the one before, as w3m shows each.
          if (svgLabels++ === 0) line = `${withoutTrailingSpaces(line)} `;
        }
        if (name === KEPT_IN_HEAD && svg === 0) inTitle = true;
        if (SKIPPED.has(name)) skipping++;
        if (name === 'pre') pre++;
        if (BLOCKS.has(name)) breakLine();
        if (name === 'ol') {
          const start = Number.parseInt(attributes.start ?? '1', 10);
          lists.push(Number.isFinite(start) ? start : 1);
        } else if (name === 'ul' || name === 'menu') lists.push(undefined);
        else if (name === 'li' && lists.length > 0) {
          // An ordered list's item starts with its number, as a browser shows it (`<ol start="0">` too).
          const next = lists[lists.length - 1];
          if (next !== undefined) {
            line += `${next}. `;
            lists[lists.length - 1] = next + 1;
          }
        }
        if (name === 'tr') cellsInRow = 0;
        else if (name === 'td' || name === 'th') {
          // Cells of a row on its line, apart: `smallint<TAB>2 bytes`, not `smallint2 bytes`.
          if (cellsInRow++ > 0) line = `${withoutTrailingSpaces(line)}\t`;
        }
      },
      ontext(text) {
        if (skipping > 0 && !inTitle) return;
        if (svg > 0 && svgLabels === 0) return;
        const piece = pre > 0 ? text : text.replace(/\s+/g, ' ');
        // A cell's leading space after the tab that opens it is no part of it.
        line += line.endsWith('\t') && pre === 0 ? piece.trimStart() : piece;
        if (pre > 0) {
          // Each line of a <pre> as it ends, empty ones too.
          let from = 0;
          for (let nl = line.indexOf('\n'); nl >= 0; nl = line.indexOf('\n', from)) {
            emit(line.slice(from, nl));
            from = nl + 1;
          }
          if (from > 0) line = line.slice(from);
        }
      },
      onclosetag(name) {
        depth--;
        if (name === 'ol' || name === 'ul' || name === 'menu') lists.pop();
        if (BLOCKS.has(name)) breakLine();
        if (name === 'pre') pre = Math.max(0, pre - 1);
        if (SKIPPED.has(name)) skipping = Math.max(0, skipping - 1);
        if (name === KEPT_IN_HEAD) inTitle = false;
        if (svg > 0 && SVG_LABELS.has(name)) svgLabels = Math.max(0, svgLabels - 1);
        if (name === 'svg') {
          svg = Math.max(0, svg - 1);
          if (svg === 0) svgLabels = 0;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  breakLine();
  return out.toString();
}

/** `l` without its trailing spaces, in one pass from its end (`/ +$/` rescans each run of spaces: quadratic). */
function withoutTrailingSpaces(l: string): string {
  let end = l.length;
  while (end > 0 && l.charCodeAt(end - 1) === 32) end--;
  return end === l.length ? l : l.slice(0, end);
}
