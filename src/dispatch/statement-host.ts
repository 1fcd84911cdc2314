/**
 * The SQL host of one statement's workers (their `sql_data` cells, over the
 * host channel): a DuckDB connection of its own, opened on the first query and
 * closed with the statement, read-only by the same rule as RUN's host
 * (cascade/duckdb-host.ts). It sees the database's tables; a session's TEMP
 * tables live on the session's connection, which the statement may be
 * streaming its input from.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Cascade } from '../cascade/cascade-types.js';
import { createDuckDbHost } from '../cascade/duckdb-host.js';
import type { CascadeHost, SqlResult } from '../cascade/host.js';
import { DuckDbBatchLedger } from './batch-ledger.js';

/** Whether a cascade has a cell that queries the host. */
export function needsSqlHost(cascade: Cascade): boolean {
  return cascade.cells.some((c) => c.kind === 'tool' && c.tool === 'sql_data');
}

export class StatementHost implements CascadeHost {
  private connection: Promise<DuckDBConnection> | undefined;
  private host: Promise<CascadeHost> | undefined;
  /** `delivery: batch`'s batch ids (rvbbit.batches). */
  readonly batches: DuckDbBatchLedger;

  constructor(
    private readonly instance: DuckDBInstance,
    queryId: string,
  ) {
    this.batches = new DuckDbBatchLedger(instance, queryId);
  }

  async sqlData(query: string, limit: number, signal?: AbortSignal): Promise<SqlResult> {
    if (!this.host) {
      this.connection = this.instance.connect();
      this.host = this.connection.then(createDuckDbHost);
    }
    return (await this.host).sqlData(query, limit, signal);
  }

  async close(): Promise<void> {
    const con = await this.connection?.catch(() => undefined);
    con?.closeSync();
    this.batches.close();
  }
}
