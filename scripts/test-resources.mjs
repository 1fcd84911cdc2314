// What test files share, for scripts/run-tests.mjs: files that name the same resource never run
// at the same time (each test process runs one file at a time; two processes run two files).
// Every other file is free to run beside any other: a test that needs a port, a folder or a
// redis-server makes its own (port 0, mkdtemp, test/scale/redis-server.ts), and `npm test`
// builds dist/ before any test runs, which no test rebuilds in place.
// A resource named ALONE is the whole machine: its file runs with no other beside it.

export const ALONE = 'the whole machine';

/** [resource, the files (relative to test/, as uvu names them) that use it, why]. */
export const SHARED_RESOURCES = [
  [
    "npm's cache",
    /^package\/(package|pack-manifest)\.test\.ts$/,
    'npm pack and npm install into temp projects, through the one npm cache and its index',
  ],
  [
    'the cores',
    /^runner\/requires\.test\.ts$/,
    'it runs scripts/run-tests.mjs itself, with a test process per core of its own',
  ],
];

/** The resources the file `name` (relative to test/) uses. */
export function resourcesOf(name) {
  const path = name.split('\\').join('/');
  return SHARED_RESOURCES.filter(([, files]) => files.test(path)).map(([resource]) => resource);
}
