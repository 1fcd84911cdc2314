/**
 * What the engine keeps for semantic SQL (the SemanticShared of
 * engine-shared.ts): the operator catalog and the sync strategies' blocking
 * worker, started on first use.
 */

import type { SemanticShared } from '../../../dispatch/engine-shared.js';
import type { OperatorCatalog } from '../../../plan/operator-catalog.js';
import { SyncRunner } from '../calls/sync-runner.js';
import { closeEmbedder } from '../embeddings/embedder.js';

/** `catalog` comes from grammarForCascades (src/plan/catalog-grammar.ts), as every tool's does. */
export async function createSemanticShared(catalog: OperatorCatalog): Promise<SemanticShared> {
  let started: Promise<SyncRunner> | undefined;
  return {
    catalog,
    learnedWindows: new Map(),
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
