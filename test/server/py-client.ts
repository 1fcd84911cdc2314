/**
 * psycopg2 (Debian's /usr/bin/python3, which CI installs it for; a pyenv
 * python3 on PATH may not have it) and psql against a test server. A test that
 * runs them says so with requires(test, 'psql') / requires(test, 'psycopg2')
 * (test/requires.ts).
 */
import { spawn } from 'node:child_process';
import { PSQL, PYTHON3 } from '../requires.js';

export interface Ran {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** Runs a client program to its end: exit code, stdout and stderr. */
export function run(cmd: string, args: string[], input?: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => {
      out += b;
    });
    child.stderr.on('data', (b) => {
      err += b;
    });
    child.stdin.end(input ?? '');
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/**
 * Runs a Python script with `conn` (a psycopg2 connection to the server) and
 * `json` in scope; whatever it prints is the result.
 */
export function psycopg2(port: number, script: string): Promise<Ran> {
  const prelude = [
    'import json, psycopg2',
    `conn = psycopg2.connect(host='127.0.0.1', port=${port}, user='py', dbname='pydb')`,
    '',
  ].join('\n');
  return run(PYTHON3, ['-c', prelude + script], undefined, {});
}

/** psql with `args` (`-c …`, `-f -` …), stdin `input`, to database `db`; no psqlrc, no pager. */
export function psql(port: number, args: string[], input?: string, db = 'psqldb'): Promise<Ran> {
  return run(PSQL, ['-X', '-h', '127.0.0.1', '-p', String(port), '-U', 'psql', db, ...args], input, {
    PGCONNECT_TIMEOUT: '5',
    PAGER: '',
    PSQL_PAGER: '',
  });
}
