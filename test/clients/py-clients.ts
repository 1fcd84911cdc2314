/**
 * The Python clients' venv (scripts/py-clients.sh, which .ci/run runs): a
 * script run with its python, whose stdout is the result. A test that runs it
 * says so with requires(test, 'py-clients') (test/requires.ts): skipped with
 * one line where the venv is missing, failed under CI.
 */
import { PY_CLIENTS } from '../requires.js';
import { type Ran, run } from '../server/py-client.js';

/** Runs `script` with the venv's python; `PGPORT` tells it where the server listens. */
export function python(script: string, port: number, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return run(PY_CLIENTS, ['-c', script], undefined, { PGHOST: '127.0.0.1', PGPORT: String(port), ...env });
}
