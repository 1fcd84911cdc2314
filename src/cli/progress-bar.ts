/**
 * The progress bar a long statement draws on stderr (only when stderr is a
 * terminal): rows, rows/s, LLM calls, cache hits, dollars (`$ unknown` when a
 * call had no price), ETA.
 */
import { SingleBar } from 'cli-progress';
import { formatCost } from '../../base/dollars.js';
import type { Progress } from '../dispatch/progress.js';

export interface ProgressView {
  readonly onProgress: (p: Progress) => void;
  stop(): void;
}

export function progressBar(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  if (!stream.isTTY) return { onProgress: () => undefined, stop: () => undefined };
  let bar: SingleBar | undefined;
  return {
    onProgress: (p) => {
      const payload = {
        rps: p.rowsPerSec.toFixed(1),
        calls: p.calls,
        hits: p.cacheHits,
        // A provider's model with no price: not $0, which would read as free.
        dollars: formatCost(p.unpriced ? null : p.dollars),
        etaText: p.etaMs === null ? '?' : `${(p.etaMs / 1000).toFixed(1)}s`,
      };
      if (!bar) {
        bar = new SingleBar({
          stream,
          format:
            '{bar} {value}/{total} rows | {rps} rows/s | {calls} calls | {hits} cache hits | {dollars} | ETA {etaText}',
          hideCursor: true,
          clearOnComplete: true,
          barsize: 24,
        });
        bar.start(p.rowsTotal, p.rowsDone, payload);
      } else {
        bar.setTotal(p.rowsTotal);
        bar.update(p.rowsDone, payload);
      }
    },
    stop: () => {
      bar?.stop();
      bar = undefined;
    },
  };
}
