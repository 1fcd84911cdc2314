/**
 * The layers of rvbbit, bottom to top, and what each may import. This list is
 * the architecture's one statement of direction (docs/architecture.md draws
 * it); dependency-cruiser enforces it in `npm test` (scripts/run-tests.mjs runs
 * `npm run layers` first), so an import against it fails CI. There is no
 * exceptions list: a layer's `uses` names every layer it may import, and
 * anything else — including a layer above it — is forbidden.
 *
 * Type-only imports count (tsPreCompilationDeps): a type pulls its module's
 * meaning along even when no code runs.
 */
/** What a statement kind may import: everything below the dispatch core and the core itself, never another kind. */
const KIND_USES = [
  'base',
  'runtime',
  'grammar',
  'db',
  'obs',
  'cache',
  'llm',
  'cascade',
  'thread',
  'plan',
  'scale',
  'dispatch',
];

const LAYERS = [
  // The error base and the one catalog of codes: imports nothing.
  { name: 'base', path: '^base/', uses: [] },
  // The RVBBIT dialect (parser, AST, completion, formatting), also shipped alone to editors and browsers.
  { name: 'grammar', path: '^grammar/', uses: ['base'] },
  // How this package runs: where its files are, worker entries, the epoch clock, the simulator's mark.
  { name: 'runtime', path: '^src/runtime/', uses: ['base'] },
  // DuckDB helpers: values, connections, SQL quoting, a statement's prepared columns.
  // (grammar: prepared-columns.ts reads a statement's parameters with the dialect's SQL scanner.)
  { name: 'db', path: '^src/db/', uses: ['base', 'runtime', 'grammar'] },
  // The OpenAI-compatible HTTP client: chat, embeddings, retries, pricing.
  { name: 'llm', path: '^src/llm/', uses: ['base', 'runtime'] },
  // Documents and long texts: PDF, DOCX and HTML to text on a parser thread, TEXT_CHUNKS.
  { name: 'documents', path: '^src/documents/', uses: ['base', 'runtime', 'llm'] },
  // The cascade format and its runner (one run of one cascade over one input).
  { name: 'cascade', path: '^src/cascade/', uses: ['base', 'grammar', 'runtime', 'llm'] },
  // The statement log and metrics (unified_logs), written through DuckDB.
  { name: 'obs', path: '^src/obs/', uses: ['base', 'runtime', 'db', 'cascade'] },
  // Result tables and text rendering of values.
  { name: 'output', path: '^src/output/', uses: ['base', 'db'] },
  // The answer cache and calls in flight.
  { name: 'cache', path: '^src/cache/', uses: ['base', 'runtime', 'db', 'obs'] },
  // rvbbit.config.yaml, read by the CLI and the language server.
  { name: 'config', path: '^src/config/', uses: ['base', 'grammar', 'llm'] },
  // Piscina and threads: the worker pool, the chunk protocol, shared semaphores and abort flags.
  { name: 'thread', path: '^src/thread/', uses: ['base', 'runtime', 'cascade'] },
  // The LLM simulator: an OpenAI-compatible server. It shares nothing with the client but runtime/.
  { name: 'sim', path: '^src/sim/', uses: ['base', 'runtime'] },
  // Planning every statement kind shares, before a call: cascade resolution inside the roots, the
  // operator catalog, a statement's CallLimits, the USING input, estimates.
  { name: 'plan', path: '^src/plan/', uses: ['base', 'runtime', 'grammar', 'db', 'llm', 'cascade'] },
  // The chunk queue on Redis (BullMQ): a pool that spans hosts.
  { name: 'scale', path: '^src/scale/', uses: ['base', 'runtime', 'cascade', 'thread', 'plan'] },
  // The one dispatch core every kind runs rows through: the row dispatcher and its bookkeeping, the
  // statement context and host, progress, and what the engine lends a statement (engine-shared.ts).
  {
    name: 'dispatch',
    path: '^src/dispatch/',
    uses: ['base', 'runtime', 'grammar', 'db', 'obs', 'cache', 'llm', 'cascade', 'thread', 'plan', 'scale'],
  },
  // A room per statement kind (src/statements/<kind>/): its plan, run, explain and describe together.
  // Kinds never import each other (see no-kind-imports-another-kind below).
  { name: 'map', path: '^src/statements/map/', uses: KIND_USES },
  { name: 'run', path: '^src/statements/run/', uses: KIND_USES },
  // Semantic SQL: operators as DuckDB functions, their passes, embeddings.
  { name: 'semantic', path: '^src/statements/semantic/', uses: KIND_USES },
  // The engine and its sessions: one statement's path from text to rows.
  {
    name: 'engine',
    path: '^src/engine/',
    uses: [
      'base',
      'runtime',
      'grammar',
      'db',
      'obs',
      'output',
      'cache',
      'llm',
      'cascade',
      'thread',
      'sim',
      'plan',
      'scale',
      'dispatch',
      'map',
      'run',
      'semantic',
      'documents',
    ],
  },
  // The Postgres-wire server, over the engine's sessions.
  {
    name: 'server',
    path: '^src/server/',
    uses: [
      'base',
      'runtime',
      'grammar',
      'db',
      'obs',
      'output',
      'cascade',
      'plan',
      'dispatch',
      'map',
      'engine',
    ],
  },
  // The language server: the grammar, the cascade catalog and the config.
  { name: 'lsp', path: '^src/lsp/', uses: ['base', 'runtime', 'grammar', 'config', 'plan'] },
  // The browser playground: the grammar only.
  { name: 'playground', path: '^src/playground/', uses: ['base', 'grammar'] },
  // The worker threads' entries: what runs inside a pool thread.
  {
    name: 'workers',
    path: '^workers/',
    uses: ['base', 'runtime', 'db', 'cache', 'llm', 'cascade', 'thread', 'semantic', 'documents'],
  },
  // The command line: everything.
  {
    name: 'cli',
    path: '^src/cli/',
    uses: [
      'base',
      'runtime',
      'grammar',
      'db',
      'obs',
      'output',
      'cache',
      'llm',
      'config',
      'cascade',
      'thread',
      'sim',
      'plan',
      'scale',
      'dispatch',
      'map',
      'run',
      'semantic',
      'engine',
      'server',
      'lsp',
    ],
  },
  // The package's public API (src/index.ts).
  {
    name: 'api',
    path: '^src/index[.]ts$',
    uses: ['base', 'runtime', 'grammar', 'db', 'llm', 'cascade', 'sim', 'dispatch', 'engine', 'server'],
  },
];

