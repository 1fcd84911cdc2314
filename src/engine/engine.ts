/**
 * The engine: one DuckDB database, one worker pool, one result cache and log
 * writer, shared by every session. `engine.query` runs on a default session;
 * servers open one session (one DuckDB connection) per client.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { RvbbitError } from '../../base/errors.js';
import { type Grammar, MAX_BATCH, MAX_PARALLEL, MAX_SMALL_SIDE, parseDuration } from '../../grammar/index.js';
import { ResultCache } from '../cache/result-cache.js';
import type { CallLimits } from '../cascade/call-limits.js';
import { ConnectionQueue } from '../db/connection-queue.js';
import { DEFAULT_LLM_MEMORY_LIMIT, LlmWorkBound } from '../db/llm-work-bound.js';
import { openDatabase } from '../db/open-database.js';
import { removeOrphanedFolders } from '../db/owned-folders.js';
import { dropLeftPendingTables } from '../db/pending-tables.js';
import type { QueryResult } from '../db/query-result.js';
import { removeOrphanedScratchFiles } from '../db/scratch-database.js';
import { type DatabaseSpill, DEFAULT_MEMORY_LIMIT, databaseSpill } from '../db/spill-settings.js';
import { registerWithoutSecrets } from '../db/without-secrets-function.js';
import type { EngineShared } from '../dispatch/engine-shared.js';
import type { DocumentParser } from '../documents/document-parser.js';
import type { BatchDelivering } from '../llm/client.js';
import { createImageBytesBuffer, reclaimImageBytes, valueHoldsImageFile } from '../llm/image-files.js';
import { isStructuredRefusal } from '../llm/structured.js';
import type { LlmClient } from '../llm/types.js';
import { DEFAULT_MAX_LOG_ROWS } from '../obs/log-retention.js';
import { LogWriter } from '../obs/log-writer.js';
import { type LogDatabase, openPrivateLogs } from '../obs/private-logs.js';
import { ensureRvbbitSchema, isInMemory } from '../obs/schema.js';
import { asCascadeRoots, type CascadeRoots, cascadeRootsFor, missingRoot } from '../plan/cascade-roots.js';
import { grammarForCascades } from '../plan/catalog-grammar.js';
import { autoParallel } from '../plan/parallel-cap.js';
import { SqlFunctionFiles } from '../plan/sql-functions.js';
import { SHIPPED_CASCADES } from '../runtime/package-files.js';
import type { QueueChunkRunner } from '../scale/queue-runner.js';
import { DEFAULT_SMALL_SIDE, DEFAULT_TUPLES_PER_PASS } from '../statements/semantic/plan/semantic-options.js';
import { registerEmbedFunctions } from '../statements/semantic/run/embed-statement.js';
import { registerFunctions } from '../statements/semantic/run/register-functions.js';
import { createSemanticShared } from '../statements/semantic/run/semantic-shared.js';
import { ANSWERS_IN_MEMORY } from '../statements/semantic/state/answer-store.js';
import { CascadePool } from '../thread/cascade-pool.js';
import type { ChunkTask, WorkerLlmConfig } from '../thread/chunk-protocol.js';
import type { ChunkRunner } from '../thread/chunk-runner.js';
import { documentSettings, registerDocumentFunctions } from './document-functions.js';
import type { EngineOptions } from './engine-options.js';
import { imageSettings, registerImageFunction } from './image-function.js';
import { resolveProvider, workerLlmConfigOf } from './provider.js';
import type { QueryOptions } from './query-options.js';
import { Session, type SessionPolicy } from './session.js';
import { loadSqlFunctions } from './sql-function-load.js';
import { systemTablesReadable } from './system-tables.js';

export { SHIPPED_CASCADES } from '../runtime/package-files.js';
export type { EngineOptions } from './engine-options.js';

export class Engine {
  private readonly sessions = new Set<Session>();
  private defaultSession: Session | undefined;
  private poolInstance: CascadePool | undefined;
  private runnerInstance: ChunkRunner | undefined;
  private closed = false;
  private documentParser: DocumentParser | undefined;
  /** The database's spill folder, removed once the database is closed. */
  private spill: DatabaseSpill | undefined;

  private constructor(
    /**
     * @internal What every session shares (engine-shared.ts): for the engine's
     * own modules and tests, not part of the package's API (left out of its
     * declarations); the edges use the named members below.
     */
    readonly shared: EngineShared,
    private readonly threads: number | undefined,
    private readonly wrapRunner: EngineOptions['wrapRunner'],
  ) {}

  /** The grammar with this engine's operators (the shipped ones and those its cascade roots declare). */
  get grammar(): Grammar {
    return this.shared.semantic.catalog.grammar;
  }

  /** The cascade roots that exist, as real paths, in resolution order. */
  get cascadeRoots(): readonly string[] {
    return this.shared.resolver.roots;
  }

  /**
   * Rows of a query run on the engine's own system connection (the server reads DuckDB's catalog so).
   * One that names a table the engine writes (its logs, its cache) reads every statement that
   * ended before it, as a session's do (system-tables.ts).
   */
  async readSystem(sql: string): Promise<Record<string, unknown>[]> {
    await systemTablesReadable(this.shared, sql);
    return this.shared.system.run(async (con) => (await con.runAndReadAll(sql)).getRowObjectsJS());
  }

  private queueRunner: QueueChunkRunner | undefined;

  static async create(options: EngineOptions = {}): Promise<Engine> {
    const given = options.defaultParallel;
    if (given !== undefined && (!Number.isInteger(given) || given < 1 || given > MAX_PARALLEL)) {
      throw new RvbbitError(
        'ENGINE_OPTION',
        `options.defaultParallel must be an integer from 1 to ${MAX_PARALLEL}`,
      );
    }
    const cacheOpt = typeof options.cache === 'object' ? options.cache : {};
    const ttl =
      cacheOpt.ttl === undefined
        ? undefined
        : typeof cacheOpt.ttl === 'number'
          ? cacheOpt.ttl
          : parseDuration(cacheOpt.ttl)?.ms;
    if (cacheOpt.ttl !== undefined && ttl === undefined) {
      throw new RvbbitError(
        'ENGINE_OPTION',
        `options.cache.ttl must be a duration like '1d', got '${cacheOpt.ttl}'`,
      );
    }
    const smallSide = options.smallSideLimit ?? DEFAULT_SMALL_SIDE;
    if (!Number.isInteger(smallSide) || smallSide < 0 || smallSide > MAX_SMALL_SIDE) {
      throw new RvbbitError(
        'ENGINE_OPTION',
        `options.smallSideLimit must be an integer from 0 to ${MAX_SMALL_SIDE}, got ${String(smallSide)}`,
      );
    }
    const tuplesPerPass = options.tuplesPerPass ?? DEFAULT_TUPLES_PER_PASS;
    if (!Number.isInteger(tuplesPerPass) || tuplesPerPass < 1) {
      throw new RvbbitError(
        'ENGINE_OPTION',
        `options.tuplesPerPass must be a positive integer, got ${String(tuplesPerPass)}`,
      );
    }
    const answersInMemory = options.answersInMemory ?? ANSWERS_IN_MEMORY;
    if (!Number.isInteger(answersInMemory) || answersInMemory < 1) {
      throw new RvbbitError(
        'ENGINE_OPTION',
        `options.answersInMemory must be a positive integer, got ${String(answersInMemory)}`,
      );
    }
    const maxLogRows = options.maxLogRows ?? DEFAULT_MAX_LOG_ROWS;
    if (!Number.isInteger(maxLogRows) || maxLogRows < 1) {
      throw new RvbbitError(
        'ENGINE_OPTION',
        `options.maxLogRows must be a positive integer, got ${String(maxLogRows)}`,
      );
    }
    // Unsaid, each statement's packing is chosen per operator for its model (statements/semantic/cost/packing.ts).
    const operatorBatch = options.operatorBatch;
    if (
      operatorBatch !== undefined &&
      (!Number.isInteger(operatorBatch) || operatorBatch < 1 || operatorBatch > MAX_BATCH)
    ) {
      throw new RvbbitError(
        'ENGINE_OPTION',
        `options.operatorBatch must be an integer from 1 to ${MAX_BATCH}`,
      );
    }
    const folders = [...new Set([...(options.dataFolders ?? []), ...(options.imageFolders ?? [])])];
    if (options.dataFolders !== undefined && !Array.isArray(options.dataFolders)) {
      throw new RvbbitError('ENGINE_OPTION', 'options.dataFolders must be a list of folder paths');
    }
    const images = imageSettings(folders, options.maxImageBytes, options.maxImageBytesInFlight);
    const documents = documentSettings(images.folders, options);
    // Made once per engine, shared by its main thread's client and every worker's: the bound is the process's.
    const imageFiles: NonNullable<WorkerLlmConfig['images']> = {
      folders: images.folders.map((f) => f.real),
      inFlight: createImageBytesBuffer(images.maxInFlight),
      maxBytes: images.maxBytes,
    };
    const roots = options.cascadeRoots ?? cascadeRootsFor(undefined);
    const missing = missingRoot(asCascadeRoots(roots));
    if (missing !== undefined) throw new RvbbitError('ENGINE_OPTION', `cascade folder not found: ${missing}`);
    // A broken operator file is skipped with a warning; the statements that use it fail with its error.
    const { catalog, resolver } = grammarForCascades(roots, { skipBroken: true });
    const warn =
      options.onWarning ?? ((m: string) => process.emitWarning(m, { code: 'RVBBIT_CASCADE_SKIPPED' }));
    for (const b of catalog.broken) warn(`operator cascade skipped: ${b.error.message}`);
    const providerWarn =
      options.onWarning ?? ((m: string) => process.emitWarning(m, { code: 'RVBBIT_PROVIDER_REFUSED' }));
    for (const w of catalog.warnings) warn(`operator cascade: ${w}`);
    const semantic = await createSemanticShared(catalog);
    // What a crashed engine left in the temp folder (never a running one's).
    removeOrphanedFolders();
    const spill = databaseSpill(isInMemory(options.database), options.memoryLimit);
    // A file is attached with row groups of a bounded size (db/open-database.ts says why).
    const instance = await openDatabase(options.database, isInMemory(options.database), spill.config).catch(
      (err: unknown) => {
        spill.close();
        throw err;
      },
    );
    const system = new ConnectionQueue(await instance.connect());
    await spill.bound(system.con).catch((err: unknown) => {
      system.con.closeSync();
      instance.closeSync();
      spill.close();
      throw err;
    });
    const llmWork = await LlmWorkBound.create(
      system,
      options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
      // Unset: 256MB (llm-work-bound.ts); kept only when below the engine's own.
      options.llmMemoryLimit ?? DEFAULT_LLM_MEMORY_LIMIT,
    ).catch((err: unknown) => {
      system.con.closeSync();
      instance.closeSync();
      spill.close();
      throw new RvbbitError(
        'ENGINE_OPTION',
        `options.llmMemoryLimit: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
    // IMAGE(): a plain function of the database, so every session's connection has it.
    await system.run(async (con) => registerImageFunction(instance, con, images));
    // DOCUMENT_TEXT, DOCUMENT_PAGES, TEXT_CHUNKS: plain functions of the database too.
    const documentParser = await system.run(async (con) =>
      registerDocumentFunctions(instance, con, documents),
    );
    await system.run(async (con) => registerWithoutSecrets(instance, con));
    const store = await system.run((con) =>
      ensureRvbbitSchema(con, { inMemory: isInMemory(options.database), maxLogRows }),
    );
    // A CTAS a crash cut short left its empty pending table (db/pending-tables.ts), an INSERT or COPY
    // its scratch file in `<file>.tmp` (db/scratch-database.ts); a new database has neither.
    if (!isInMemory(options.database))
      await system.run(async (con) => {
        await dropLeftPendingTables(con);
        await removeOrphanedScratchFiles(con);
      });
    // Functions defined by CREATE SEMANTIC FUNCTION, stored in this database, join the files' operators.
    const sqlFunctionFiles = new SqlFunctionFiles();
    semantic.catalog = await system.run((con) =>
      loadSqlFunctions(con, instance, catalog, sqlFunctionFiles, (m) =>
        warn(`semantic function skipped: ${m}`),
      ),
    );
    // Every operator's DuckDB function, and EMBED's, now, on the system connection: the engine's,
    // outside any client's transaction (register-functions.ts says why).
    await system.run(async (con) => {
      registerFunctions(instance, con, semantic.catalog.functions.values());
      registerEmbedFunctions(instance, con);
    });
    const logDb: LogDatabase =
      options.logs === 'private'
        ? await openPrivateLogs(options.database, system, store, options.memoryLimit, maxLogRows)
        : { q: system, store, instance: null, spill: null };
    const provider = await resolveProvider(options.provider, process.cwd(), 'on-first-use');
    // Unsaid, PARALLEL is the engine's default for the provider it talks to (plan/parallel-cap.ts).
    const parallel =
      given === undefined
        ? autoParallel(provider.gate.snapshot().ceiling)
        : {
            parallel: given,
            why: 'the engine option defaultParallel (the CLI’s --parallel, the config’s parallel)',
          };
    let engine: Engine | undefined;
    let mainLlm: (LlmClient & BatchDelivering) | undefined;
    // The built-in simulator's URL is known once its thread listens: until then baseUrl is ''.
    let llm: WorkerLlmConfig = { ...workerLlmConfigOf(provider), images: imageFiles };
    let providerReady: Promise<void> | undefined;
    const startProvider = async (): Promise<void> => {
      const start = provider.startSimulator;
      if (start === undefined) return;
      providerReady ??= start().then(
        (baseUrl) => {
          llm = { ...llm, baseUrl };
        },
        (err: unknown) => {
          providerReady = undefined;
          throw err;
        },
      );
      await providerReady;
    };
    const shared: EngineShared = {
      instance,
      system,
      cache: new ResultCache(system, cacheOpt, store),
      // A provider's refusal of response_format is said once per model, never silent (llm/structured.ts);
      // so is a header cut to the deadline (llm/header-bounds.ts) and usage that was no count (llm/usage.ts).
      // An in-memory log keeps its newest `maxLogRows` rows (obs/call-log-ring.ts); a file's keeps every one.
      logs: new LogWriter(logDb.q, logDb.store, (model, warning) =>
        providerWarn(
          isStructuredRefusal(warning)
            ? `structured output: ${warning}; the schema now goes ${warning.startsWith('json_schema') ? 'as JSON mode with the schema in the prompt' : 'in the prompt'}`
            : `provider (${model}): ${warning}`,
        ),
      ),
      logDb,
      resolver,
      shownRoots: realRoots(roots, sqlFunctionFiles.folder),
      provider,
      get llm() {
        return llm;
      },
      get llmReady() {
        return llm.baseUrl !== '';
      },
      startProvider,
      defaults: {
        parallel: parallel.parallel,
        parallelChosen: parallel.why,
        cache: options.cache === false ? false : ttl,
        operatorBatch,
        smallSide,
        tuplesPerPass,
        answersInMemory,
        ...(options.pairSplit !== undefined ? { pairSplit: options.pairSplit } : {}),
        ...(options.embedModel ? { embedModel: options.embedModel } : {}),
      },
      semantic,
      sqlFunctionFiles,
      llmWork,
      jobs: new Map(),
      pool: (limits) => engine!.runner(limits),
      get queue() {
        return engine!.queueRunner;
      },
      mainLlm: async () => {
        await startProvider();
        const { createLlmClient } = await import('../llm/client.js');
        // The workers' settings, with the process gate itself instead of its buffer.
        const { gateBuffer: _buffer, ...settings } = shared.llm;
        mainLlm ??= createLlmClient({ ...settings, gate: provider.gate });
        return mainLlm;
      },
      closeMainLlm: async () => {
        await mainLlm?.close();
      },
    };
    engine = new Engine(shared, options.threads, options.wrapRunner);
    engine.documentParser = documentParser;
    engine.spill = spill;
    if (options.queue) {
      // Loaded only with a queue: BullMQ is not needed by a local engine.
      const { QueueChunkRunner } = await import('../scale/queue-runner.js');
      // Rows naming an image file stay here: a worker elsewhere may not see this host's folders.
      const readsImageFiles = (task: ChunkTask) => task.rows.some((r) => valueHoldsImageFile(r.inputs));
      engine.queueRunner = new QueueChunkRunner(
        options.queue,
        provider.defaultModel,
        () => engine!.pool(),
        readsImageFiles,
      );
    }
    return engine;
  }

  /** Which endpoint answers LLM calls: 'simulator' or the provider's host. */
  get answeredBy(): string {
    return this.queueRunner?.answeredBy ?? this.shared.provider.answeredBy;
  }

  /**
   * A session with its own DuckDB connection (temp tables and transactions
   * are per session). `owner` tags its rvbbit.queries rows (a server client).
   * `allowBlocking: false` makes statements that would block the main thread
   * call by call (the sequential, vectorized and union_all strategies) fail
   * with STRATEGY_BLOCKS, and a document parse inside DuckDB's call with
   * DOCUMENT_PARSE_BLOCKS: what a server's clients get, since while one
   * blocks no other is answered. `relativePaths: true` shows cascade paths in
   * errors relative to their root (a server's clients see none of its folders).
   */
  async session(options: { readonly owner?: string } & Partial<SessionPolicy> = {}): Promise<Session> {
    if (this.closed) throw new RvbbitError('ENGINE_CLOSED', 'the engine is closed');
    const con = await this.shared.instance.connect();
    // DuckDB bounds what a streaming result computes ahead of the reader by
    // its fixed-width vectors only (32 KB for 2,048 VARCHARs), not the
    // strings: at the default 976 KB it ran ~20 chunks ahead, 40 MB for rows
    // of 1 KB text. 64 KB is one or two chunks; measured, no slower to read.
    await con.run(`SET streaming_buffer_size = '64KB'`);
    const owner = options.owner ?? null;
    const session = new Session(
      this.shared,
      new ConnectionQueue(con),
      owner,
      () => this.sessions.delete(session),
      {
        allowBlocking: options.allowBlocking ?? true,
        relativePaths: options.relativePaths ?? false,
        readOnlyFunctions: options.readOnlyFunctions ?? false,
      },
      this.documentParser,
    );
    this.sessions.add(session);
    await session.openOwnLogs();
    return session;
  }

  /** Runs one or more statements; resolves to the last one's result. */
  async query(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult> {
    this.defaultSession ??= await this.session();
    return this.defaultSession.query(sql, params, options);
  }

  /** The result as an async iterator of row batches. */
  async *stream(
    sql: string,
    params?: readonly unknown[],
    options?: QueryOptions,
  ): AsyncGenerator<Record<string, unknown>[]> {
    this.defaultSession ??= await this.session();
    yield* this.defaultSession.stream(sql, params, options);
  }

  private runner(limits?: Pick<CallLimits, 'delivery'>): ChunkRunner {
    // A statement delivered through the provider's Batch API runs on the local
    // pool even with a queue: its calls are one provider-side batch job, whose
    // id this engine persists (rvbbit.batches) to poll it, pick it up again
    // after a crash and cancel it with the statement; queue jobs on other
    // hosts would each submit a batch this engine knows nothing of.
    if (limits?.delivery === 'batch' && this.queueRunner) return this.pool();
    const made = (entry?: string) =>
      entry === undefined ? (this.queueRunner ?? this.pool()) : this.pool(entry);
    this.runnerInstance ??= this.wrapRunner ? this.wrapRunner(made) : made();
    return this.runnerInstance;
  }

  /** The local pool (made once; `entry`: see EngineOptions.wrapRunner). */
  private pool(entry?: string): CascadePool {
    if (!this.shared.llmReady) {
      // Each worker thread takes the provider's URL when it starts: never '' (plan-executors.ts planOf starts it).
      throw new RvbbitError('INTERNAL', 'the worker pool was asked for before the LLM provider started');
    }
    const gate = this.shared.provider.gate;
    const images = this.shared.llm.images;
    this.poolInstance ??= new CascadePool({
      llm: this.shared.llm,
      threads: this.threads,
      onWorkerGone: (id) => {
        gate.reclaim(id);
        // Image bytes a thread held when it went (terminated mid-request) go back to the bound.
        if (images) reclaimImageBytes(images.inFlight, id);
      },
      ...(entry === undefined ? {} : { entry }),
    });
    return this.poolInstance;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.shared.jobs.values()) job.controller.abort();
    await Promise.allSettled([...this.shared.jobs.values()].map((j) => j.done));
    // Each connection closes after what is queued on it; the database only after them.
    await Promise.all([...this.sessions].map((s) => s.close()));
    await this.queueRunner?.close();
    await this.poolInstance?.close();
    await this.shared.semantic.close();
    await this.shared.closeMainLlm();
    await this.shared.logs.close().catch(() => undefined);
    await this.shared.cache.close().catch(() => undefined);
    if (this.shared.logDb.instance) {
      this.shared.logDb.q.con.closeSync();
      this.shared.logDb.instance.closeSync();
      this.shared.logDb.spill?.close();
    }
    this.shared.system.con.closeSync();
    this.shared.instance.closeSync();
    this.spill?.close();
    await this.shared.provider.simulator?.close();
    this.documentParser?.close();
    this.shared.sqlFunctionFiles.close();
  }
}

/** Creates an engine; see EngineOptions. */
export function createEngine(options?: EngineOptions): Promise<Engine> {
  return Engine.create(options);
}

/** Path and operator roots and the shipped cascades, as real paths, longest first. */
function realRoots(roots: readonly string[] | CascadeRoots, sqlFunctions: string): string[] {
  const { paths, operators } = asCascadeRoots(roots);
  const real = [...paths, ...operators, SHIPPED_CASCADES, sqlFunctions].flatMap((r) => {
    try {
      return [realpathSync(resolve(r)).replace(/\/$/, '')];
    } catch {
      return [];
    }
  });
  return [...new Set(real)].sort((a, b) => b.length - a.length);
}
