/**
 * An HTML page's text as a reader sees it: no script, style, template,
 * noscript or svg content, entities decoded (htmlparser2), block elements
 * on lines of their own, runs of spaces collapsed outside <pre>. The text is
 * built as it is read, counted against the document's bound (TextBudget):
 * no array of its lines, which 60 MiB of newlines in a <pre> made 63 million
 * long, past the parser thread's heap in one allocation.
 */
import { Parser } from 'htmlparser2';
import { TextBudget } from './document-limits.js';

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
  const breakLine = () => {
    const t = pre > 0 ? line : line.trim();
    if (t !== '') emit(t);
    line = '';
  };
  const parser = new Parser(
    {
      onopentagname(name) {
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
