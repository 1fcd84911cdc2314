/** A statement's progress as NOTICE fields (the CLI draws the same numbers as a bar). */
import type { Progress } from '../exec/progress.js';
import type { NoticeFields } from './message-writer.js';

export function progressLine(p: Progress): string {
  const eta = p.etaMs === null ? '?' : `${(p.etaMs / 1000).toFixed(1)}s`;
  return (
    `rvbbit progress: ${p.rowsDone}/${p.rowsTotal} rows, ${p.rowsPerSec.toFixed(1)} rows/s, ` +
    `${p.calls} calls, ${p.cacheHits} cache hits, $${p.dollars.toFixed(4)}, ETA ${eta}`
  );
}

export function progressNotice(p: Progress): NoticeFields {
  return { S: 'NOTICE', V: 'NOTICE', C: '00000', M: progressLine(p) };
}
