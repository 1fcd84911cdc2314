/**
 * A worker thread for render-bounds.test.ts: renders the templates the test
 * sends, as a pool thread does (a worker's time bound), each under the
 * statement signal that thread/abort-flag.ts makes from the statement's shared
 * abort flag, exactly as workers/cascade-worker.ts gets it.
 */
import { parentPort } from 'node:worker_threads';
import { compileTemplate, renderTemplate, type TemplateEngine } from '../../src/cascade/templates.js';
import { signalFor } from '../../src/thread/abort-flag.js';
import { threadCpuMs, threadId } from '../thread-cpu.js';

export interface RenderAsk {
  readonly id: number;
  readonly source: string;
  readonly engine: TemplateEngine;
  /** The statement's abort flag (thread/abort-flag.ts createAbortBuffer). */
  readonly abort: SharedArrayBuffer;
}

/**
 * `ms` is the render's wall time; `cpuMs` the CPU time this thread spent on it and `cpuEndMs`
 * the thread's CPU clock when it ended (threadCpuMs), which the test reads too through `tid`:
 * the bounds are about this thread's work, which a busy machine stretches in wall time only.
 */
export type RenderReply =
  | { readonly id: number; readonly started: true; readonly tid: number }
  | {
      readonly id: number;
      readonly ms: number;
      readonly cpuMs: number;
      readonly cpuEndMs: number;
      readonly text: string;
    }
  | {
      readonly id: number;
      readonly ms: number;
      readonly cpuMs: number;
      readonly cpuEndMs: number;
      readonly error: { name: string; message: string };
    };

const port = parentPort!;
port.on('message', (ask: RenderAsk) => {
  const signal = signalFor(ask.abort);
  const template = compileTemplate(ask.source, ask.engine);
  // Sent before the render holds this thread: the test times its cancel from it.
  port.postMessage({ id: ask.id, started: true, tid: threadId() } satisfies RenderReply);
  const t0 = performance.now();
  const cpu0 = threadCpuMs();
  const took = () => {
    const cpuEndMs = threadCpuMs();
    return { ms: performance.now() - t0, cpuMs: cpuEndMs - cpu0, cpuEndMs };
  };
  try {
    const text = renderTemplate(template, {}, () => undefined, signal);
    port.postMessage({ id: ask.id, ...took(), text } satisfies RenderReply);
  } catch (err) {
    const { name, message } = err as Error;
    port.postMessage({ id: ask.id, ...took(), error: { name, message } } satisfies RenderReply);
  }
});
