/**
 * `rvbbit sim`: runs the LLM simulator in the foreground until Ctrl-C.
 * Prints one line `rvbbit simulator listening on <url>` (the URL includes /v1), and the
 * profile after it when one is chosen (`--profile`). Its answers report `usage.cost` at the
 * prices of the engine's own simulator (sim/prices.ts), unless `--cost-in`/`--cost-out` say.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { SIM_PROFILES, type SimProfileName, type SimulatorOptions } from '../sim/options.js';
import { SIM_PRICES } from '../sim/prices.js';
import type { SimulatorHandle } from '../sim/server.js';

function num(name: string, min: number, max = Number.POSITIVE_INFINITY, integer = false) {
  return (value: string): number => {
    const n = Number(value);
    if (
      value.trim() === '' ||
      !Number.isFinite(n) ||
      n < min ||
      n > max ||
      (integer && !Number.isInteger(n))
    ) {
      const range = max === Number.POSITIVE_INFINITY ? `≥ ${min}` : `between ${min} and ${max}`;
      throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'} ${range}`);
    }
    return n;
  };
}

/** `--profile NAME`: one of the simulator's provider profiles. */
function profileName(value: string): SimProfileName {
  if (!(SIM_PROFILES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`unknown profile '${value}': use one of ${SIM_PROFILES.join(', ')}`);
  }
  return value as SimProfileName;
}

/** `--models a,b`: a comma-separated list of model ids. */
function modelList(value: string): string[] {
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (ids.length === 0) throw new InvalidArgumentError('--models must name at least one model id');
  return ids;
}

interface SimFlags {
  port: number;
  host: string;
  profile?: SimProfileName;
  models?: string[];
  azureApiKey?: string;
  latencyMs?: number;
  latencyDist?: string;
  latencyMedian?: number;
  latencySigma?: number;
  seed?: number;
  rps?: number;
  burst?: number;
  retryAfterDate?: boolean;
  errorRate?: number;
  resetRate?: number;
  hangRate?: number;
  malformedRate?: number;
  maxBodyBytes?: number;
  costIn?: number;
  batchCompletionMs?: number;
  batchLineErrorRate?: number;
  costOut?: number;
  contextWindow?: number;
  maxOutputTokens?: number;
  tpm?: number;
  rpm?: number;
}

