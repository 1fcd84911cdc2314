/**
 * `rvbbit worker --redis URL`: takes chunk jobs from the queue until SIGTERM
 * or Ctrl-C, then finishes the jobs it holds and exits. Its provider is its
 * own (RVBBIT_BASE_URL / RVBBIT_API_KEY in its environment, `--provider-url`,
 * or `--sim`); with none it refuses to start rather than answer with the
 * simulator, and a worker that cannot start tells the coordinators why
 * through Redis. Prints `rvbbit worker <id> taking jobs from <url> (LLM: …)`.
 * No `--model`: every job carries the coordinator's default model, which its
 * cache keys name (aliases in the worker's config file still map it).
 */
import { rmSync } from 'node:fs';
import { mkdtemp, stat } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { RvbbitError } from '../../base/errors.js';
import { errText } from '../scale/wait-helpers.js';
import { intArg } from './engine-flags.js';
import { printError } from './print-error.js';

interface WorkerFlags {
  redis: string;
  concurrency?: number;
  cacheDir?: string;
  providerUrl?: string;
  sim?: boolean;
  threads?: number;
  maxConcurrency?: number;
  lockMs?: number;
}

function redisArg(value: string): string {
  if (!/^redis:\/\/[^/\s]+/.test(value))
    throw new InvalidArgumentError('--redis must be a redis://host:port URL');
  return value;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('take MAP chunks and operator calls from a coordinator’s queue on Redis and run them here')
    .requiredOption(
      '--redis <url>',
      'the queue’s Redis (redis://[:password@]host:port; default RVBBIT_REDIS_URL, which keeps a password out of ps)',
      redisArg,
      process.env.RVBBIT_REDIS_URL || undefined,
    )
    .option('--concurrency <n>', 'chunk jobs at once (default 64)', intArg('--concurrency', 1, 10000))
    .option(
      '--cache-dir <dir>',
      'where this worker makes its private folder for the cascades jobs carry (default: the system temp folder)',
    )
    .option('--provider-url <url>', 'OpenAI-compatible endpoint (default: RVBBIT_BASE_URL)')
    .option('--sim', 'answer with the built-in simulator, started in-process')
    .option('--threads <n>', 'worker threads (default: cores − 1, at most 4)', intArg('--threads', 1, 64))
    .option(
      '--max-concurrency <n>',
      'LLM requests in flight from this worker (default: the config file’s, else 64)',
      intArg('--max-concurrency', 1, 100000),
    )
    .option(
      '--lock-ms <ms>',
      'a job this worker holds is re-run elsewhere this long after the worker dies (default 10000)',
      intArg('--lock-ms', 200, 600000),
    )
    .action(async (flags: WorkerFlags, command: Command) => {
      const debug = Boolean(command.optsWithGlobals().debug);
      try {
        await runWorker(flags);
      } catch (err) {
        printError(err, debug);
        const { reportStartError } = await import('../scale/worker-registry.js');
        const error = err instanceof Error ? err.message : String(err);
        await reportStartError(flags.redis, {
          id: `${hostname()}:${process.pid}`,
          host: hostname(),
          error,
          at: Date.now(),
        });
        process.exit(2);
      }
    });
}

async function runWorker(flags: WorkerFlags): Promise<void> {
  const cascadeDir = await privateCascadeFolder(flags.cacheDir);
  // Removed however the worker ends (a stop, an error, Ctrl-C): it holds only copies of jobs' texts.
  process.once('exit', () => rmSync(cascadeDir, { recursive: true, force: true }));
  const [
    { providerOfFlags },
    { resolveProvider, workerLlmConfigOf },
    { CascadePool },
    { QueueWorker },
    { redisUrlForDisplay },
  ] = await Promise.all([
    import('./engine-flags.js'),
    import('../engine/provider.js'),
    import('../thread/cascade-pool.js'),
    import('../scale/queue-worker.js'),
    import('../scale/redis-clients.js'),
  ]);
  let option = flags.sim ? ('simulator' as const) : await providerOfFlags(flags);
  if (option === undefined) {
    throw new RvbbitError(
      'WORKER_CONFIG',
      'no LLM provider configured for this worker: set RVBBIT_BASE_URL (and RVBBIT_API_KEY) in its environment, or pass --provider-url or --sim',
    );
  }
  if (flags.maxConcurrency !== undefined && typeof option === 'object' && 'baseUrl' in option) {
    option = { ...option, maxConcurrency: flags.maxConcurrency };
  }
  const provider = await resolveProvider(option, process.cwd());
  const pool = new CascadePool({
    llm: workerLlmConfigOf(provider),
    threads: flags.threads,
    onWorkerGone: (id) => provider.gate.reclaim(id),
  });
  const worker = new QueueWorker({
    redis: flags.redis,
    concurrency: flags.concurrency ?? 64,
    cascadeDir,
    pool,
    answeredBy: provider.answeredBy,
    lockMs: flags.lockMs ?? 10_000,
    // The budget its provider announces is shared with the other workers through Redis.
    budgets: provider.gate,
  });
  try {
    await worker.start();
  } catch (err) {
    await provider.simulator?.close();
    throw new RvbbitError(
      'WORKER_CONFIG',
      `cannot reach the queue's Redis at ${redisUrlForDisplay(flags.redis)}: ${errText(err)}`,
    );
  }
  process.stdout.write(
    `rvbbit worker ${worker.id} taking jobs from ${redisUrlForDisplay(flags.redis)} (LLM: ${provider.answeredBy})\n`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('rvbbit worker: finishing the jobs it holds, then exiting\n');
    await worker.close();
    await provider.simulator?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

/**
 * The folder the cascade texts that jobs carry are written to (the pool's
 * threads load cascades from files): a new one of this worker's own (mkdtemp:
 * mode 0700), never a user's folder, so no source tree fills with
 * hash-named copies and a read-only one is no obstacle.
 */
async function privateCascadeFolder(parent: string | undefined): Promise<string> {
  const base = resolve(parent ?? tmpdir());
  const s = await stat(base).catch(() => undefined);
  if (!s?.isDirectory()) throw new RvbbitError('WORKER_CONFIG', `--cache-dir ${base}: no such folder`);
  return mkdtemp(join(base, 'rvbbit-worker-'));
}
