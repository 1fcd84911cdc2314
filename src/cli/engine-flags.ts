/**
 * The options every engine-running subcommand shares (`--db`, `--cascades`,
 * `--parallel`, `--provider-url`, `--model`, `--sim`, `--image-dir`, `--format`) and the
 * engine they make. Only Commander is loaded up front: the engine is imported
 * when a command runs, so `--help` and `--version` start in a few ms.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { RvbbitError } from '../../base/errors.js';
import { MAX_PARALLEL, MAX_SMALL_SIDE } from '../../grammar/with-options.js';
import type { CliConfig } from '../config/cli-config.js';
import { DEFAULT_LLM_MEMORY_LIMIT } from '../db/llm-work-bound.js';
import { DEFAULT_MEMORY_LIMIT } from '../db/spill-settings.js';
import type { Engine, EngineOptions } from '../engine/engine.js';
import type { ProviderOption } from '../engine/provider.js';
import { isOutputFormat, type OutputFormat } from '../output/output-format.js';
import { cascadeRootsFor, isFolder } from '../plan/cascade-roots.js';

export function formatArg(value: string): OutputFormat {
  if (!isOutputFormat(value))
    throw new InvalidArgumentError('--format must be one of table, csv, json, ndjson');
  return value;
}

export interface EngineFlags {
  db?: string;
  cascades?: string[];
  parallel?: number;
  providerUrl?: string;
  model?: string;
  sim?: boolean;
  redis?: string;
  workerWait?: number;
  rate?: string;
  dataDir?: string[];
  /** The older name of --data-dir: both lists are joined. */
  imageDir?: string[];
  maxDocumentBytes?: number;
  maxDocumentInflateBytes?: number;
  documentParseDeadlineMs?: number;
  documentParserThreads?: number;
  documentParserHeapMb?: number;
  maxImageBytes?: number;
  maxImageBytesInFlight?: number;
  smallSide?: number;
  memoryLimit?: string;
  llmMemoryLimit?: string;
}

