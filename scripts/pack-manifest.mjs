#!/usr/bin/env node
/**
 * The package.json that ships: `npm pack` / `npm publish` run `prepack`, which builds dist/ and
 * then runs `node scripts/pack-manifest.mjs strip`, and `postpack`, which runs `… restore`.
 *
 * The clone keeps `prepare` (its `npm install` builds dist/, as a git URL install must), but the
 * tarball must carry no install script: npm 11 counts `prepare` of a package installed from a
 * tarball or git as one to approve, and scripts/ (what it runs) is not shipped. So while npm
 * packs, package.json lacks the scripts npm runs at install (INSTALL_SCRIPTS); the original is
 * kept in package.json.packing and put back by `restore`. The other scripts stay, prepack and
 * postpack among them: a pack that failed between the two (a bad --pack-destination) leaves
 * package.json stripped and package.json.packing beside it, and the next `npm pack` still runs
 * `strip`, which restores first, and `restore`; `node scripts/pack-manifest.mjs restore` alone
 * does too.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const MANIFEST = `${root}package.json`;
const SAVED = `${root}package.json.packing`;

function restore() {
  if (existsSync(SAVED)) renameSync(SAVED, MANIFEST);
}

/** Scripts npm runs when it installs a package (`prepare` and its pre/post for git and tarball sources). */
export const INSTALL_SCRIPTS = [
  'preinstall',
  'install',
  'postinstall',
  'prepublish',
  'preprepare',
  'prepare',
  'postprepare',
];

/** The shipped manifest: the project's, without its install scripts. */
export function shippedManifest(pkg) {
  const scripts = Object.fromEntries(
    Object.entries(pkg.scripts ?? {}).filter(([name]) => !INSTALL_SCRIPTS.includes(name)),
  );
  return { ...pkg, scripts };
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
