/**
 * What a logged-in client's statements run with (StatementExecutor's
 * ClientContext) and the ParameterStatus values it is told at login; the
 * client's emulated catalog is queued for creation here (catalog-setup.ts).
 */
import type { Session } from '../engine/session.js';
import { serverParameters } from './catalog-queries.js';
import { prepareCatalog } from './catalog-setup.js';
import type { ConnectionHost } from './pg-connection.js';
import type { ClientContext } from './statement-executor.js';

export function clientContext(
  host: ConnectionHost,
  session: Session,
  user: string,
  startup: Readonly<Record<string, string>>,
  pid: number,
): { client: ClientContext; status: Record<string, string> } {
  // The server's values win over the client's where both exist (server_version, encodings).
  const status = serverParameters(user, startup.application_name ?? '');
  const client: ClientContext = {
    session,
    settings: new Map<string, string>(),
    params: { ...status, ...startup, ...status },
    pid,
    limits: host.limits,
    log: host.log,
    // Statements are split with the engine's grammar, which knows the catalog's operator words.
    grammar: host.engine.shared.semantic.catalog.grammar,
    cancelBackend: (other: number) => host.cancelBackend(other),
    sharedSettings: host.sharedSettings,
  };
  // Before the client can send anything: the catalog must not be made inside its transaction.
  void prepareCatalog(session, client.params, pid);
  return { client, status };
}
