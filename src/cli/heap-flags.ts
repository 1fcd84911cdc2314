/**
 * V8's heap settings for the `rvbbit` process (issue 66), set before anything
 * else the CLI loads so every thread the command starts (the cascade pool, the
 * document parsers) is made with them. `--optimize-for-size`: V8 grows its
 * heaps slower and gives each thread's young generation 1 MB instead of
 * 32 MB. A large statement's JS heap is mostly garbage between collections
 * (a CTAS of a million generated labels: 196 MB peak, 19 MB live after a full
 * collection at 100k rows); with this flag the same statement at 30k rows
 * (bench/paths-breakdown.child.mjs ctas-llm) peaked at 223 MB RSS against
 * 362 MB, in the same time (60.4 s against 60.9 s). Set at run time, the flag
 * reaches the main thread's heap growth and every isolate made after it, not
 * the main thread's young generation (its size is fixed when the process
 * starts); library users choose their own node flags (docs/performance.md).
 */
import { setFlagsFromString } from 'node:v8';

export const CLI_V8_FLAGS = '--optimize-for-size';

setFlagsFromString(CLI_V8_FLAGS);
