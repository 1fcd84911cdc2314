#!/usr/bin/env node
/**
 * The package.json that ships: `npm pack` / `npm publish` run `prepack`, which builds dist/ and
 * then runs `node scripts/pack-manifest.mjs strip`, and `postpack`, which runs `… restore`.
 *
 * The clone keeps `prepare` (its `npm install` builds dist/, as a git URL install must), but the
 * tarball must carry no install script: npm 11 counts `prepare` of a package installed from a
 * tarball or git as one to approve, and scripts/ (what it runs) is not shipped. So while npm
 * packs, package.json has no `scripts` (none is of use in node_modules/) and no `allowScripts`
 * (this project's own install policy); the original is kept in package.json.packing and put
 * back by `restore`. A pack that died between the two leaves package.json.packing: `strip`
 * restores it first, and `restore` alone puts it back.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const MANIFEST = `${root}package.json`;
const SAVED = `${root}package.json.packing`;

function restore() {
  if (existsSync(SAVED)) renameSync(SAVED, MANIFEST);
}

/** The shipped manifest: the project's, without what concerns only the project's own installs. */
export function shippedManifest(pkg) {
  const { scripts: _scripts, allowScripts: _allow, ...shipped } = pkg;
  return shipped;
}

const command = process.argv[2];
if (command === 'strip') {
  restore();
  const text = readFileSync(MANIFEST, 'utf8');
  writeFileSync(SAVED, text);
  writeFileSync(MANIFEST, `${JSON.stringify(shippedManifest(JSON.parse(text)), null, 2)}\n`);
} else if (command === 'restore') {
  restore();
} else {
  process.stderr.write('usage: node scripts/pack-manifest.mjs strip|restore\n');
  process.exit(2);
}
