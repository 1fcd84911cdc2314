/**
 * Semantic join of n reviews against 4 labels. The label side is small, so the
 * engine may ask once per review which labels match (n calls, not 4n); the
 * ideal counts n calls.
 */
import { operatorScenario } from './operator.js';

export const joinScenario = operatorScenario(
  'join',
  'SELECT d.id, l.label FROM docs d SEMANTIC JOIN labels l ON d.text ~ l.label',
  (table) =>
    `SELECT d.id, l.label FROM ${table} d SEMANTIC JOIN bench_labels l ON d.text ~ l.label ORDER BY d.id, l.label`,
);
