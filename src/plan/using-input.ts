/**
 * The rows a MAP or a RUN reads: its USING query, with the statement's
 * auto-LIMIT (`WITH (limit = n)`, each kind's default otherwise) unless the
 * query has its own LIMIT (spec §1: an explicit LIMIT is kept).
 */
export interface UsingInput {
  readonly usingSql: string;
  /** The USING query ends in a LIMIT of its own. */
  readonly usingHasLimit: boolean;
  /** Rows read at most when the query has no LIMIT; 0 = all. */
  readonly autoLimit: number;
}

/** The USING query with the auto-LIMIT applied. */
export function limitedUsingSql(input: UsingInput): string {
  if (input.usingHasLimit || input.autoLimit === 0) return input.usingSql;
  // A newline first, so a trailing line comment in the USING text cannot swallow it.
  return `${input.usingSql}\nLIMIT ${input.autoLimit}`;
}