/** Flags → simulator options. */
export function simOptionsFromFlags(f: SimFlags): SimulatorOptions {
  if (f.latencyDist !== undefined && f.latencyDist !== 'lognormal') {
    throw new InvalidArgumentError("--latency-dist must be 'lognormal'");
  }
  const dist = f.latencyDist !== undefined || f.latencyMedian !== undefined || f.latencySigma !== undefined;
  return {
    port: f.port,
    host: f.host,
    ...(f.profile !== undefined ? { profile: f.profile } : {}),
    ...(f.batchCompletionMs !== undefined ? { batchCompletionMs: f.batchCompletionMs } : {}),
    ...(f.batchLineErrorRate !== undefined ? { batchLineErrorRate: f.batchLineErrorRate } : {}),
    ...(f.models !== undefined ? { models: f.models } : {}),
    ...(f.azureApiKey !== undefined ? { azureApiKey: f.azureApiKey } : {}),
    ...(f.latencyMs !== undefined ? { latencyMs: f.latencyMs } : {}),
    ...(dist
      ? {
          latency: {
            dist: 'lognormal' as const,
            medianMs: f.latencyMedian ?? f.latencyMs ?? 200,
            sigma: f.latencySigma ?? 0.5,
          },
        }
      : {}),
    ...(f.seed !== undefined ? { seed: f.seed } : {}),
    ...(f.rps !== undefined
      ? { rateLimit: { rps: f.rps, ...(f.burst !== undefined ? { burst: f.burst } : {}) } }
      : {}),
    ...(f.retryAfterDate ? { retryAfterFormat: 'date' as const } : {}),
    ...(f.errorRate !== undefined ? { errorRate: f.errorRate } : {}),
    ...(f.resetRate !== undefined ? { resetRate: f.resetRate } : {}),
    ...(f.hangRate !== undefined ? { hangRate: f.hangRate } : {}),
    ...(f.malformedRate !== undefined ? { malformedRate: f.malformedRate } : {}),
    ...(f.maxBodyBytes !== undefined ? { maxBodyBytes: f.maxBodyBytes } : {}),
    ...(f.contextWindow !== undefined ? { contextWindow: f.contextWindow } : {}),
    ...(f.maxOutputTokens !== undefined ? { maxOutputTokens: f.maxOutputTokens } : {}),
    ...(f.tpm !== undefined ? { tpm: f.tpm } : {}),
    ...(f.rpm !== undefined ? { rpm: f.rpm } : {}),
    ...(f.costIn !== undefined || f.costOut !== undefined
      ? { costPerMillion: { in: f.costIn ?? 0, out: f.costOut ?? 0 } }
      : {}),
  };
}

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description(
      'run the LLM simulator: an OpenAI-compatible server on loopback with deterministic answers ' +
        '(JSON that fits the requested schema, yes/no and scores from word overlap) and fault knobs',
    )
    .option('--port <n>', 'port to listen on (0 = any free port)', num('--port', 0, 65535, true), 8787)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option(
      '--profile <name>',
      `provider whose paths, rules and bodies to follow: ${SIM_PROFILES.join(', ')} (default: default, the permissive simulator)`,
      profileName,
    )
    .option(
      '--models <ids>',
      'comma-separated model ids for GET /v1/models; the ollama and vllm profiles answer only these (default sim-small,sim-large)',
      modelList,
    )
    .option(
      '--azure-api-key <key>',
      'the api-key the azure-openai profile requires (default: any non-empty key)',
    )
    .option('--latency-ms <n>', 'fixed latency per answer, ms (default 0)', num('--latency-ms', 0))
    .option('--latency-dist <dist>', "latency drawn from a seeded distribution: 'lognormal'")
    .option('--latency-median <ms>', 'median of the latency distribution, ms', num('--latency-median', 0))
    .option(
      '--latency-sigma <s>',
      'sigma (log scale) of the latency distribution (default 0.5)',
      num('--latency-sigma', 0),
    )
    .option(
      '--seed <n>',
      'seed for faults, latency and answers (default 1)',
      num('--seed', -2147483648, 2147483647, true),
    )
    .option('--rps <n>', 'rate limit: above n requests/s answer 429 with Retry-After', num('--rps', 0.001))
    .option('--burst <n>', 'rate limit burst (default max(1, rps))', num('--burst', 1))
    .option('--retry-after-date', 'send Retry-After as an HTTP-date instead of seconds')
    .option('--error-rate <f>', 'fraction of requests answered 500', num('--error-rate', 0, 1))
    .option('--reset-rate <f>', 'fraction of requests whose socket is destroyed', num('--reset-rate', 0, 1))
    .option(
      '--hang-rate <f>',
      'fraction of requests never answered (until the client gives up)',
      num('--hang-rate', 0, 1),
    )
    .option(
      '--malformed-rate <f>',
      'fraction of 200s with an invalid JSON body',
      num('--malformed-rate', 0, 1),
    )
    .option(
      '--max-body-bytes <n>',
      'request bodies above n bytes get 413 (default 72 MiB)',
      num('--max-body-bytes', 1, Infinity, true),
    )
    .option(
      '--context-window <n>',
      "every model's context window, tokens: prompt (plus max_tokens) over it is OpenAI's 400 context_length_exceeded " +
        "(default: OpenAI's published windows on the openai profiles, none elsewhere)",
      num('--context-window', 1, Number.MAX_SAFE_INTEGER, true),
    )
    .option(
      '--max-output-tokens <n>',
      "every model's output cap, tokens: a larger max_tokens is OpenAI's 400, a longer answer is cut " +
        "(finish_reason length; default: OpenAI's published caps on the openai profiles, none elsewhere)",
      num('--max-output-tokens', 1, Number.MAX_SAFE_INTEGER, true),
    )
    .option(
      '--tpm <n>',
      'tokens per minute per model, as OpenAI limits them: x-ratelimit-* headers on every answer, 429 over it',
      num('--tpm', 1, Number.MAX_SAFE_INTEGER, true),
    )
    .option(
      '--rpm <n>',
      'requests per minute per model, as OpenAI limits them: x-ratelimit-* headers on every answer, 429 over it',
      num('--rpm', 1, Number.MAX_SAFE_INTEGER, true),
    )
    .option(
      '--batch-completion-ms <n>',
      'Batch API: how long a batch takes from creation to completed, ms (default 200)',
      num('--batch-completion-ms', 0, Number.POSITIVE_INFINITY, true),
    )
    .option(
      '--batch-line-error-rate <f>',
      "Batch API: fraction of a batch's lines answered 500 in its error file",
      num('--batch-line-error-rate', 0, 1),
    )
    .option(
      '--cost-in <usd>',
      'report usage.cost at this price for every model: dollars per 1M prompt tokens (default: the --sim prices, sim-small 0.15, sim-large 2.50)',
      num('--cost-in', 0),
    )
    .option(
      '--cost-out <usd>',
      'report usage.cost at this price for every model: dollars per 1M completion tokens (default: sim-small 0.60, sim-large 10)',
      num('--cost-out', 0),
    )
    .addHelpText(
      'after',
      '\nRoutes: POST /v1/chat/completions (stream: true answers server-sent events), POST /v1/embeddings,\n' +
        'GET /v1/models, GET /stats, POST /stats/reset, POST /options (JSON knobs).\n' +
        'Profiles: openai (strict json_schema rules, cached_tokens), azure-openai (/openai/deployments/{d}/chat/completions\n' +
        '?api-version=…, /openai/v1/…, api-key header), ollama, vllm, json-object-only (json_object only, as DeepSeek).\n' +
        "Limits: --context-window/--max-output-tokens (on --profile openai, OpenAI's published ones per model) answer\n" +
        "OpenAI's 400s and cut long answers (finish_reason length); --tpm/--rpm send x-ratelimit-* headers and 429s.\n" +
        'Faults are seeded: the same seed and request order give the same faults and latencies.\n' +
        'Example: rvbbit sim --port 0 --latency-dist lognormal --latency-median 300 --latency-sigma 0.6 --rps 50 --error-rate 0.05',
    )
    .action(async (flags: SimFlags) => {
      let sim: SimulatorHandle;
      try {
        const { startSimulator } = await import('../sim/server.js');
        // The prices of the engine's own simulator, as usage.cost; --cost-in/--cost-out (costPerMillion) win.
        sim = await startSimulator({ prices: SIM_PRICES, ...simOptionsFromFlags(flags) });
      } catch (err) {
        process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
        return;
      }
      const profile = flags.profile && flags.profile !== 'default' ? ` (profile ${flags.profile})` : '';
      process.stdout.write(`rvbbit simulator listening on ${sim.url}${profile}\n`);
      const stop = () => {
        void sim.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
