/**
 * `rvbbit serve`: the Postgres-wire server in the foreground until Ctrl-C.
 * Prints one line `rvbbit server listening on postgresql://host:port (LLM: …)`.
 */
import type { Command } from 'commander';
import { addEngineFlags, type EngineFlags, engineFromFlags, intArg } from './engine-flags.js';
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
  logQueries?: boolean;
}

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .description(
      'serve the engine over the Postgres wire protocol (psql, DBeaver/pgJDBC, node-postgres, psycopg)',
    )
    .option('--host <addr>', 'address to listen on (default 127.0.0.1)')
    .option('--port <n>', 'port (default 15432; 0 = any free port)', intArg('--port', 0, 65535))
    .option('--password <pw>', 'require this password (SCRAM-SHA-256; also RVBBIT_SERVER_PASSWORD)')
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
      'close idle connections after ms (default never)',
      intArg('--idle-timeout', 0, 2 ** 31),
    )
    .option('--log-queries', 'print every statement clients send to stderr');
  addEngineFlags(cmd).action(async (flags: ServeFlags, command: Command) => {
    const debug = Boolean(command.optsWithGlobals().debug);
    try {
      const [{ readCliConfig }, { startServer }] = await Promise.all([
        import('./cli-config.js'),
        import('../server/server.js'),
      ]);
      const config = readCliConfig();
      const s = config.server;
      const auth = flags.auth ?? s.auth;
      if (auth !== undefined && auth !== 'scram-sha-256' && auth !== 'md5') {
        throw new Error("--auth must be 'scram-sha-256' or 'md5'");
      }
      const engine = await engineFromFlags(flags, config);
      const server = await startServer({
        engine,
        host: flags.host ?? s.host,
        port: flags.port ?? s.port,
        password: flags.password ?? process.env.RVBBIT_SERVER_PASSWORD ?? s.password,
        authMethod: auth,
        insecure: flags.insecure,
        maxConnections: flags.maxConnections ?? s.maxConnections,
        maxMessageBytes: flags.maxMessageBytes ?? s.maxMessageBytes,
        idleTimeoutMs: flags.idleTimeout ?? s.idleTimeoutMs,
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
      printError(err, debug);
      process.exitCode = 1;
    }
  });
}
