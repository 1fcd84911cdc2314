/**
 * An HTML page's text as a reader sees it: no script, style, template,
 * noscript or svg content, entities decoded (htmlparser2), block elements
 * on lines of their own, runs of spaces collapsed outside <pre>. The text is
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

const SKIPPED = new Set(['script', 'style', 'template', 'noscript', 'svg', 'head']);
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
  let skipping = 0;
  let inTitle = false;
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
      onopentagname(name) {
        if (++depth > MAX_HTML_DEPTH) {
          throw new DocumentError(
            'DOCUMENT_TOO_LARGE',
            `HTML: elements nested more than ${MAX_HTML_DEPTH} deep (each open element costs the parser its depth; a page of nested tags is built to exhaust it)`,
            { depth: MAX_HTML_DEPTH },
          );
        }
        if (name === KEPT_IN_HEAD) inTitle = true;
        if (SKIPPED.has(name)) skipping++;
        if (name === 'pre') pre++;
        if (BLOCKS.has(name)) breakLine();
      },
      ontext(text) {
        if (skipping > 0 && !inTitle) return;
        line += pre > 0 ? text : text.replace(/\s+/g, ' ');
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
        if (BLOCKS.has(name)) breakLine();
        if (name === 'pre') pre = Math.max(0, pre - 1);
        if (SKIPPED.has(name)) skipping = Math.max(0, skipping - 1);
        if (name === KEPT_IN_HEAD) inTitle = false;
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
