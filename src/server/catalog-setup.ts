/**
 * When a client's emulated catalog (`pg-catalog-views.ts`) is made: each view
 * and macro when a statement first names it, with the ones its own definition
 * names, not all of them at login. The whole catalog took ~130 ms of DuckDB's
 * CPU per session (binding pg_class and the macros that read it), 200 logins
 * 26 s, while most clients ask for none of it (a service's pool running its
 * own SQL) or for one macro (`SELECT current_schema()`).
 *
 * A view made inside a client's transaction vanishes with its ROLLBACK
 * (psycopg2 without autocommit: `SELECT current_schema()`, `rollback()`, then
 * `SELECT version()`). So each batch of objects is made with a marker view of
 * its own; before an object made earlier is trusted, the markers still there
 * are read (duckdb_views(), ~1 ms: duckdb_functions(), which lists macros,
 * takes ~55 ms), and the objects of a batch whose marker is gone are made again.
 *
 * The client's identity (database, user, pid: session variables, which a
 * rollback does not undo) is set at login.
 */
import type { Session } from '../engine/session.js';
import { CATALOG_SETUP, identitySetup } from './pg-catalog-views.js';

/** One view or macro of the catalog: its name, its CREATE, and the other objects that CREATE names. */
interface CatalogObject {
  readonly name: string;
  readonly create: string;
  readonly names: readonly string[];
}

const CREATED_NAME = /^CREATE OR REPLACE TEMP (?:VIEW|MACRO) ([A-Za-z_][A-Za-z0-9_]*)/;

/** The catalog's objects in creation order: an object comes after every one its CREATE names. */
const OBJECTS: readonly CatalogObject[] = (() => {
  const names = CATALOG_SETUP.map((create) => {
    const name = CREATED_NAME.exec(create)?.[1];
    if (name === undefined) throw new Error(`not a catalog object: ${create.slice(0, 60)}`);
    return name.toLowerCase();
  });
  const pattern = namePattern(names);
  return CATALOG_SETUP.map((create, i) => ({
    name: names[i]!,
    create,
    names: [...new Set(namesIn(create, pattern))].filter((n) => n !== names[i]),
  }));
})();

const BY_NAME = new Map(OBJECTS.map((o, i) => [o.name, i]));

/** Any of `names` as a whole word, in any case (DuckDB's names are case-insensitive). */
function namePattern(names: readonly string[]): RegExp {
  return new RegExp(`(?<![A-Za-z0-9_$])(?:${names.join('|')})(?![A-Za-z0-9_$])`, 'gi');
}

const ANY_OBJECT = namePattern(OBJECTS.map((o) => o.name));

function namesIn(sql: string, pattern: RegExp): string[] {
  return [...sql.matchAll(pattern)].map((m) => m[0].toLowerCase());
}

/** The catalog objects `sql` needs, with every object their definitions need, in creation order. */
export function catalogObjectsFor(sql: string): readonly string[] {
  const needed = new Set<number>();
  const visit = (name: string) => {
    const i = BY_NAME.get(name);
    if (i === undefined || needed.has(i)) return;
    needed.add(i);
    for (const n of OBJECTS[i]!.names) visit(n);
  };
  for (const n of namesIn(sql, ANY_OBJECT)) visit(n);
  return [...needed].sort((a, b) => a - b).map((i) => OBJECTS[i]!.name);
}

/** A marker view per batch: `pg_`-named temp views are left out of pg_class (pg-catalog-views.ts). */
const MARKER_PREFIX = 'pg_rvbbit_catalog_batch_';

interface CatalogState {
  /** The session variables behind current_user & co. */
  identity: Promise<void> | undefined;
  /** Object name → the batch that made it. */
  readonly made: Map<string, number>;
  batches: number;
  /** The batch being made, if any: a statement that needs it waits for it. */
  making: Promise<void> | undefined;
  /**
   * The last statement scanned and the objects it needs: the extended protocol
   * asks for the same text up to three times (describe, bind, execute), and a
   * 5 MB INSERT takes ~10 ms of the main thread to scan.
   */
  scanned: { readonly sql: string; readonly needed: readonly string[] } | undefined;
}

const states = new WeakMap<Session, CatalogState>();

function stateOf(session: Session): CatalogState {
  let state = states.get(session);
  if (!state) {
    state = { identity: undefined, made: new Map(), batches: 0, making: undefined, scanned: undefined };
    states.set(session, state);
  }
  return state;
}

/**
 * Sets the client's identity (database, user, pid) on `session`'s connection
 * now. Call it before the client's first statement can be queued: the
 * connection runs operations in order.
 */
export function prepareCatalog(session: Session, params: Record<string, string>, pid: number): Promise<void> {
  const state = stateOf(session);
  const identity = identitySetup(params.database ?? params.user ?? 'rvbbit', params.user ?? 'rvbbit', pid);
  const set = session.connection.run(identity.join(';\n'));
  state.identity = set;
  // A failure is reported by the statement that awaits it (ensureCatalog), which tries again.
  set.catch(() => {
    if (state.identity === set) state.identity = undefined;
  });
  return set;
}

/**
 * The catalog objects `sql` names are there once this resolves. A session the
 * server did not set up at login (a library caller of runStatement) gets its
 * identity now.
 */
export async function ensureCatalog(
  session: Session,
  sql: string,
  params?: Record<string, string>,
  pid?: number,
): Promise<void> {
  const state = stateOf(session);
  await (state.identity ?? prepareCatalog(session, params ?? {}, pid ?? 0));
  if (state.scanned?.sql !== sql) state.scanned = { sql, needed: catalogObjectsFor(sql) };
  const { needed } = state.scanned;
  if (needed.length === 0) return;
  while (state.making) await state.making.catch(() => undefined);
  if (needed.some((n) => state.made.has(n))) await forgetRolledBack(session, state);
  const missing = needed.filter((n) => !state.made.has(n));
  if (missing.length === 0) return;
  const batch = state.batches++;
  const creates = missing.map((n) => OBJECTS[BY_NAME.get(n)!]!.create);
  // One call (and one file-guard check) for the batch, its marker last.
  const making = session.connection.run(
    [...creates, `CREATE OR REPLACE TEMP VIEW ${MARKER_PREFIX}${batch} AS SELECT 1 AS made`].join(';\n'),
  );
  state.making = making;
  try {
    await making;
    for (const n of missing) state.made.set(n, batch);
  } finally {
    state.making = undefined;
  }
}

/** Forgets the objects of batches a rollback took (their marker views are gone). */
async function forgetRolledBack(session: Session, state: CatalogState): Promise<void> {
  const { rows } = await session.connection.read(
    `SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal AND starts_with(view_name, '${MARKER_PREFIX}')`,
  );
  const alive = new Set(rows.map((r) => Number(String(r.view_name).slice(MARKER_PREFIX.length))));
  for (const [name, batch] of state.made) if (!alive.has(batch)) state.made.delete(name);
}
