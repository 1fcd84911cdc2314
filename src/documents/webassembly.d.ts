/**
 * The WebAssembly types @hyzyla/pdfium's declarations name (its options'
 * `instantiateWasm`, which pdfium.ts does not use). TypeScript declares them
 * only in its DOM and WebWorker libraries, which this Node project does not
 * load, and @types/node 20 not at all; the package's build checks its
 * dependencies' declarations (tsconfig.build.json: skipLibCheck false).
 */
declare namespace WebAssembly {
  type Imports = Record<string, Record<string, unknown>>;
  type Module = object;
  type Exports = Record<string, unknown>;
}
