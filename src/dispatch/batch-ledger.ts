/**
 * `rvbbit.batches`: one row per provider batch a `delivery: batch` statement
 * submitted or picked up, keyed by the hash of its JSONL file
 * (llm/batch-delivery.ts). Written on submission and at every change of
 * status or counts, on a connection of its own in autocommit, so a kill -9
 * keeps the batch id: running the same statement again finds it and polls
 * that batch instead of paying for a new one. Users read progress from it
 * (`SELECT status, completed, total FROM rvbbit.batches`).
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { BatchLedger, BatchLedgerEntry } from '../llm/batch-delivery.js';

const BATCHES_SQL = `CREATE TABLE IF NOT EXISTS rvbbit.batches (
  key VARCHAR, batch_id VARCHAR, input_file_id VARCHAR, status VARCHAR,
  total BIGINT, completed BIGINT, failed BIGINT, query_id VARCHAR,
  created_at TIMESTAMP, updated_at TIMESTAMP
)`;

export class DuckDbBatchLedger implements BatchLedger {
  private connection: Promise<DuckDBConnection> | undefined;
  /** Writes in order: a record and the find after it see each other. */
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly queryId: string,
  ) {}

  private con(): Promise<DuckDBConnection> {
    this.connection ??= this.instance.connect().then(async (con) => {
      await con.run(BATCHES_SQL);
      return con;
    });
    return this.connection;
  }

  private serial<T>(work: (con: DuckDBConnection) => Promise<T>): Promise<T> {
    const next = this.last.then(
      () => this.con().then(work),
      () => this.con().then(work),
    );
    this.last = next.catch(() => undefined);
    return next;
  }

  find(key: string): Promise<BatchLedgerEntry | undefined> {
    return this.serial(async (con) => {
      const reader = await con.runAndReadAll(
        `SELECT batch_id, input_file_id, status, total, completed, failed FROM rvbbit.batches
         WHERE key = $key ORDER BY updated_at DESC LIMIT 1`,
        { key },
      );
      const row = reader.getRowObjectsJS()[0];
      if (!row) return undefined;
      return {
        key,
        batchId: String(row['batch_id']),
        inputFileId: String(row['input_file_id'] ?? ''),
        status: String(row['status']),
        total: Number(row['total']),
        completed: Number(row['completed']),
        failed: Number(row['failed']),
      };
    });
  }

  record(e: BatchLedgerEntry): Promise<void> {
    return this.serial(async (con) => {
      const values = {
        key: e.key,
        id: e.batchId,
        file: e.inputFileId,
        status: e.status,
        total: e.total,
        completed: e.completed,
        failed: e.failed,
        query: this.queryId,
      };
      // One statement: autocommit makes it durable before the poll goes on.
      const updated = await con.runAndReadAll(
        `UPDATE rvbbit.batches SET status = $status, total = $total, completed = $completed, failed = $failed,
           input_file_id = CASE WHEN $file = '' THEN input_file_id ELSE $file END,
           query_id = $query, updated_at = now()::TIMESTAMP
         WHERE key = $key AND batch_id = $id RETURNING 1`,
        values,
      );
      if (updated.currentRowCount > 0) return;
      await con.run(
        `INSERT INTO rvbbit.batches VALUES ($key, $id, $file, $status, $total, $completed, $failed, $query,
           now()::TIMESTAMP, now()::TIMESTAMP)`,
        values,
      );
    });
  }

  close(): void {
    void this.connection?.then((c) => c.closeSync()).catch(() => undefined);
  }
}
