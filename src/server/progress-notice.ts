/** A statement's progress as NOTICE fields (the CLI draws the same numbers as a bar; `$ unknown` for an unpriced model). */

import { formatCost } from '../../base/dollars.js';
import type { Progress } from '../dispatch/progress.js';
import type { NoticeFields } from './message-writer.js';

function progressLine(p: Progress): string {
  const eta = p.etaMs === null ? '?' : `${(p.etaMs / 1000).toFixed(1)}s`;
  return (
    `rvbbit progress: ${p.rowsDone}/${p.rowsTotal} rows, ${p.rowsPerSec.toFixed(1)} rows/s, ` +
    `${p.calls} calls, ${p.cacheHits} cache hits, ${formatCost(p.unpriced ? null : p.dollars)}, ETA ${eta}`
  );
}

export function progressNotice(p: Progress): NoticeFields {
  return { S: 'NOTICE', V: 'NOTICE', C: '00000', M: progressLine(p) };
}

/** client_min_messages levels, least severe first (as Postgres orders them for the client). */
const LEVELS = ['debug5', 'debug4', 'debug3', 'debug2', 'debug1', 'log', 'notice', 'warning', 'error'];

/**
 * A warning of the engine (what ran differs from what was asked: PARALLEL
 * capped, input cut by the auto-LIMIT), as psql shows `WARNING:  …`.
 */
export function engineWarning(text: string): NoticeFields {
  return { S: 'WARNING', V: 'WARNING', C: '01000', M: text };
}

/** A notice of the engine where Postgres sends NOTICE (DROP … IF EXISTS of a missing object), as psql shows `NOTICE:  …`. */
export function engineNotice(text: string): NoticeFields {
  return { S: 'NOTICE', V: 'NOTICE', C: '00000', M: text };
}

/** False when the session's `SET client_min_messages` is `error`: no warnings either. */
export function warningsWanted(settings: ReadonlyMap<string, string>): boolean {
  const level = settings.get('client_min_messages')?.trim().toLowerCase();
  const rank = level === undefined || level === 'default' ? -1 : LEVELS.indexOf(level);
  return rank <= LEVELS.indexOf('warning');
}

/** False when the session's `SET client_min_messages` is above NOTICE (warning, error): no progress notices. */
export function noticesWanted(settings: ReadonlyMap<string, string>): boolean {
  const level = settings.get('client_min_messages')?.trim().toLowerCase();
  const rank = level === undefined || level === 'default' ? -1 : LEVELS.indexOf(level);
  return rank <= LEVELS.indexOf('notice');
}
