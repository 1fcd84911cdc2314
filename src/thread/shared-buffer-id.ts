/**
 * An identity for a per-statement SharedArrayBuffer that survives postMessage.
 * Every message a worker receives deserialises a new SharedArrayBuffer object
 * over the same memory, so a cache keyed by the object (a WeakMap) misses on
 * every chunk: each chunk then built its own abort signal and semaphore, which
 * a pending Atomics.waitAsync kept alive until the statement ended (measured:
 * about 6 KB per chunk, 36 MB of worker heap over a 100k-row MAP). The id lives
 * in the buffer itself, in the two Int32 cells after the ones the buffer uses.
 */
const ID_CELLS = 2;

/** The size of bufferWithId(cells). */
export function bytesWithId(cells: number): number {
  return (cells + ID_CELLS) * 4;
}

/** A buffer of `cells` Int32 cells followed by a random id. */
export function bufferWithId(cells: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(bytesWithId(cells));
  crypto.getRandomValues(new Int32Array(buffer, cells * 4, ID_CELLS));
  return buffer;
}

/** The id `bufferWithId(cells)` stamped, or undefined for a buffer made without one. */
export function bufferId(buffer: SharedArrayBuffer, cells: number): string | undefined {
  if (buffer.byteLength < (cells + ID_CELLS) * 4) return undefined;
  const id = new Int32Array(buffer, cells * 4, ID_CELLS);
  return `${id[0]}:${id[1]}`;
}