/**
 * Rooms inside semantic SQL (src/statements/semantic/<room>/), bottom to top, and which rooms each
 * may import: a room per concept, so that EXPLAIN reads plans rather than planning on its own
 * and nothing but the engine reads EXPLAIN. Every file of the kind is in a room.
 */
const SEMANTIC_ROOMS = [
  // A statement's tuples and answers: the answer store, spilled misses, the calls it records, SQL types.
  { name: 'state', uses: [] },
  // The SQL a statement runs as: operator calls rewritten to functions, RETURNING types, UNION splits, LIMIT windows.
  { name: 'rewrite', uses: [] },
  // The cost model's packing rule (with src/plan/pack-size.ts and call-cost.ts).
  { name: 'cost', uses: ['state'] },
  // Operator calls through the row dispatcher, and the blocking runner of the in-DuckDB strategies.
  { name: 'calls', uses: ['cost'] },
  // Embedding vectors for prefilters, SIMILAR_TO and the embedding proxy.
  { name: 'embeddings', uses: [] },
  // Pair predicates: pairwise, blocks, the small side, prefilters.
  { name: 'pairs', uses: ['state', 'rewrite', 'cost'] },
  // LLM aggregates and their reductions, dimensions, entities.
  { name: 'aggregates', uses: ['state', 'calls', 'pairs'] },
  // Proxy models and guarantees.
  { name: 'proxies', uses: ['calls', 'embeddings', 'aggregates'] },
  // Planning a statement: its options, its plan, which tuples to ask how.
  { name: 'plan', uses: ['state', 'rewrite', 'cost', 'calls', 'pairs', 'aggregates', 'proxies'] },
  // Running it: record passes, spills, writes, EMBED statements.
  {
    name: 'run',
    uses: ['state', 'rewrite', 'cost', 'calls', 'embeddings', 'pairs', 'aggregates', 'proxies', 'plan'],
  },
  // CREATE SEMANTIC FUNCTION: a function's definition and its cascade.
  { name: 'functions', uses: ['rewrite', 'proxies'] },
  // What a statement will cost before it runs: its record passes (no call), each operator's calls,
  // tokens and dollars by the cost model the run plans with, a LIMIT's first window.
  {
    name: 'estimate',
    uses: [
      'state',
      'rewrite',
      'cost',
      'calls',
      'embeddings',
      'pairs',
      'aggregates',
      'proxies',
      'plan',
      'run',
    ],
  },
  // EXPLAIN and DESCRIBE: readers of plans and of the estimate, which they print.
  {
    name: 'explain',
    uses: ['state', 'cost', 'plan', 'run', 'estimate'],
  },
];
SEMANTIC_ROOMS.forEach((r, i) => {
  for (const u of r.uses)
    if (!SEMANTIC_ROOMS.slice(0, i).some((below) => below.name === u))
      throw new Error(`semantic room ${r.name} uses ${u}, which is not a room below it`);
});
const roomPath = (name) => `^src/statements/semantic/${name}/`;

