/** Semantic filter: `WHERE text MEANS …`, one operator call per row. */
import { operatorScenario } from './operator.js';

export const filterScenario = operatorScenario(
  'filter',
  "SELECT id FROM docs WHERE text MEANS 'a complaint about shipping'",
  (table) => `SELECT id FROM ${table} WHERE text MEANS 'a complaint about shipping' ORDER BY id`,
);
