// What test files share, for scripts/run-tests.mjs: files that name the same resource never run
// at the same time (each test process runs one file at a time; two processes run two files).
// Every other file is free to run beside any other: a test that needs a port, a folder or a
// redis-server makes its own (port 0, mkdtemp, test/scale/redis-server.ts), and `npm test`
// builds dist/ before any test runs, which no test rebuilds in place.
// A resource named ALONE is the whole machine: its file runs with no other beside it.

export const ALONE = 'the whole machine';

/** [resource, the files (relative to the repository) that use it, why]. */
export const SHARED_RESOURCES = [
  [
    "npm's cache",
    /^test\/package\/(package|pack-manifest)\.test\.ts$/,
    'npm pack and npm install into temp projects, through the one npm cache and its index',
  ],
];

/** The resources the file `path` (relative to the repository, with '/') uses. */
export function resourcesOf(path) {
  return SHARED_RESOURCES.filter(([, files]) => files.test(path)).map(([resource]) => resource);
}
