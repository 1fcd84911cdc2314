/**
 * Fault injection for the engine's own tests, kept out of the public
 * QueryOptions: a query given `withCrash(…)` options has the worker running
 * one of its MAP chunks die mid-chunk (again on the re-run if `twice`).
 * Not exported from the package.
 */
import type { QueryOptions } from './query-options.js';

export interface CrashFault {
  /** The chunk index whose worker dies. */
  readonly chunk: number;
  readonly twice: boolean;
}

const CRASH = Symbol('rvbbit.test.crash');

type WithCrash = QueryOptions & { readonly [CRASH]?: CrashFault };

/** `options` plus a crash of chunk `chunk` (and of its re-run if `twice`). */
export function withCrash(chunk: number, twice = false, options: QueryOptions = {}): QueryOptions {
  return { ...options, [CRASH]: { chunk, twice } } as WithCrash;
}

export function crashOf(options: QueryOptions): CrashFault | undefined {
  return (options as WithCrash)[CRASH];
}
