import type { Command } from 'commander';

/** Placeholder until the simulator lands (issue 3). */
export function registerSim(program: Command): void {
  program.command('sim').description('run the LLM simulator');
}
