/**
 * SAVEPOINT, RELEASE [SAVEPOINT] and ROLLBACK TO [SAVEPOINT], which DuckDB
 * does not parse. Clients send them on their own: psycopg 3's nested
 * `transaction()` (SQLAlchemy's psycopg dialect at connect), postgres.js
 * `sql.savepoint`, pgJDBC `setSavepoint`.
 *
 * - SAVEPOINT and RELEASE succeed in a transaction block and change
 *   nothing: while no ROLLBACK TO follows, a transaction with savepoints
 *   commits exactly what it would without them.
 * - ROLLBACK TO cannot be done (DuckDB cannot undo part of a transaction):
 *   it fails with 0A000 and leaves the block failed, so the client's next
 *   statement must be ROLLBACK. Nothing is committed that the client
 *   meant to undo; carrying on as if the savepoint's work was undone
 *   would have been worse than failing.
 * - Outside a block all three fail with 25P01, as in Postgres; in a failed
 *   block SAVEPOINT and RELEASE fail with 25P02 like any statement.
 *
 * Names are not checked: RELEASE of a savepoint never made succeeds.
 */
import { RvbbitError } from '../../base/errors.js';
import type { TxStatus } from './protocol-codes.js';
import type { SavepointKind } from './statement-class.js';
import type { StatementOutcome } from './statement-runner.js';

/** The savepoint's name as written (for messages). */
function nameOf(sql: string): string {
  const m = /(?:SAVEPOINT|RELEASE|TO)\s+(?:SAVEPOINT\s+)?("(?:[^"]|"")*"|[^\s;]+)\s*;?\s*$/i.exec(sql.trim());
  const name = m?.[1] ?? '';
  return name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name.toLowerCase();
}

/**
 * The outcome of a savepoint statement in a block whose status is `tx`;
 * throws when it fails (the caller fails the block, as for any error).
 */
export function savepointStatement(sql: string, kind: SavepointKind, tx: TxStatus): StatementOutcome {
  const statement =
    kind === 'RELEASE' ? 'RELEASE SAVEPOINT' : kind === 'ROLLBACK TO' ? 'ROLLBACK TO SAVEPOINT' : kind;
  if (tx === 'I') {
    throw new RvbbitError(
      'SAVEPOINT_OUTSIDE_TRANSACTION',
      `${statement} can only be used in transaction blocks`,
    );
  }
  if (kind === 'ROLLBACK TO') {
    throw new RvbbitError(
      'SAVEPOINT_ROLLBACK',
      `ROLLBACK TO SAVEPOINT ${nameOf(sql)} is not supported: DuckDB has no savepoints, so the work since it cannot be undone alone; the transaction is aborted, ROLLBACK to end it`,
    );
  }
  if (tx === 'E') {
    throw new RvbbitError(
      'IN_FAILED_TRANSACTION',
      'current transaction is aborted, commands ignored until end of transaction block',
    );
  }
  return { result: { columns: [], rows: [] }, completion: { rows: false, tag: kind } };
}
