/**
 * The Python clients' venv (scripts/py-clients.sh, which .ci/run runs): a
 * script run with its python, whose stdout is the result. Where the venv is
 * missing a test says so and fails under CI (a client test must not pass by
 * not running), and is skipped with that warning elsewhere.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Ran, run } from '../server/py-client.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const PY_CLIENTS = join(ROOT, '.cache/py-clients/bin/python');

/** True when the venv is there; otherwise warns once (and throws under CI). */
export function havePyClients(test: string): boolean {
  if (existsSync(PY_CLIENTS)) return true;
  const why = `${test}: the Python clients' venv is missing (run: bash scripts/py-clients.sh)`;
  if (process.env.CI) throw new Error(why);
  console.warn(`  (skipped) ${why}`);
  return false;
}

/** Runs `script` with the venv's python; `PGPORT` tells it where the server listens. */
export function python(script: string, port: number, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return run(PY_CLIENTS, ['-c', script], undefined, { PGHOST: '127.0.0.1', PGPORT: String(port), ...env });
}
