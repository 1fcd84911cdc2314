/**
 * What the engine keeps for semantic SQL: the operator catalog (and the
 * grammar built from it), the small-side limit, and the sync strategies'
 * blocking worker, started on first use.
 */

import type { OperatorCatalog } from '../plan/operator-catalog.js';
import type { ChunkResult, ChunkTask, WorkerLlmConfig } from '../thread/chunk-protocol.js';
import { closeEmbedder } from './embedder.js';
import { SyncRunner } from './sync-runner.js';

export interface SemanticShared {
  readonly catalog: OperatorCatalog;
  /** `a ~ b` with at most this many distinct values on one side takes the small-side plan. */
  readonly smallSideLimit: number;
  /** The blocking runner of sequential / vectorized / union_all. */
  syncRunner(llm: WorkerLlmConfig): Promise<{ readonly runner: (task: ChunkTask) => ChunkResult }>;
  close(): Promise<void>;
}

/** `catalog` comes from grammarForCascades (src/plan/catalog-grammar.ts), as every tool's does. */
export async function createSemanticShared(
  catalog: OperatorCatalog,
  smallSideLimit: number,
): Promise<SemanticShared> {
  let started: Promise<SyncRunner> | undefined;
  return {
    catalog,
    smallSideLimit,
    async syncRunner(llm) {
      started ??= SyncRunner.start(llm);
      const r = await started;
      return { runner: (task) => r.run(task) };
    },
    async close() {
      await closeEmbedder(this);
      if (started) await (await started).close();
    },
  };
}