const byName = new Map(LAYERS.map((l) => [l.name, l]));
// A layer uses only layers listed before it: the list is an order, so no two folders can import each other.
LAYERS.forEach((l, i) => {
  for (const u of l.uses)
    if (!LAYERS.slice(0, i).some((below) => below.name === u))
      throw new Error(`layer ${l.name} uses ${u}, which is not a layer below it`);
});

/** A layer's own folder plus every layer it may use. */
const allowedPaths = (l) => [l.path, ...l.uses.map((u) => byName.get(u).path)];

/** Source files that belong to no layer (a new top-level folder must be placed first). */
const LAYERED = LAYERS.map((l) => l.path);

const config = {
  forbidden: [
    ...LAYERS.map((l) => ({
      name: `layer-${l.name}`,
      comment: `${l.name} may import only: ${[l.name, ...l.uses].join(', ')} (.dependency-cruiser.cjs)`,
      severity: 'error',
      from: { path: l.path },
      to: { path: '^(base|grammar|src|workers)/', pathNot: allowedPaths(l) },
    })),
    ...SEMANTIC_ROOMS.map((r) => ({
      name: `semantic-room-${r.name}`,
      comment: `semantic/${r.name}/ may import only the rooms: ${[r.name, ...r.uses].join(', ')} (.dependency-cruiser.cjs)`,
      severity: 'error',
      from: { path: roomPath(r.name) },
      to: { path: '^src/statements/semantic/', pathNot: [r.name, ...r.uses].map(roomPath) },
    })),
    {
      name: 'semantic-file-in-a-room',
      comment: 'every file of semantic SQL is in a room (src/statements/semantic/<room>/)',
      severity: 'error',
      from: { path: '^src/statements/semantic/[^/]+$' },
      to: {},
    },
    {
      // Also for a kind folder not yet listed: what two kinds share goes down to dispatch/ or plan/.
      name: 'no-kind-imports-another-kind',
      comment: 'a statement kind (src/statements/<kind>/) never imports another kind',
      severity: 'error',
      from: { path: '^src/statements/([^/]+)/' },
      to: { path: '^src/statements/', pathNot: '^src/statements/$1/' },
    },
    {
      name: 'no-unlayered-source',
      comment: 'every file under base/, grammar/, src/ and workers/ belongs to a layer',
      severity: 'error',
      from: { path: '^(base|grammar|src|workers)/', pathNot: LAYERED },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'no import circle, not even through types',
      severity: 'error',
      from: { path: '^(base|grammar|src|workers)/' },
      to: { circular: true },
    },
    {
      name: 'no-test-code-in-product',
      comment: 'the product never imports tests, benches or test fixtures',
      severity: 'error',
      from: { path: '^(base|grammar|src|workers)/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};

// The layer list rides along, hidden from dependency-cruiser's option check (it
// reads only enumerable keys), so docs/architecture.md's table is drawn from it
// (scripts/layers-doc.mjs) and cannot drift from what is enforced.
Object.defineProperty(config, 'layers', { value: LAYERS, enumerable: false });
Object.defineProperty(config, 'semanticRooms', { value: SEMANTIC_ROOMS, enumerable: false });

module.exports = config;
