/**
 * SAVEPOINT, RELEASE [SAVEPOINT] and ROLLBACK TO [SAVEPOINT], which DuckDB
 * does not parse. Clients send them on their own: psycopg 3's nested
 * `transaction()` (SQLAlchemy's psycopg dialect at connect), postgres.js
 * `sql.savepoint`, pgJDBC `setSavepoint` / `rollback(savepoint)`.
 *
 * - SAVEPOINT and RELEASE succeed in a transaction block and change
 *   nothing: while no ROLLBACK TO follows, a transaction with savepoints
 *   commits exactly what it would without them.
 * - ROLLBACK TO a savepoint after which the block only read (or did
 *   nothing) succeeds: there is nothing to undo, so it is exact without
 *   DuckDB savepoints. The savepoints made after it are dropped, it stays
 *   (Postgres' rule), and a block failed since it is usable again — when
 *   DuckDB's own transaction still is (a binder error keeps it; an error
 *   while running, a constraint or a cast, ends it: then 0A000 as below).
 *   What counts as a write is decided conservatively: every statement
 *   `readsOnly` (statement-class.ts) does not prove read-only — SET,
 *   DECLARE, CALL, EXPLAIN, an RVBBIT statement included.
 * - ROLLBACK TO a savepoint after a write cannot be done (DuckDB cannot
 *   undo part of a transaction): it fails with 0A000 and leaves the block
 *   failed, so the client's next statement must be ROLLBACK. Nothing is
 *   committed that the client meant to undo; carrying on as if the
 *   savepoint's work was undone would have been worse than failing.
 * - ROLLBACK TO a name no SAVEPOINT of the block made fails with 3B001, as
 *   in Postgres. RELEASE of an unknown name succeeds (it undoes nothing).
 * - Outside a block all three fail with 25P01, as in Postgres; in a failed
 *   block SAVEPOINT and RELEASE fail with 25P02 like any statement.
 */
import { RvbbitError } from '../../base/errors.js';
import type { TxStatus } from './protocol-codes.js';
import type { SavepointKind } from './statement-class.js';
import type { StatementOutcome } from './statement-runner.js';

/** What any statement but the block's end gets in a failed transaction block (25P02, as in Postgres). */
export function failedBlockError(): RvbbitError {
  return new RvbbitError(
    'IN_FAILED_TRANSACTION',
    'current transaction is aborted, commands ignored until end of transaction block',
  );
}

/** The savepoint's name as written (for messages), as Postgres matches it: unquoted names lower-cased. */
export function savepointName(sql: string): string {
  const m = /(?:SAVEPOINT|RELEASE|TO)\s+(?:SAVEPOINT\s+)?("(?:[^"]|"")*"|[^\s;]+)\s*;?\s*$/i.exec(sql.trim());
  const name = m?.[1] ?? '';
  return name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name.toLowerCase();
}

/**
 * A transaction block's savepoints, each with the number of writes the
 * block had made when it was set; `wrote()` counts one more.
 */
export class Savepoints {
  private marks: { readonly name: string; readonly writes: number }[] = [];
  private writes = 0;

  /** A new block (or none): no savepoint, no write. */
  reset(): void {
    this.marks = [];
    this.writes = 0;
  }

  /** A statement that may write ran (or was tried) in the block. */
  wrote(): void {
    this.writes++;
  }

  set(name: string): void {
    this.marks.push({ name, writes: this.writes });
  }

  /** RELEASE: the newest savepoint of that name and every later one go; their work stays. */
  release(name: string): void {
    const at = this.marks.findLastIndex((m) => m.name === name);
    if (at >= 0) this.marks.length = at;
  }

  /**
   * ROLLBACK TO: `unknown` when no savepoint has the name; `written` when a
   * write may have happened since it; else `clean`, and the savepoints after
   * it are gone (it stays).
   */
  rollbackTo(name: string): 'unknown' | 'written' | 'clean' {
    const at = this.marks.findLastIndex((m) => m.name === name);
    if (at < 0) return 'unknown';
    if (this.writes > this.marks[at]!.writes) return 'written';
    this.marks.length = at + 1;
    return 'clean';
  }
}

/** Postgres' tag for each (ROLLBACK TO SAVEPOINT's is ROLLBACK). */
const TAGS: Readonly<Record<SavepointKind, string>> = {
  SAVEPOINT: 'SAVEPOINT',
  RELEASE: 'RELEASE',
  'ROLLBACK TO': 'ROLLBACK',
};

/**
 * The outcome of a savepoint statement in a block whose status is `tx`;
 * throws when it fails (the caller fails the block, as for any error).
 * `intact` tells whether DuckDB's transaction still runs statements (asked
 * only for a ROLLBACK TO in a failed block with nothing to undo).
 */
export async function savepointStatement(
  sql: string,
  kind: SavepointKind,
  tx: TxStatus,
  savepoints: Savepoints,
  intact: () => Promise<boolean>,
): Promise<StatementOutcome> {
  const statement =
    kind === 'RELEASE' ? 'RELEASE SAVEPOINT' : kind === 'ROLLBACK TO' ? 'ROLLBACK TO SAVEPOINT' : kind;
  if (tx === 'I') {
    throw new RvbbitError(
      'SAVEPOINT_OUTSIDE_TRANSACTION',
      `${statement} can only be used in transaction blocks`,
    );
  }
  const name = savepointName(sql);
  const done: StatementOutcome = {
    result: { columns: [], rows: [] },
    completion: { rows: false, tag: TAGS[kind] },
  };
  if (kind === 'ROLLBACK TO') {
    const state = savepoints.rollbackTo(name);
    if (state === 'unknown') {
      throw new RvbbitError('SAVEPOINT_UNKNOWN', `savepoint "${name}" does not exist`);
    }
    if (state === 'written') {
      throw new RvbbitError(
        'SAVEPOINT_ROLLBACK',
        `ROLLBACK TO SAVEPOINT ${name} is not supported after a write since it: DuckDB has no savepoints, so the work since it cannot be undone alone; the transaction is aborted, ROLLBACK to end it`,
      );
    }
    if (tx === 'E' && !(await intact())) {
      throw new RvbbitError(
        'SAVEPOINT_ROLLBACK',
        `ROLLBACK TO SAVEPOINT ${name} is not supported here: the statement that failed since it ended DuckDB's transaction (DuckDB has no savepoints), so the transaction is aborted, ROLLBACK to end it`,
      );
    }
    return done;
  }
  if (tx === 'E') throw failedBlockError();
  if (kind === 'SAVEPOINT') savepoints.set(name);
  else savepoints.release(name);
  return done;
}
