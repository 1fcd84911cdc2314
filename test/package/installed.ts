/**
 * The package as a user gets it: `npm pack` of this repository (its `prepack`
 * builds dist/ and ships a package.json without scripts,
 * scripts/pack-manifest.mjs), installed from the tarball into a fresh project
 * in a temporary folder, next to TypeScript and @types/node at the versions
 * this repository uses. Dependencies come from npm's cache when it has them
 * (`--prefer-offline`); a clean machine whose `npm ci` cached only tarballs,
 * not registry metadata, fetches what is missing instead of failing.
 *
 * npm packs a copy of the working tree (the files git tracks or would track,
 * with this clone's node_modules linked in), not the clone itself: the build
 * deletes and rewrites dist/, and the clone's `rvbbit` must keep working while
 * the tests run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NPM_ENV = {
  ...process.env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

export interface Installed {
  /** The consumer project: its own folder, not this repository. */
  readonly dir: string;
  readonly tarball: string;
  /** Files in the tarball. */
  readonly files: readonly string[];
  readonly version: string;
  /** The installed bin. */
  readonly bin: string;
  /** What `npm install` of the tarball printed on stderr (npm 11's install-scripts warning among it). */
  readonly installWarnings: string;
  /** The clone's dist/index.js (inode, mtime) before and after packing: packing leaves it alone. */
  readonly cloneDist: { readonly before: string; readonly after: string };
}

function versionOf(pkg: string): string {
  return (
    JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }
  ).version;
}

let installed: Installed | undefined;

/**
 * The installed package, packed and installed once per test process: uvu
 * imports every test file into one process, so package.test.ts and
 * readme-snippets.test.ts share it (packing builds the whole package).
 */
export function installPackage(): Installed {
  installed ??= packAndInstall();
  return installed;
}

/** dist/index.js of the clone as inode and mtime, or 'absent'. */
function distStamp(): string {
  const file = join(ROOT, 'dist/index.js');
  if (!existsSync(file)) return 'absent';
  const st = statSync(file);
  return `inode ${st.ino}, mtime ${st.mtimeMs}`;
}

/** A copy of the working tree to pack: git's tracked and untracked-but-not-ignored files, node_modules linked. */
function copyOfTree(): string {
  const copy = mkdtempSync(join(tmpdir(), 'rvbbit-pack-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(ROOT, f)));
  for (const f of files) {
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(copy, f));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}

function packAndInstall(): Installed {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-consumer-'));
  const before = distStamp();
  const copy = copyOfTree();
  let packed: { filename: string; version: string; files: { path: string }[] }[];
  try {
    packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
        cwd: copy,
        env: NPM_ENV,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    );
  } finally {
    // The link first, on its own: removing the copy must never reach the clone's node_modules.
    unlinkSync(join(copy, 'node_modules'));
    rmSync(copy, { recursive: true, force: true });
  }
  const cloneDist = { before, after: distStamp() };
  const { filename, version, files } = packed[0]!;
  const tarball = join(dir, filename);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  const install = spawnSync(
    'npm',
    [
      'install',
      '--prefer-offline',
      tarball,
      `typescript@${versionOf('typescript')}`,
      `@types/node@${versionOf('@types/node')}`,
    ],
    { cwd: dir, env: NPM_ENV, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] },
  );
  if (install.status !== 0) throw new Error(`npm install of ${tarball} failed: ${install.stderr}`);
  return {
    installWarnings: install.stderr,
    dir,
    tarball,
    files: files.map((f) => f.path),
    version,
    bin: join(dir, 'node_modules', '.bin', 'rvbbit'),
    cloneDist,
  };
}
