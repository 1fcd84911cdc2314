/**
 * When a client's emulated catalog (`pg-catalog-views.ts`) is made: at login,
 * queued on the session's connection before any statement of the client can
 * be. TEMP views and macros made inside a client's transaction would vanish
 * with its ROLLBACK (psycopg2 without autocommit: `SELECT current_schema()`,
 * `rollback()`, then `SELECT version()` found no catalog); made outside any,
 * they last as long as the session.
 */
import type { Session } from '../engine/session.js';
import { CATALOG_SETUP, identitySetup } from './pg-catalog-views.js';

const ready = new WeakMap<Session, Promise<void>>();

/**
 * Queues the catalog's creation on `session`'s connection now, with the
 * client's identity (database, user, pid). Call it before the client's first
 * statement can be queued: the connection runs operations in order.
 */
export function prepareCatalog(session: Session, params: Record<string, string>, pid: number): Promise<void> {
  const identity = identitySetup(params.database ?? params.user ?? 'rvbbit', params.user ?? 'rvbbit', pid);
  // One batch: a single call (and file-guard check) instead of one per view.
  const batch = [...identity, ...CATALOG_SETUP].join(';\n');
  const made = session.runOnConnection(batch);
  ready.set(session, made);
  // A failure is reported by the catalog query that awaits it (ensureCatalog), which tries again.
  made.catch(() => {
    if (ready.get(session) === made) ready.delete(session);
  });
  return made;
}

/**
 * The catalog is there once this resolves. A session the server did not set
 * up at login (a library caller of runStatement) gets it now.
 */
export function ensureCatalog(
  session: Session,
  params?: Record<string, string>,
  pid?: number,
): Promise<void> {
  return ready.get(session) ?? prepareCatalog(session, params ?? {}, pid ?? 0);
}
