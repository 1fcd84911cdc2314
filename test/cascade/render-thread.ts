/**
 * A worker thread for render-bounds.test.ts: renders the templates the test
 * sends, as a pool thread does (a worker's time bound), each under the
 * statement signal that thread/abort-flag.ts makes from the statement's shared
 * abort flag, exactly as workers/cascade-worker.ts gets it.
 */
import { parentPort } from 'node:worker_threads';
import { compileTemplate, renderTemplate, type TemplateEngine } from '../../src/cascade/templates.js';
import { signalFor } from '../../src/thread/abort-flag.js';

export interface RenderAsk {
  readonly id: number;
  readonly source: string;
  readonly engine: TemplateEngine;
  /** The statement's abort flag (thread/abort-flag.ts createAbortBuffer). */
  readonly abort: SharedArrayBuffer;
}

export type RenderReply =
  | { readonly id: number; readonly started: true }
  | { readonly id: number; readonly ms: number; readonly text: string }
  | { readonly id: number; readonly ms: number; readonly error: { name: string; message: string } };

const port = parentPort!;
port.on('message', (ask: RenderAsk) => {
  const signal = signalFor(ask.abort);
  const template = compileTemplate(ask.source, ask.engine);
  // Sent before the render holds this thread: the test times its cancel from it.
  port.postMessage({ id: ask.id, started: true } satisfies RenderReply);
  const t0 = performance.now();
  try {
    const text = renderTemplate(template, {}, () => undefined, signal);
    port.postMessage({ id: ask.id, ms: performance.now() - t0, text } satisfies RenderReply);
  } catch (err) {
    const { name, message } = err as Error;
    port.postMessage({
      id: ask.id,
      ms: performance.now() - t0,
      error: { name, message },
    } satisfies RenderReply);
  }
});
