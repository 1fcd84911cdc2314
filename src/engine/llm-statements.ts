/**
 * What statements that call models need (planner, pool, cascade compiler,
 * semantic rewrite), in one module the session imports on the first such
 * statement: plain SQL, and so `rvbbit query "SELECT 1"`, never loads liquidjs,
 * ajv or the planner (~150 ms of a CLI start).
 */

export { runMapStatement } from '../statements/map/map-batch-statement.js';
export { streamable, streamMap, streamsOnStream } from '../statements/map/map-stream.js';
export { collectMap } from '../statements/map/map-stream-collect.js';
export { openStreamedWrite, writeMapStreamed } from '../statements/map/map-stream-write.js';
export { runRunStatement } from '../statements/run/run-statement.js';
export { SPLIT_OFFERED } from '../statements/semantic/estimate/operator-cost.js';
export { explainSemantic } from '../statements/semantic/explain/explain-semantic.js';
export { runSemantic, streamSemantic, streamsRows } from '../statements/semantic/run/run-semantic.js';
export { explainStatement } from './explain.js';
export { planStatement } from './plan-statement.js';
