/**
 * `rvbbit serve`: the Postgres-wire server in the foreground until Ctrl-C.
 * Prints one line `rvbbit server listening on postgresql://host:port (LLM: …)`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { addEngineFlags, dataFoldersOf, type EngineFlags, engineFromFlags, intArg } from './engine-flags.js';
import { printError } from './print-error.js';

interface ServeFlags extends EngineFlags {
  host?: string;
  port?: number;
  password?: string;
  auth?: 'scram-sha-256' | 'md5';
  insecure?: boolean;
  maxConnections?: number;
  maxMessageBytes?: number;
  idleTimeout?: number;
  statementTimeout?: number;
  loginTimeout?: number;
  passwordFile?: string;
  allowFiles?: string[];
  allowAllFiles?: boolean;
  logQueries?: boolean;
  sharedLogs?: boolean;
  allowBlockingStrategies?: boolean;
  readOnlyFunctions?: boolean;
}

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .description(
      'serve the engine over the Postgres wire protocol (psql, DBeaver/pgJDBC, node-postgres, psycopg)',
    )
    .option('--host <addr>', 'address to listen on (default 127.0.0.1)')
    .option('--port <n>', 'port (default 15432; 0 = any free port)', intArg('--port', 0, 65535))
    .option(
      '--password <pw>',
      'require this password (visible to other users in ps: prefer --password-file or RVBBIT_PASSWORD)',
    )
    .option('--password-file <file>', 'require the password in this file (its first line)')
    .option('--auth <method>', "password method: 'scram-sha-256' (default) or 'md5'")
    .option('--insecure', 'allow a non-loopback --host without a password')
    .option('--max-connections <n>', 'clients at once (default 100)', intArg('--max-connections', 1, 100000))
    .option(
      '--max-message-bytes <n>',
      'largest client message (default 64 MiB)',
      intArg('--max-message-bytes', 1024, 2 ** 30),
    )
    .option(
      '--idle-timeout <ms>',
      'close idle connections after ms (default 1 hour; 0 = never)',
      intArg('--idle-timeout', 0, 2 ** 31),
    )
    .option(
      '--statement-timeout <ms>',
      'cancel statements running longer (default never; clients may SET statement_timeout)',
      intArg('--statement-timeout', 0, 2 ** 31),
    )
    .option(
      '--login-timeout <ms>',
      'close clients that have not logged in after ms (default 10000)',
      intArg('--login-timeout', 1, 2 ** 31),
    )
    .option(
      '--allow-files <dir>',
      'let clients read and write files under this folder (repeatable; default: no files)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), resolve(value)],
    )
    .option('--allow-all-files', "give clients DuckDB's full file access (trusted clients only)")
    .option(
      '--allow-blocking-strategies',
      "let clients run the sequential, vectorized and union_all strategies and parse documents inside DuckDB's call (a write inside a transaction), which block every other client while they run",
    )
    .option(
      '--read-only-functions',
      'refuse CREATE and DROP SEMANTIC FUNCTION and writes of rvbbit.semantic_functions from clients (42501); functions already defined still run',
    )
    .option('--log-queries', 'print every statement clients send to stderr')
    .option(
      '--shared-logs',
      "let every client read every client's rows of rvbbit.queries, unified_logs and jobs (default: its own)",
    );
  addEngineFlags(cmd).action(async (flags: ServeFlags, command: Command) => {
    const debug = Boolean(command.optsWithGlobals().debug);
    try {
      const [{ readCliConfig }, { startServer }] = await Promise.all([
        import('../config/cli-config.js'),
        import('../server/server.js'),
      ]);
      const config = readCliConfig();
      const s = config.server;
      const auth = flags.auth ?? s.auth;
      if (auth !== undefined && auth !== 'scram-sha-256' && auth !== 'md5') {
        throw new Error("--auth must be 'scram-sha-256' or 'md5'");
      }
      // Read before the engine exists: a bad password file must not leave an engine running.
      const password = serverPassword(flags) ?? s.password;
      const engine = await engineFromFlags(flags, config, {
        logs: flags.sharedLogs ? 'shared' : 'private',
        workingDirectoryRoot: false,
      });
      const server = await startServer({
        engine,
        host: flags.host ?? s.host,
        port: flags.port ?? s.port,
        password,
        authMethod: auth,
        insecure: flags.insecure,
        maxConnections: flags.maxConnections ?? s.maxConnections,
        maxMessageBytes: flags.maxMessageBytes ?? s.maxMessageBytes,
        idleTimeoutMs: flags.idleTimeout ?? s.idleTimeoutMs,
        statementTimeoutMs: flags.statementTimeout ?? s.statementTimeoutMs,
        loginTimeoutMs: flags.loginTimeout,
        // Clients read through DuckDB (read_blob, read_text, …) where rvbbit's own readers read: one rule.
        allowFiles: flags.allowAllFiles
          ? 'all'
          : [
              ...new Set([
                ...(flags.allowFiles ?? s.allowFiles ?? []),
                ...(dataFoldersOf(flags, config) ?? []).map((d) => resolve(d)),
              ]),
            ],
        allowBlockingStrategies: flags.allowBlockingStrategies,
        readOnlyFunctions: flags.readOnlyFunctions,
        log: flags.logQueries ? (line) => process.stderr.write(`${line}\n`) : undefined,
      }).catch(async (err) => {
        await engine.close();
        throw err;
      });
      process.stdout.write(
        `rvbbit server listening on postgresql://${server.host}:${server.port} (LLM: ${engine.answeredBy})\n`,
      );
      let stopping = false;
      const stop = () => {
        if (stopping) process.exit(1);
        stopping = true;
        void server
          .close()
          .then(() => engine.close())
          .then(() => process.exit(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    } catch (err) {
      printError(await withFlagHint(err), debug);
      process.exitCode = 1;
    }
  });
}

/** A listen failure says which flag picks another place (the config file's key too). */
async function withFlagHint(err: unknown): Promise<unknown> {
  const { RvbbitError } = await import('../../base/errors.js');
  if (!(err instanceof RvbbitError) || err.code !== 'SERVER_LISTEN') return err;
  const hint =
    err.detail.reason === 'EADDRNOTAVAIL'
      ? 'listen on another address with --host ADDR (rvbbit.config.yaml: server.host)'
      : 'pick another port with --port N (--port 0 takes any free one; rvbbit.config.yaml: server.port)';
  return new RvbbitError(err.code, `rvbbit serve: ${err.message}; ${hint}`, err.detail, { cause: err });
}

/**
 * The password from --password-file, --password, RVBBIT_PASSWORD or
 * RVBBIT_SERVER_PASSWORD (first found), trimmed of the newline a file or an
 * echo leaves; an empty one is an error, never "no password".
 */
function serverPassword(flags: ServeFlags): string | undefined {
  const fromFile =
    flags.passwordFile === undefined ? undefined : readFileSync(flags.passwordFile, 'utf8').split(/\r?\n/)[0];
  const pw = fromFile ?? flags.password ?? process.env.RVBBIT_PASSWORD ?? process.env.RVBBIT_SERVER_PASSWORD;
  if (pw === undefined) return undefined;
  const trimmed = pw.trim();
  if (trimmed === '') {
    throw new Error(
      flags.passwordFile
        ? `--password-file ${flags.passwordFile}: the file is empty`
        : 'the password is empty',
    );
  }
  return trimmed;
}
