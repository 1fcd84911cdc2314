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
 *
 * The tarball is made and installed once per tree, not once per test process:
 * the runner runs package.test.ts and readme-snippets.test.ts in processes of
 * their own, and each `npm pack` took ~27 s of CPU when it built the whole
 * package (it ships the clone's current build now: copyOfTree), each
 * `npm install` of it ~11 s. Both are kept in the temporary folder under the
 * SHA-256 of the tree's file names and contents; the first process to take
 * the lock (a directory, made atomically) packs and installs, another waits
 * for it. Each process then works in a copy of that install (`cp -a`, 0.6 s),
 * removed when it exits: package.test.ts overwrites installed files to test a
 * broken install. Homes of other trees unused for a day are removed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain ES module script, no declarations
import { buildIsCurrent } from '../../scripts/build-current.mjs';

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
  /** Whether the copy npm packed had a current dist/ (the clone's, copied), and whether prepack built the package again. */
  readonly build: { readonly current: boolean; readonly built: boolean };
}

/** What scripts/build.mjs --if-stale (prepack) says on stderr when it ships dist/ as it is. */
const NOT_REBUILT = 'dist/ is current';

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

/**
 * A copy of the working tree to pack: git's tracked and untracked-but-not-ignored files, node_modules
 * linked. Files and folders keep their modification times, and a current dist/ of the clone is
 * copied too, so that prepack (`build.mjs --if-stale`) finds it current by the test runner's rule
 * (scripts/build-current.mjs) and ships it: `npm test` has just built the same tree, and building
 * it again in the copy took ~16 s of CPU. A stale or missing dist/ is built in the copy as before.
 */
function copyOfTree(): string {
  const copy = mkdtempSync(join(tmpdir(), 'rvbbit-pack-'));
  const folders = new Set<string>();
  for (const f of treeFiles()) {
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(copy, f));
    keepTimes(f, copy);
    for (let d = dirname(f); d !== '.'; d = dirname(d)) folders.add(d);
  }
  // Deepest first, once their files are in (writing into a folder changes its time).
  for (const d of [...folders].sort((a, b) => b.length - a.length)) keepTimes(d, copy);
  if (buildIsCurrent(ROOT))
    cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true, preserveTimestamps: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  return copy;
}

/** Gives `path` in the copy the clone's access and modification times. */
function keepTimes(path: string, copy: string): void {
  const st = statSync(join(ROOT, path));
  utimesSync(join(copy, path), st.atime, st.mtime);
}

/** The tree's files: git's tracked and untracked-but-not-ignored ones that exist. */
function treeFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(ROOT, f)));
}

/**
 * What one `npm pack` made (the tarball, what npm said of it, and the clone's dist/ around the
 * packing) and the consumer project it was installed into, with what the install printed.
 */
interface Packed {
  readonly tarball: string;
  readonly version: string;
  readonly files: readonly string[];
  readonly cloneDist: { readonly before: string; readonly after: string };
  readonly build: { readonly current: boolean; readonly built: boolean };
  readonly consumer: string;
  readonly installWarnings: string;
}

/** A synchronous sleep (installPackage is synchronous: test files call it at import). */
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** A lock older than this is a dead packer's: taken over. */
const STALE_LOCK_MS = 10 * 60_000;

/** Another tree's home (tarball and install, ~190 MB) unused this long is removed. */
const UNUSED_HOME_MS = 24 * 60 * 60_000;
const HOME_PREFIX = 'rvbbit-tarball-';

/** Removes other trees' homes whose record has not been read for UNUSED_HOME_MS. */
function removeUnusedHomes(keep: string): void {
  for (const name of readdirSync(tmpdir())) {
    const home = join(tmpdir(), name);
    if (!name.startsWith(HOME_PREFIX) || name.endsWith('.lock') || home === keep) continue;
    const used = statSync(join(home, 'packed.json'), { throwIfNoEntry: false })?.mtimeMs;
    if (used !== undefined && Date.now() - used > UNUSED_HOME_MS)
      rmSync(home, { recursive: true, force: true });
  }
}

