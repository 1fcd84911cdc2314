/** What the figures were measured on: CPU, cores, memory, Node, DuckDB, commit. */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, platform, release, totalmem } from 'node:os';
import type { Engine } from '../src/index.js';

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  readonly duckdb: string;
  readonly commit: string | null;
}

export async function describeMachine(engine: Engine): Promise<Machine> {
  const version = await engine.query('SELECT version() AS v');
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: 'pipe',
    }).trim();
  } catch {
    // not a git checkout
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    duckdb: String(version.rows[0]?.v ?? 'unknown'),
    commit,
  };
}
