import type { Command } from 'commander';

/** Placeholder until the grammar lands (issue 2). */
export function registerParse(program: Command): void {
  program.command('parse').description('parse RVBBIT SQL and print the AST');
}
