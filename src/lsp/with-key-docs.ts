/**
 * What hover says of each WITH key: its value type and meaning, in short.
 * docs/dialect.md ("WITH options") is the full text; the keys themselves and
 * which statement takes them come from grammar/with-options.ts, and the
 * Record type makes a new key fail to compile until it is described here.
 */
import { MAP_ONLY_KEYS, RUN_ONLY_KEYS, WITH_KEYS } from '../../grammar/index.js';

type WithKey = (typeof WITH_KEYS)[number];

const DOCS: Readonly<Record<WithKey, { type: string; meaning: string }>> = {
  as_table: {
    type: 'string',
    meaning:
      'MAP: write the full result to this table and return one metadata row instead. RUN: the name of the input table.',
  },
  persist: { type: 'bool', meaning: 'keep the input table after the session (default false: a TEMP table).' },
  replace: { type: 'bool', meaning: 'replace an existing as_table (default false: RUN_TABLE_EXISTS).' },
  result_column: { type: 'string', meaning: 'the result column name, same as `AS name`.' },
  infer_schema: {
    type: 'bool',
    meaning:
      "without AS: one typed column per property of the last cell's output_schema, as if written AS (…) (larsql's option).",
  },
  dedupe_by: { type: 'string', meaning: 'de-duplicate the input rows on this column.' },
  limit: { type: 'int', meaning: 'the auto-LIMIT added to the USING query; 0 = none.' },
  cache: {
    type: "bool or duration ('60s', '30m', '2h', '1d')",
    meaning: 'use the result cache, with this time-to-live; false bypasses it.',
  },
  model: { type: 'string', meaning: 'override the model of every cell.' },
  on_error: {
    type: "'null' | 'fail' | 'keep'",
    meaning:
      "a failed row: NULL result / abort the statement / keep the error text (default 'keep'); an _error column is added when a row failed.",
  },
  timeout: { type: 'duration', meaning: 'deadline for one cascade run.' },
  budget_dollars: {
    type: 'number',
    meaning: 'stop starting new runs once this much is spent; unstarted rows fail with BUDGET_EXCEEDED.',
  },
  budget_tokens: {
    type: 'int > 0',
    meaning: 'the same, counted in tokens (in + out); works for models without a price.',
  },
  retries: { type: 'int (0..20)', meaning: 'attempts for a failed LLM call (default 3).' },
  max_tokens: {
    type: 'int (1..1000000)',
    meaning:
      "tokens each answer may have, sent as every call's max_tokens (lowered to the model's cap and what its window leaves); an answer cut there is tried once more at the model's cap, else the row's LLM_OUTPUT_TRUNCATED.",
  },
  delivery: {
    type: "'sync' | 'batch'",
    meaning:
      "'batch': the calls go to the provider's Batch API (answers within 24 h, at the batch price; runs on the local pool, not the queue); 'sync' (default): one call each.",
  },
};

/** Markdown for a WITH key, or undefined if `key` is not one. */
export function withKeyDoc(key: string): string | undefined {
  const k = key.toLowerCase() as WithKey;
  if (!(WITH_KEYS as readonly string[]).includes(k)) return undefined;
  const appliesTo = MAP_ONLY_KEYS.has(k) ? 'MAP' : RUN_ONLY_KEYS.has(k) ? 'RUN' : 'MAP, RUN';
  return `**WITH ${k}** — \`${DOCS[k].type}\` (${appliesTo})\n\n${DOCS[k].meaning}`;
}
