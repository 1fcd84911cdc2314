/**
 * Runs SQL text statement by statement on an engine session and prints each
 * result in the chosen format; shared by `rvbbit query` and the REPL.
 */
import { parse } from '../../grammar/index.js';
import type { Session } from '../engine/session.js';
import { RvbbitError } from '../errors.js';
import { type OutputFormat, renderResult } from '../output/render-result.js';
import { completionOf } from '../server/command-tag.js';
import { progressBar } from './progress-bar.js';

export interface PrintOptions {
  readonly format: OutputFormat;
  readonly signal: AbortSignal;
  readonly timer?: boolean;
  readonly out?: NodeJS.WritableStream;
}

/** Runs every statement in `sql`; stops at the first error (thrown). */
export async function runAndPrint(session: Session, sql: string, o: PrintOptions): Promise<void> {
  const out = o.out ?? process.stdout;
  const parsed = parse(sql);
  if (parsed.errors.length > 0) {
    // Let the engine shape the error (code, position, caret) exactly as it does for every caller.
    await session.query(sql, undefined, { signal: o.signal });
    return;
  }
  for (const stmt of parsed.statements) {
    const text = sql.slice(stmt.span.start, stmt.span.end);
    const bar = progressBar();
    const t0 = performance.now();
    try {
      if (o.signal.aborted) throw new RvbbitError('CANCELLED', 'statement cancelled');
      const result = await session.query(text, undefined, { signal: o.signal, onProgress: bar.onProgress });
      bar.stop();
      const done = completionOf(text, result);
      if (done.rows) out.write(renderResult(result, o.format));
      else if (o.format === 'table') out.write(`${done.tag}\n`);
      if (o.timer) process.stderr.write(`Time: ${(performance.now() - t0).toFixed(1)} ms\n`);
    } finally {
      bar.stop();
    }
  }
}
