/**
 * `npm run playground`: writes docs/playground.html, the page of
 * src/playground/page.html with its script (CodeMirror and the grammar,
 * bundled by esbuild) inlined, so it opens offline from a file. The page is
 * committed; test/playground/page.test.ts checks it matches its sources.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { moduleLoads, playgroundScript } from './bundles.js';

export const PLAYGROUND_PAGE = fileURLToPath(new URL('../../docs/playground.html', import.meta.url));
const TEMPLATE = fileURLToPath(new URL('../../src/playground/page.html', import.meta.url));

/** The page, generated from its sources. */
export async function playgroundHtml(): Promise<string> {
  const script = await playgroundScript();
  const loads = moduleLoads(script);
  if (loads.length > 0)
    throw new Error(`playground: the script must load no modules, but loads ${loads.join(', ')}`);
  // Inside <script>, only `</script` (and `<!--`, which changes how the HTML parser reads on) could end it early.
  if (/<\/script|<!--/i.test(script)) throw new Error('playground: the script contains </script or <!--');
  const template = readFileSync(TEMPLATE, 'utf8');
  return template.replace('<!-- SCRIPT -->', () => `<script type="module">\n${script}</script>`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const html = await playgroundHtml();
  writeFileSync(PLAYGROUND_PAGE, html);
  console.log(`wrote docs/playground.html (${(html.length / 1024).toFixed(0)} KB); open it in a browser`);
}
