/**
 * The engine the MAP benchmarks measure: the build (dist/, what users
 * install; worker threads run bundled JavaScript) by default, or the
 * TypeScript sources through tsx, worker threads too, with
 * RVBBIT_BENCH_SOURCE=1 (how every figure before the package build was taken).
 */
import type * as Api from '../src/index.js';

const fromSource = process.env.RVBBIT_BENCH_SOURCE === '1';
const specifier: string = fromSource ? '../src/index.js' : '../dist/index.js';

export const { createEngine, startSimulatorProcess } = (await import(specifier)) as typeof Api;
export const engineBuild = fromSource ? 'sources through tsx' : 'the build (dist/)';
