/**
 * An HTML page's text as a reader sees it: no script, style, template,
 * noscript or svg content, entities decoded (htmlparser2), block elements
 * on lines of their own, runs of spaces collapsed outside <pre>.
 */
import { Parser } from 'htmlparser2';

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

export function htmlText(html: string): string {
  const lines: string[] = [];
  let line = '';
  let skipping = 0;
  let inTitle = false;
  let pre = 0;
  const breakLine = () => {
    const t = pre > 0 ? line : line.trim();
    if (t !== '') lines.push(t);
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
        if (pre > 0 && line.includes('\n')) {
          const parts = line.split('\n');
          line = parts.pop() ?? '';
          lines.push(...parts);
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
  return lines.map((l) => l.replace(/ +$/, '')).join('\n');
}
