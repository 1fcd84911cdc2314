/**
 * rvbbit.queries' columns of a proxy run with targets (`-- @ proxy: m recall 0.9 …`,
 * src/statements/semantic/proxies/proxy.ts), summed over the statement's proxied functions and
 * LIMIT windows; the thresholds are the one learnt when one function learnt one, else null
 * (the strategy text lists each). The order is the table's (GUARANTEE_COLUMNS).
 */
export interface GuaranteeColumns {
  readonly proxy_model: string;
  readonly target_recall: number | null;
  readonly target_precision: number | null;
  readonly target_accuracy: number | null;
  readonly target_delta: number;
  /** Draws of the sample, and the distinct tuples they sent to the statement's model. */
  readonly sample_draws: number;
  readonly sample_tuples: number;
  /** A filter's: sampled tuples the statement's model answered true. */
  readonly sample_positives: number | null;
  /** A classification's: share of sampled tuples whose proxy label was the statement model's. */
  readonly sample_agreement: number | null;
  /** Proxy false under it (a filter's); proxy answer kept at or above accept (± infinity: never / always). */
  readonly threshold_reject: number | null;
  readonly threshold_accept: number | null;
  /** An accuracy target's Clopper-Pearson bound on the error of the answers kept. */
  readonly error_bound: number | null;
  /** Tuples the proxy answered, and those the statement's model answered (the sample's included). */
  readonly proxy_answered: number;
  readonly big_model_tuples: number;
  /** Why the sample could not support the targets (every tuple went to the statement's model), else null. */
  readonly guarantee_fallback: string | null;
}

/** The columns ensureRvbbitSchema adds to rvbbit.queries for GuaranteeColumns, in the appender's order. */
export const GUARANTEE_COLUMNS: readonly (readonly [
  keyof GuaranteeColumns,
  'VARCHAR' | 'DOUBLE' | 'BIGINT',
])[] = [
  ['proxy_model', 'VARCHAR'],
  ['target_recall', 'DOUBLE'],
  ['target_precision', 'DOUBLE'],
  ['target_accuracy', 'DOUBLE'],
  ['target_delta', 'DOUBLE'],
  ['sample_draws', 'BIGINT'],
  ['sample_tuples', 'BIGINT'],
  ['sample_positives', 'BIGINT'],
  ['sample_agreement', 'DOUBLE'],
  ['threshold_reject', 'DOUBLE'],
  ['threshold_accept', 'DOUBLE'],
  ['error_bound', 'DOUBLE'],
  ['proxy_answered', 'BIGINT'],
  ['big_model_tuples', 'BIGINT'],
  ['guarantee_fallback', 'VARCHAR'],
];
