/**
 * The options every engine-running subcommand shares (`--db`, `--cascades`,
 * `--parallel`, `--provider-url`, `--model`, `--sim`) and the engine they make.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { createEngine, type Engine, SHIPPED_CASCADES } from '../engine/engine.js';
import type { ProviderOption } from '../engine/provider.js';
import type { CliConfig } from './cli-config.js';

export interface EngineFlags {
  db?: string;
  cascades?: string[];
  parallel?: number;
  providerUrl?: string;
  model?: string;
  sim?: boolean;
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

export function addEngineFlags(cmd: Command): Command {
  return cmd
    .option('--db <file>', 'DuckDB database file (default: in-memory)')
    .option('--cascades <dir>', 'folder cascade paths resolve in (repeatable)', collect)
    .option(
      '--parallel <n>',
      'default PARALLEL for statements that do not say',
      intArg('--parallel', 1, 1000),
    )
    .option(
      '--provider-url <url>',
      'OpenAI-compatible endpoint (default: RVBBIT_BASE_URL, else the simulator)',
    )
    .option('--model <name>', 'default model')
    .option('--sim', 'answer LLM calls with the built-in simulator, started in-process');
}

export function engineFromFlags(flags: EngineFlags, config: CliConfig): Promise<Engine> {
  if (flags.model) process.env.RVBBIT_MODEL = flags.model;
  let provider: ProviderOption | undefined;
  if (flags.sim) provider = 'simulator';
  else if (flags.providerUrl) {
    provider = {
      baseUrl: flags.providerUrl,
      apiKey: process.env.RVBBIT_API_KEY ?? process.env.OPENAI_API_KEY ?? process.env.OPENROUTER_API_KEY,
      ...(flags.model ? { model: flags.model } : {}),
    };
  }
  const roots = flags.cascades ?? config.cascades;
  return createEngine({
    database: flags.db ?? config.db,
    ...(roots ? { cascadeRoots: [...roots, process.cwd(), SHIPPED_CASCADES] } : {}),
    ...(provider ? { provider } : {}),
    defaultParallel: flags.parallel ?? config.parallel,
  });
}
