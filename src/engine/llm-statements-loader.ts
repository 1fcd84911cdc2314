/** Imports llm-statements.ts on first use (see there why it is loaded late). */
export const llmStatements = () => import('./llm-statements.js');
