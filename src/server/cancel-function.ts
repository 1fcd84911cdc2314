/**
 * pg_cancel_backend(pid) as a DuckDB function, so every form a client may
 * write runs it: `SELECT pg_cancel_backend(pid) AS ok`, one with a bound
 * parameter, `SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE …`.
 * Only the bare `SELECT pg_cancel_backend(n)` was answered before
 * (catalog-queries.ts still answers that one without DuckDB, with
 * Postgres's column name); any other form failed (42P01).
 *
 * The function is registered once per engine (DuckDB's catalog is shared by
 * every connection) at a client's login, before any statement of its runs,
 * so never inside a client's transaction (a ROLLBACK would take it away from
 * every client). A call asks the server of the connection that makes it:
 * each logged-in connection's canceller is kept by its DuckDB connection id
 * and removed when it leaves; another session (the library's own) has none
 * and is told so.
 */
import { BOOLEAN, type DuckDBConnection, DuckDBScalarFunction, INTEGER } from '@duckdb/node-api';
import { RvbbitError } from '../../base/errors.js';
import { functionError } from '../db/function-errors.js';

type Canceller = (pid: number) => boolean;

/** Per engine: each logged-in client's DuckDB connection id → its server's pg_cancel_backend. */
const cancellers = new WeakMap<object, Map<number, Canceller>>();

interface CallerBound {
  readonly connectionId: number;
}

/**
 * Makes pg_cancel_backend(pid) on `con` (a logged-in client's, before any
 * statement of its) ask `cancel`; registers the function in `engine`'s
 * database the first time. Returns what removes the client's canceller.
 */
export function installCancelFunction(engine: object, con: DuckDBConnection, cancel: Canceller): () => void {
  let byConnection = cancellers.get(engine);
  if (!byConnection) {
    byConnection = new Map();
    cancellers.set(engine, byConnection);
    register(con, byConnection);
  }
  const id = con.clientContext.connectionId;
  byConnection.set(id, cancel);
  return () => {
    if (byConnection.get(id) === cancel) byConnection.delete(id);
  };
}

function register(con: DuckDBConnection, byConnection: ReadonlyMap<number, Canceller>): void {
  con.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'pg_cancel_backend',
      returnType: BOOLEAN,
      parameterTypes: [INTEGER],
      // NULLs reach the body: a NULL pid cancels nothing (NULL, as Postgres answers).
      specialHandling: true,
      // It acts: never folded into a constant or run once for equal arguments.
      volatile: true,
      bindFunction: (bind) =>
        bind.setBindData({ connectionId: bind.clientContext.connectionId } satisfies CallerBound),
      mainFunction: (info, chunk, output) => {
        try {
          const caller = (info.bindData as CallerBound | undefined)?.connectionId;
          const cancel = caller === undefined ? undefined : byConnection.get(caller);
          if (!cancel)
            throw new RvbbitError(
              'CANCEL_NOT_SERVED',
              'pg_cancel_backend cancels a statement of a client of rvbbit serve; this session is not one',
            );
          const pids = chunk.getColumnVector(0);
          for (let r = 0; r < chunk.rowCount; r++) {
            const pid = pids.getItem(r) as number | null;
            output.setItem(r, pid === null ? null : cancel(pid));
          }
          output.flush();
        } catch (err) {
          info.setError(
            functionError(
              err instanceof RvbbitError
                ? err
                : new RvbbitError('INTERNAL', `pg_cancel_backend: ${String(err)}`),
            ),
          );
        }
      },
    }),
  );
}
