/** Imports llm-statements.ts on first use (see there why it is loaded late). */
export const llmStatements = () => import('./llm-statements.js');

/**
 * Every module the engine loads on first use (the LLM statements' planner,
 * the LLM client with undici, DESCRIBE's planner), loaded now. A library or
 * CLI run pays for what it uses; a server loads them at start, since each is
 * 100–250 ms of main-thread work that would land on every client at once.
 */
export const loadDeferredModules = (): Promise<unknown> =>
  Promise.all([llmStatements(), import('../llm/client.js'), import('./describe-statement.js')]);
