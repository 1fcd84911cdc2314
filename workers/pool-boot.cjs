// The file Piscina's workers load (src/thread/worker-pool.ts): it imports the
// pool's entry module, named in workerData, and hands each task to that
// module's default export.
//
// Why not give Piscina the entry itself: Piscina require()s its filename
// before it tries import(), and on Node 20.19+ require() of an ES module
// (require(esm)) aborts the whole process, every client with it, when the
// worker is terminated while that module's graph is being instantiated
// (`FATAL ERROR: v8::Module::IsGraphAsync … must be used on an instantiated
// module`: Node's ModuleWrap::InstantiateSync asks the graph after an
// instantiation that termination cut short). A pool closed while its workers
// are still starting does exactly that. import() instantiates through the
// asynchronous loader, which a termination only stops.
//
// A `.ts` entry (running from source) is required instead: on Node 20 tsx's
// ESM hooks do not reach worker threads, its require hook does, and it
// compiles the module to CommonJS (no require(esm) involved).
'use strict';
const { fileURLToPath } = require('node:url');
const { workerData } = require('node:worker_threads');

const entry = workerData.entry;
const loading = entry.endsWith('.ts')
  ? new Promise((resolve) => resolve(require(fileURLToPath(entry))))
  : import(entry);
// A module that cannot load fails every task with its error (the pool names the file).
loading.catch(() => undefined);

module.exports = async function runTask(task) {
  const entryModule = await loading;
  return entryModule.default(task);
};
