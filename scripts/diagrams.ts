/**
 * `npm run diagrams`: writes docs/grammar.html, Chevrotain's syntax diagrams
 * of the RVBBIT grammar. The page must open offline, so the scripts and CSS
 * that createSyntaxDiagramsCode links from unpkg are inlined from node_modules.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSyntaxDiagramsCode } from 'chevrotain';
import { rvbbitParser } from '../grammar/parser.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// chevrotain's entry is <pkg>/lib/src/api.js; its diagrams/ folder sits at <pkg>/diagrams.
const diagramsDir = join(dirname(fileURLToPath(import.meta.resolve('chevrotain'))), '..', '..', 'diagrams');

/** The HTML page with every external script and stylesheet inlined. */
export function offlineDiagramsHtml(): string {
  const base = 'rvbbit-inline:/';
  const html = createSyntaxDiagramsCode(rvbbitParser.getSerializedGastProductions(), {
    resourceBase: `${base}/`,
    css: `${base}/diagrams.css`,
  });
  const read = (rel: string): string =>
    readFileSync(join(diagramsDir, rel), 'utf8').replace(/<\/script/gi, '<\\/script');
  return html
    .replace(
      /<link rel='stylesheet' href='rvbbit-inline:\/\/diagrams\.css'>/,
      () => `<style>\n${read('diagrams.css')}\n</style>`,
    )
    .replace(
      /<script src='rvbbit-inline:\/\/([^']+)'><\/script>/g,
      (_m, rel: string) => `<script>\n${read(rel)}\n</script>`,
    )
    .replace('<meta charset="utf-8">', '<meta charset="utf-8">\n<title>RVBBIT grammar</title>');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = join(root, 'docs', 'grammar.html');
  mkdirSync(dirname(out), { recursive: true });
  const html = offlineDiagramsHtml();
  if (/rvbbit-inline:|<script[^>]+src=|<link[^>]+href=['"]https?:/i.test(html)) {
    throw new Error('diagrams: an external resource was left in the page');
  }
  writeFileSync(out, html);
  console.log(`wrote ${out} (${Math.round(html.length / 1024)} KB)`);
}
