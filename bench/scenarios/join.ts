/**
 * Semantic join of n reviews against 4 labels. The label side is small, so
 * batch asks once per review which labels match (n calls, not 4n); the ideal
 * counts those n calls for every strategy.
 */
import { LABELS } from '../data.js';
import { operatorScenario } from './operator.js';

const base = operatorScenario(
  'join',
  'SELECT d.id, l.label FROM docs d SEMANTIC JOIN labels l ON d.text ~ l.label',
  (table) =>
    `SELECT d.id, l.label FROM ${table} d SEMANTIC JOIN bench_labels l ON d.text ~ l.label ORDER BY d.id, l.label`,
);

export const joinScenario = {
  ...base,
  // Only batch takes the small-side path; the others ask about every (review, label) pair.
  callsMade: (strategy: string, n: number) => (strategy === 'batch' ? n : n * LABELS.length),
};
