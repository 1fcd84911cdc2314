/**
 * Imports llm-statements.ts on first use (see there why it is loaded late).
 * The module's promise is kept: every LLM statement asks for it twice (plan,
 * run), and an `import()` of a module already loaded still goes through the
 * loader's resolve (under tsx, a round trip to its hooks thread: 1–3 ms of a
 * statement's wall on a loaded machine). A failed import is asked again.
 */
import type { EngineShared } from '../dispatch/engine-shared.js';

let statements: Promise<typeof import('./llm-statements.js')> | undefined;
export const llmStatements = (): Promise<typeof import('./llm-statements.js')> => {
  statements ??= import('./llm-statements.js').catch((err: unknown) => {
    statements = undefined;
    throw err;
  });
  return statements;
};

/**
 * Every module the engine loads on first use (the LLM statements' planner,
 * the LLM client with undici, DESCRIBE's planner, the token encoding that
 * TEXT_CHUNKS and prompt limits count with), loaded now, and the engine's
 * provider started (the built-in simulator's thread, which loads its own
 * encodings when it first counts exactly: sim/token-count.ts). A library or CLI run pays for what it uses; a server loads them
 * at start, since each is 100–250 ms of main-thread work that would land on
 * every client at once (the encoding, loaded inside DuckDB's call by a
 * server's first short TEXT_CHUNKS, held the other clients 2.2 s under load).
 */
export const loadDeferredModules = (shared: Pick<EngineShared, 'startProvider'>): Promise<unknown> =>
  Promise.all([
    shared.startProvider(),
    llmStatements(),
    import('../llm/client.js'),
    import('./describe-statement.js'),
    import('../llm/token-count.js').then((m) => m.loadEncoding()),
  ]);
