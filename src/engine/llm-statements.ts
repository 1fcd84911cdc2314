/**
 * What statements that call models need (planner, pool, cascade compiler,
 * semantic rewrite), in one module the session imports on the first such
 * statement: plain SQL, and so `rvbbit query "SELECT 1"`, never loads liquidjs,
 * ajv or the planner (~150 ms of a CLI start).
 */

export { runMapStatement } from '../exec/map-batch-statement.js';
export { streamable, streamMap } from '../exec/map-stream.js';
export { collectMap } from '../exec/map-stream-collect.js';
export { planStatement } from '../plan/plan-statement.js';
export { explainSemantic } from '../semantic/explain-semantic.js';
export { runSemantic } from '../semantic/run-semantic.js';
export { explainStatement } from './explain.js';
export { runRunStatement } from './run-statement.js';
