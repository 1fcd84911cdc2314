/** Semantic score in the SELECT list: `text ABOUT …` for every row. */
import { operatorScenario } from './operator.js';

export const scoreScenario = operatorScenario(
  'score',
  "SELECT id, text ABOUT 'battery life' AS score FROM docs",
  (table) => `SELECT id, text ABOUT 'battery life' AS score FROM ${table} ORDER BY id`,
);
