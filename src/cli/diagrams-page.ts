/**
 * The grammar's railroad diagrams as one HTML page (Chevrotain's syntax
 * diagrams). The page must open offline, so the scripts and CSS that
 * createSyntaxDiagramsCode links from unpkg are inlined from chevrotain's
 * package. The build writes the page into dist/ (the installed package has
 * chevrotain's code bundled, not its page assets); `rvbbit diagrams` copies it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSyntaxDiagramsCode } from 'chevrotain';
import { rvbbitParser } from '../../grammar/parser.js';
import { packagePath, RUNS_FROM_SOURCE } from '../runtime/package-files.js';

/** The page: generated from source, the build's copy when built. */
export function diagramsHtml(): string {
  return RUNS_FROM_SOURCE ? offlineDiagramsHtml() : readFileSync(packagePath('dist/grammar.html'), 'utf8');
}

/** The HTML page with every external script and stylesheet inlined. */
export function offlineDiagramsHtml(): string {
  // chevrotain's entry is <pkg>/lib/src/api.js; its diagrams/ folder sits at <pkg>/diagrams.
  const diagramsDir = join(dirname(fileURLToPath(import.meta.resolve('chevrotain'))), '..', '..', 'diagrams');
  const base = 'rvbbit-inline:/';
  const html = createSyntaxDiagramsCode(rvbbitParser.getSerializedGastProductions(), {
    resourceBase: `${base}/`,
    css: `${base}/diagrams.css`,
  });
  const read = (rel: string): string =>
    readFileSync(join(diagramsDir, rel), 'utf8').replace(/<\/script/gi, '<\\/script');
  const page = html
    .replace(
      /<link rel='stylesheet' href='rvbbit-inline:\/\/diagrams\.css'>/,
      () => `<style>\n${read('diagrams.css')}\n</style>`,
    )
    .replace(
      /<script src='rvbbit-inline:\/\/([^']+)'><\/script>/g,
      (_m, rel: string) => `<script>\n${read(rel)}\n</script>`,
    )
    .replace('<meta charset="utf-8">', '<meta charset="utf-8">\n<title>RVBBIT grammar</title>');
  if (/rvbbit-inline:|<script[^>]+src=|<link[^>]+href=['"]https?:/i.test(page)) {
    throw new Error('diagrams: an external resource was left in the page');
  }
  return page;
}
