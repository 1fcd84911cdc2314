/**
 * Typed columns of a streamed MAP (`AS (brand VARCHAR, confidence DOUBLE)`):
 * each batch's JSON outputs go to DuckDB as two bound lists and come back
 * cast by the same expressions the batch path joins with, so both give the
 * same values and the same `_error` text. It runs on a connection of its own:
 * the session's connection is busy streaming the USING rows, and any other
 * statement there would end that stream.
 */
import {
  type DuckDBConnection,
  type DuckDBInstance,
  type DuckDBPreparedStatement,
  type DuckDBType,
  type DuckDBValue,
  LIST,
  listValue,
  VARCHAR,
} from '@duckdb/node-api';
import { typeName } from '../../db/query-result.js';
import { type OutcomeCells, outputColumns } from './map-output.js';
import type { MapOutput } from './plan-map.js';

export class TypedCaster {
  private constructor(
    private readonly con: DuckDBConnection,
    private readonly prepared: DuckDBPreparedStatement,
  ) {}

  static async open(
    instance: DuckDBInstance,
    output: Extract<MapOutput, { kind: 'typed' }>,
  ): Promise<TypedCaster> {
    const con = await instance.connect();
    try {
      // Two unnests in one SELECT zip the lists row by row, in list order.
      const prepared = await con.prepare(
        `SELECT ${outputColumns(output, 'o')}
         FROM (SELECT unnest($1::VARCHAR[]) AS json, unnest($2::VARCHAR[]) AS error) o`,
      );
      return new TypedCaster(con, prepared);
    } catch (err) {
      con.closeSync();
      throw err;
    }
  }

  /** The typed columns' DuckDB types, as `engine.query` reports them. */
  columnTypes(): string[] {
    const types: string[] = [];
    // The last column is `_error`.
    for (let i = 0; i < this.prepared.columnCount - 1; i++) {
      types.push(typeName(this.prepared.columnType(i)));
    }
    return types;
  }

  /** The typed columns' and `_error`'s DuckDB types (what a streamed CREATE TABLE makes them: map-stream-write.ts). */
  duckdbColumnTypes(): DuckDBType[] {
    return Array.from({ length: this.prepared.columnCount }, (_, i) => this.prepared.columnType(i));
  }

  /** One row per cell, in order: the typed values, then `_error`. */
  async cast(cells: readonly OutcomeCells[]): Promise<unknown[][]> {
    return (await this.read(cells)).getRowsJS();
  }

  /** The same rows as DuckDB's own values (what an appender takes). */
  async castValues(cells: readonly OutcomeCells[]): Promise<DuckDBValue[][]> {
    return (await this.read(cells)).getRows();
  }

  private read(cells: readonly OutcomeCells[]) {
    this.prepared.bindList(1, listValue(cells.map((c) => c.json)), LIST(VARCHAR));
    this.prepared.bindList(2, listValue(cells.map((c) => c.error)), LIST(VARCHAR));
    return this.prepared.runAndReadAll();
  }

  close(): void {
    this.prepared.destroySync();
    this.con.closeSync();
  }
}