export function intArg(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** `--cascades dir`: a folder that does not exist is bad usage (exit 2, as `--help` documents), not an empty root. */
function collectFolder(value: string, previous: string[] | undefined): string[] {
  if (!isFolder(value)) {
    const err = new InvalidArgumentError(`no such folder: ${value}`);
    err.exitCode = 2;
    throw err;
  }
  return collect(value, previous);
}

export function addEngineFlags(cmd: Command): Command {
  return cmd
    .option('--db <file>', 'DuckDB database file (default: in-memory)')
    .option(
      '--cascades <dir>',
      'folder cascade paths resolve in and operator cascades are read from (repeatable)',
      collectFolder,
    )
    .option(
      '--parallel <n>',
      'default PARALLEL for statements that do not say',
      intArg('--parallel', 1, MAX_PARALLEL),
    )
    .option(
      '--provider-url <url>',
      'OpenAI-compatible endpoint (default: RVBBIT_BASE_URL, else the simulator)',
    )
    .option('--model <name>', 'default model')
    .option('--sim', 'answer LLM calls with the built-in simulator, started in-process')
    .option(
      '--redis <url>',
      'scale out: run LLM rows on `rvbbit worker` processes through this Redis (default: RVBBIT_REDIS_URL)',
    )
    .option(
      '--worker-wait <ms>',
      'with --redis: fail a statement no worker serves for this long (default 60000)',
      intArg('--worker-wait', 100, 2 ** 31),
    )
    .option(
      '--rate <n/unit>',
      "with --redis: cascade runs per s, min or h across every worker, e.g. '600/min'",
    )
    .option(
      '--data-dir <dir>',
      "folder DOCUMENT_TEXT('path'), DOCUMENT_PAGES('path') and IMAGE('path') may read (repeatable; under serve, the only folders clients may read; default: none)",
      collectFolder,
    )
    .option('--image-dir <dir>', 'the older name of --data-dir (one list)', collectFolder)
    .option(
      '--max-document-bytes <n>',
      'largest document DOCUMENT_TEXT() and DOCUMENT_PAGES() take (default 64 MiB)',
      intArg('--max-document-bytes', 1, 2 ** 31),
    )
    .option(
      '--max-document-inflate-bytes <n>',
      "bytes a document's compressed parts (a DOCX body, a PDF's streams) may inflate to, in all (default 64 MiB)",
      intArg('--max-document-inflate-bytes', 1, 2 ** 31),
    )
    .option(
      '--document-parse-deadline-ms <ms>',
      "longest one document's parse may take (default 60000)",
      intArg('--document-parse-deadline-ms', 1, 2 ** 31),
    )
    .option(
      '--document-parser-threads <n>',
      'documents parsed at once, a thread each (default 4)',
      intArg('--document-parser-threads', 1, 64),
    )
    .option(
      '--document-parser-heap-mb <n>',
      "each document parser thread's heap cap (default 512)",
      intArg('--document-parser-heap-mb', 16, 16384),
    )
    .option(
      '--max-image-bytes <n>',
      'largest image IMAGE() takes (default 20 MiB)',
      intArg('--max-image-bytes', 1, 2 ** 31),
    )
    .option(
      '--max-image-bytes-in-flight <n>',
      'image file bytes LLM requests hold at once, across clients (default 64 MiB)',
      intArg('--max-image-bytes-in-flight', 1, 2 ** 30),
    )
    .option(
      '--small-side <n>',
      'pair predicates with at most n distinct values on one side ask one call per other-side value (default 64; 0: never; -- @ small_side wins)',
      intArg('--small-side', 0, MAX_SMALL_SIDE),
    )
    .option(
      '--memory-limit <size>',
      `DuckDB's memory_limit the engine sets, e.g. 512MB or 2GB: what DuckDB holds past it spills to disk (default: RVBBIT_MEMORY_LIMIT, else ${DEFAULT_MEMORY_LIMIT}; a statement's SET memory_limit wins)`,
    )
    .option(
      '--llm-memory-limit <size>',
      `DuckDB's memory_limit while a statement with LLM calls runs, when lower (default: RVBBIT_LLM_MEMORY_LIMIT, else ${DEFAULT_LLM_MEMORY_LIMIT}; the --memory-limit value turns it off)`,
    );
}

/**
 * `--provider-url` (and `--model`) merged over the environment and the
 * config file's `llm:` section, in the one order llm/config.ts documents:
 * the file's timeouts, retries, rates, aliases and prices still apply.
 */
export async function providerOfFlags(
  flags: Pick<EngineFlags, 'providerUrl' | 'model'>,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Promise<ProviderOption | undefined> {
  const [{ resolveLlmConfig }, { providerOptionFromConfig }] = await Promise.all([
    import('../llm/config.js'),
    import('../engine/provider.js'),
  ]);
  return providerOptionFromConfig(
    resolveLlmConfig(env, cwd, {
      ...(flags.providerUrl ? { baseUrl: flags.providerUrl } : {}),
      ...(flags.model ? { model: flags.model } : {}),
    }),
  );
}

export async function engineFromFlags(
  flags: EngineFlags,
  config: CliConfig,
  extra: Pick<EngineOptions, 'logs'> & {
    /** false (`rvbbit serve`): the working directory is no cascade root unless --cascades names it. */
    readonly workingDirectoryRoot?: boolean;
  } = {},
): Promise<Engine> {
  const { createEngine } = await import('../engine/engine.js');
  // --model wins over RVBBIT_MODEL and llm.model on every provider, the built-in simulator included.
  const simulator = { simulator: {}, ...(flags.model ? { model: flags.model } : {}) };
  let provider: ProviderOption | undefined;
  if (flags.sim) provider = simulator;
  else if (flags.providerUrl || flags.model) provider = (await providerOfFlags(flags)) ?? simulator;
  const redis = flags.redis ?? (process.env.RVBBIT_REDIS_URL || undefined);
  const imageFolders = dataFoldersOf(flags, config);
  const maxDocumentBytes = flags.maxDocumentBytes ?? config.maxDocumentBytes;
  const maxImageBytes = flags.maxImageBytes ?? config.maxImageBytes;
  const maxImageBytesInFlight = flags.maxImageBytesInFlight ?? config.maxImageBytesInFlight;
  const smallSide = flags.smallSide ?? config.smallSide;
  // Flag, then environment, then the config file: the order the LLM settings merge in.
  const memoryLimit =
    flags.memoryLimit ?? (process.env.RVBBIT_MEMORY_LIMIT || undefined) ?? config.memoryLimit;
  const llmMemoryLimit =
    flags.llmMemoryLimit ?? (process.env.RVBBIT_LLM_MEMORY_LIMIT || undefined) ?? config.llmMemoryLimit;
  if (smallSide !== undefined && (smallSide < 0 || smallSide > MAX_SMALL_SIDE)) {
    throw new RvbbitError(
      'CLI_CONFIG',
      `rvbbit.small_side: expected an integer from 0 to ${MAX_SMALL_SIDE}, got ${smallSide}`,
    );
  }
  const made = createEngine({
    database: flags.db ?? config.db,
    cascadeRoots: cascadeRootsFor(flags.cascades ?? config.cascades, process.cwd(), {
      workingDirectory: extra.workingDirectoryRoot ?? true,
    }),
    // A skipped operator file: one line on stderr, the command goes on.
    onWarning: (message) => process.stderr.write(`rvbbit: warning: ${message}\n`),
    ...(provider ? { provider } : {}),
    defaultParallel: flags.parallel ?? config.parallel,
    ...(redis
      ? {
          queue: {
            redis,
            ...(flags.workerWait ? { noWorkerTimeoutMs: flags.workerWait } : {}),
            ...(flags.rate ? { rate: flags.rate } : {}),
          },
        }
      : {}),
    ...(extra.logs ? { logs: extra.logs } : {}),
    ...(imageFolders ? { dataFolders: imageFolders } : {}),
    ...(maxDocumentBytes !== undefined ? { maxDocumentBytes } : {}),
    ...(flags.maxDocumentInflateBytes !== undefined
      ? { maxDocumentInflateBytes: flags.maxDocumentInflateBytes }
      : {}),
    ...(flags.documentParseDeadlineMs !== undefined
      ? { documentParseDeadlineMs: flags.documentParseDeadlineMs }
      : {}),
    ...(flags.documentParserThreads !== undefined
      ? { documentParserThreads: flags.documentParserThreads }
      : {}),
    ...(flags.documentParserHeapMb !== undefined ? { documentParserHeapMb: flags.documentParserHeapMb } : {}),
    ...(maxImageBytes !== undefined ? { maxImageBytes } : {}),
    ...(maxImageBytesInFlight !== undefined ? { maxImageBytesInFlight } : {}),
    ...(smallSide !== undefined ? { smallSideLimit: smallSide } : {}),
    ...(config.pairSplit !== undefined ? { pairSplit: config.pairSplit } : {}),
    ...(memoryLimit !== undefined ? { memoryLimit } : {}),
    ...(llmMemoryLimit !== undefined ? { llmMemoryLimit } : {}),
  });
  // A size DuckDB cannot read is named as the user gave it, not as the engine option it became.
  return made.catch((err: unknown) => {
    const option =
      err instanceof RvbbitError && err.code === 'ENGINE_OPTION'
        ? /^options\.(\w+):/.exec(err.message)
        : null;
    const named =
      option?.[1] === 'memoryLimit'
        ? memorySource('memory', flags.memoryLimit)
        : option?.[1] === 'llmMemoryLimit'
          ? memorySource('llm_memory', flags.llmMemoryLimit)
          : undefined;
    if (named === undefined) throw err;
    throw new RvbbitError('ENGINE_OPTION', `${named}${(err as Error).message.slice(option![0].length - 1)}`);
  });
}

/** Where a memory bound came from: its flag, its environment variable or its config key. */
function memorySource(name: 'memory' | 'llm_memory', flag: string | undefined): string {
  if (flag !== undefined) return `--${name.replace('_', '-')}-limit`;
  const variable = `RVBBIT_${name.toUpperCase()}_LIMIT`;
  return process.env[variable] ? variable : `rvbbit.${name}_limit (rvbbit.config.yaml)`;
}

/** The data folders: --data-dir and --image-dir joined, else the config file's data_dirs/image_dirs. */
export function dataFoldersOf(
  flags: Pick<EngineFlags, 'dataDir' | 'imageDir'>,
  config: Pick<CliConfig, 'imageDirs'>,
): string[] | undefined {
  const given = [...(flags.dataDir ?? []), ...(flags.imageDir ?? [])];
  return given.length > 0 ? [...new Set(given)] : config.imageDirs ? [...config.imageDirs] : undefined;
}
