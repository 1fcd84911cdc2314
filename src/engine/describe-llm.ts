/**
 * The columns of the statements that call models, from their plan alone
 * (describe-statement.ts): no row is read, no model called.
 *
 * Each kind describes its own (statements/map/describe-map.ts,
 * statements/run/describe-run.ts, statements/semantic/explain/describe-semantic.ts);
 * EXPLAIN's are its property/value rows, or one JSON column with FORMAT JSON.
 */

import type { Statement } from '../../grammar/index.js';
import type { ConnectionQueue } from '../db/connection-queue.js';
import type { ResultColumn } from '../db/query-result.js';
import type { EngineShared } from '../dispatch/engine-shared.js';
import { mapColumns } from '../statements/map/describe-map.js';
import { RUN_COLUMNS } from '../statements/run/describe-run.js';
import { semanticColumns } from '../statements/semantic/explain/describe-semantic.js';
import type { Plan } from './plan.js';

/** What the session lends a description. */
export interface DescribeHost {
  readonly shared: EngineShared;
  readonly q: ConnectionQueue;
  plan(stmt: Statement): Promise<Plan>;
}

const col = (name: string, type: string): ResultColumn => ({ name, type });

/** explain.ts and explain-semantic.ts. */
const EXPLAIN_TEXT = [col('property', 'VARCHAR'), col('value', 'VARCHAR')];
const EXPLAIN_JSON = [col('explain', 'JSON')];

export async function describePlan(
  host: DescribeHost,
  plan: Exclude<Plan, { kind: 'sql' }>,
  paramTypes: readonly (string | undefined)[],
): Promise<ResultColumn[]> {
  switch (plan.kind) {
    case 'map':
      return mapColumns(host.q, plan.map, paramTypes);
    case 'run':
      return RUN_COLUMNS;
    case 'explain':
    case 'explain-semantic':
      return plan.json ? EXPLAIN_JSON : EXPLAIN_TEXT;
    case 'semantic':
      return semanticColumns(host.shared, host.q, plan.semantic, paramTypes);
    case 'create-function':
    case 'drop-function':
      return [];
    default:
      return unreachable(plan);
  }
}

function unreachable(plan: never): never {
  throw new Error(`unknown plan kind ${(plan as { kind: string }).kind}`);
}
