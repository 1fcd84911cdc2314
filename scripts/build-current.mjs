// Whether dist/ was built after every change to what the build reads
// (scripts/build.mjs's inputs): the test runner then lets the tests run the
// build's entries (RVBBIT_ENTRIES=dist, see src/runtime/package-files.ts), and
// `npm pack` (prepack: `build.mjs --if-stale`) ships it as it is instead of
// building the same files again.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const BUILD_INPUTS = [
  'base',
  'grammar',
  'src',
  'workers',
  'scripts/build.mjs',
  'scripts/narrow-sources.mjs',
  // Read by the build too: the browser grammar's bundler, the shipped operator files it
  // pre-reads, the declarations' settings, the examples it bundles.
  'scripts/playground',
  'cascades/semantic',
  'tsconfig.build.json',
  'examples',
  'package.json',
  'package-lock.json',
];

/** The newest modification time under `path` (a file, or a folder recursively). */
function newestChange(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, e)));
  return newest;
}

/** True when `root`/dist/cli.js is newer than every build input under `root`. */
export function buildIsCurrent(root) {
  try {
    const built = statSync(join(root, 'dist/cli.js')).mtimeMs;
    return BUILD_INPUTS.every((p) => newestChange(join(root, p)) <= built);
  } catch {
    return false;
  }
}
