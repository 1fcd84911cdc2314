/**
 * The package as a user gets it: `npm pack` of this repository (which runs
 * `prepare`, the build), installed from the tarball into a fresh project in a
 * temporary folder, next to TypeScript and @types/node at the versions this
 * repository uses. Dependencies come from npm's cache when it has them
 * (`--prefer-offline`); a clean machine whose `npm ci` cached only tarballs,
 * not registry metadata, fetches what is missing instead of failing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

function packAndInstall(): Installed {
  const dir = mkdtempSync(join(tmpdir(), 'rvbbit-consumer-'));
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: ROOT,
      env: NPM_ENV,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  ) as { filename: string; version: string; files: { path: string }[] }[];
  const { filename, version, files } = packed[0]!;
  const tarball = join(dir, filename);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  execFileSync(
    'npm',
    [
      'install',
      '--prefer-offline',
      tarball,
      `typescript@${versionOf('typescript')}`,
      `@types/node@${versionOf('@types/node')}`,
    ],
    { cwd: dir, env: NPM_ENV, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return {
    dir,
    tarball,
    files: files.map((f) => f.path),
    version,
    bin: join(dir, 'node_modules', '.bin', 'rvbbit'),
  };
}