/** The tree's tarball, packed by this process or found made by another for the same tree. */
function sharedPack(): Packed {
  const files = treeFiles();
  const digest = createHash('sha256');
  for (const f of files)
    digest
      .update(`${f}\0`)
      .update(readFileSync(join(ROOT, f)))
      .update('\0');
  const home = join(tmpdir(), `${HOME_PREFIX}${digest.digest('hex').slice(0, 16)}`);
  const record = join(home, 'packed.json');
  const lock = `${home}.lock`;
  for (;;) {
    if (existsSync(record)) {
      const now = new Date();
      utimesSync(record, now, now); // used: removeUnusedHomes keeps it
      return JSON.parse(readFileSync(record, 'utf8')) as Packed;
    }
    try {
      mkdirSync(lock);
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      else sleep(200);
      continue;
    }
    try {
      if (existsSync(record)) continue;
      rmSync(home, { recursive: true, force: true });
      mkdirSync(home);
      removeUnusedHomes(home);
      const packed = install(pack(home), home);
      // Written whole, then renamed: a waiting process never reads half a record.
      writeFileSync(`${record}.part`, JSON.stringify(packed));
      renameSync(`${record}.part`, record);
      return packed;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

function pack(into: string): Omit<Packed, 'consumer' | 'installWarnings'> {
  const before = distStamp();
  const copy = copyOfTree();
  // By the rule prepack applies, in the copy it packs (which has the clone's dist/ when that was current).
  const current = buildIsCurrent(copy);
  let packed: { filename: string; version: string; files: { path: string }[] }[];
  let built: boolean;
  try {
    const r = spawnSync('npm', ['pack', '--json', '--pack-destination', into], {
      cwd: copy,
      env: NPM_ENV,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0) throw new Error(`npm pack failed (${r.status ?? r.signal}): ${r.stderr}`);
    packed = JSON.parse(r.stdout);
    built = !r.stderr.includes(NOT_REBUILT);
  } finally {
    // The link first, on its own: removing the copy must never reach the clone's node_modules.
    unlinkSync(join(copy, 'node_modules'));
    rmSync(copy, { recursive: true, force: true });
  }
  const { filename, version, files } = packed[0]!;
  return {
    tarball: join(into, filename),
    version,
    files: files.map((f) => f.path),
    cloneDist: { before, after: distStamp() },
    build: { current, built },
  };
}

/** Installs the tarball into a consumer project in the home, next to TypeScript and @types/node. */
function install(packed: Omit<Packed, 'consumer' | 'installWarnings'>, home: string): Packed {
  const consumer = join(home, 'consumer');
  mkdirSync(consumer);
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  const installed = spawnSync(
    'npm',
    [
      'install',
      '--prefer-offline',
      packed.tarball,
      `typescript@${versionOf('typescript')}`,
      `@types/node@${versionOf('@types/node')}`,
    ],
    { cwd: consumer, env: NPM_ENV, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] },
  );
  if (installed.status !== 0) throw new Error(`npm install of ${packed.tarball} failed: ${installed.stderr}`);
  return { ...packed, consumer, installWarnings: installed.stderr };
}

function packAndInstall(): Installed {
  const { tarball, version, files, cloneDist, build, consumer, installWarnings } = sharedPack();
  const dir = join(mkdtempSync(join(tmpdir(), 'rvbbit-consumer-')), 'consumer');
  // A copy of its own (links kept as links: node_modules/.bin), gone when the process ends.
  execFileSync('cp', ['-a', consumer, dir]);
  process.on('exit', () => rmSync(dirname(dir), { recursive: true, force: true }));
  return {
    installWarnings,
    dir,
    tarball,
    files,
    version,
    bin: join(dir, 'node_modules', '.bin', 'rvbbit'),
    cloneDist,
    build,
  };
}
