/** The row an RVBBIT RUN returns (run-statement.ts runRow), and RUN ASYNC's: known before it runs. */
import type { ResultColumn } from '../../db/query-result.js';

const col = (name: string, type: string): ResultColumn => ({ name, type });

export const RUN_COLUMNS = [
  col('status', 'VARCHAR'),
  col('session_id', 'VARCHAR'),
  col('table_created', 'VARCHAR'),
  col('row_count', 'BIGINT'),
  col('outputs', 'JSON'),
  col('error', 'VARCHAR'),
  col('duration_ms', 'DOUBLE'),
  col('cost', 'DOUBLE'),
];
