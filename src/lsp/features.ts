/**
 * Everything a request needs beyond the protocol, loaded in one dynamic
 * import after the server starts, so `initialize` is answered without
 * loading the parser or reading any cascade.
 */
export { ChunkedAnalysis } from './chunked-analysis.js';
export { completeAt } from './completion.js';
export { definitionAt } from './definition.js';
export { diagnose } from './diagnostics.js';
export { formatEdits } from './formatting.js';
export { hoverAt } from './hover.js';
export { LspContext } from './lsp-context.js';
export { semanticTokens } from './semantic-tokens.js';
