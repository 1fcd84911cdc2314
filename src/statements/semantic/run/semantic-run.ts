/**
 * One semantic statement's run as its passes see it: what they are lent
 * (SemanticRunContext) and what the run gives back (SemanticOutcome). Apart
 * from run-semantic.ts so the passes it calls need not import it back.
 */
import type { QueryResult } from '../../../db/query-result.js';
import type { StatementContext } from '../../../dispatch/statement-context.js';
import type { GuaranteeColumns } from '../../../obs/guarantee-columns.js';
import type { PlanNote } from '../plan/resolve-tuples.js';
import type { SemanticEngine } from '../state/semantic-engine.js';

/** The statement context, and the engine's semantic services. */
export interface SemanticRunContext extends StatementContext {
  readonly engine: SemanticEngine;
  /**
   * false: a statement that would block the main thread call by call (the
   * sequential, vectorized and union_all strategies, a write inside an open
   * transaction) fails with STRATEGY_BLOCKS instead (a server's sessions:
   * while one blocks, no other client is answered).
   */
  readonly allowBlocking?: boolean;
  /**
   * The statement's documents pass (engine/documents-pass.ts): its record
   * passes let DOCUMENT_TEXT, DOCUMENT_PAGES and TEXT_CHUNKS record what is
   * not parsed yet; those are parsed before the pass's tuples are resolved.
   * Its other queries parse in the call.
   */
  readonly documents?: PassDocuments;
}

/** A semantic statement's side of its documents pass. */
export interface PassDocuments {
  /** The functions record what they miss, from now until `stop`. */
  record(): void;
  /** They missed something since `record`. */
  missed(): boolean;
  /** They parse in the call again. */
  stop(): void;
  /** Parses what they recorded, on the parser thread. */
  resolve(signal?: AbortSignal): Promise<void>;
}

export interface SemanticOutcome {
  readonly result: QueryResult;
  /** The strategy that ran, with a note when it differs from the one asked for. */
  readonly strategy: string;
  readonly calls: number;
  readonly cacheHits: number;
  readonly cost: number | null;
  /** Inputs answered NULL because their calls failed (over the model's limits, each named in a notice). */
  readonly nullOnFailure?: number;
  readonly passes: number;
  readonly plans: readonly PlanNote[];
  /** A proxy with targets: rvbbit.queries' guarantee columns. */
  readonly guarantee?: GuaranteeColumns;
}
