/**
 * What a logged-in client's statements run with (StatementExecutor's
 * ClientContext) and the ParameterStatus values it is told at login; the
 * client's emulated catalog is queued for creation here (catalog-setup.ts).
 */
import type { Engine } from '../engine/engine.js';
import type { Session } from '../engine/session.js';
import { serverParameters } from './catalog-queries.js';
import { prepareCatalog } from './catalog-setup.js';
import type { SharedSettings } from './client-access.js';
import type { ServerLimits } from './server-options.js';

/** What a client's statements run against; fixed once the client is authenticated. */
export interface ClientContext {
  readonly session: Session;
  /** SET values, answered by SHOW and current_setting(). */
  readonly settings: Map<string, string>;
  /** Startup parameters and the server's ParameterStatus values. */
  readonly params: Record<string, string>;
  /** The BackendKeyData process id. */
  readonly pid: number;
  /** pg_cancel_backend: cancels another connection's statement; false for an unknown pid. */
  readonly cancelBackend?: (pid: number) => boolean;
  /** DuckDB settings every session shares, which a client may not change. */
  readonly sharedSettings?: SharedSettings;
  readonly limits: ServerLimits;
  readonly log?: (line: string) => void;
}

/** What a client's context takes from its server (the server's ConnectionHost has it). */
export interface ClientHost {
  readonly engine: Engine;
  readonly limits: ServerLimits;
  readonly log?: (line: string) => void;
  /** pg_cancel_backend(pid) from any client: true if a connection has that pid. */
  cancelBackend(pid: number): boolean;
  /** DuckDB settings every session shares, which clients may not change. */
  readonly sharedSettings: SharedSettings;
}

export function clientContext(
  host: ClientHost,
  session: Session,
  user: string,
  startup: Readonly<Record<string, string>>,
  pid: number,
  settings: Map<string, string> = new Map(),
): { client: ClientContext; status: Record<string, string> } {
  // The server's values win over the client's where both exist (server_version, encodings).
  const status = serverParameters(user, startup.application_name ?? '');
  const client: ClientContext = {
    session,
    settings,
    params: { ...status, ...startup, ...status },
    pid,
    limits: host.limits,
    log: host.log,
    cancelBackend: (other: number) => host.cancelBackend(other),
    sharedSettings: host.sharedSettings,
  };
  // Before the client can send anything: the catalog must not be made inside its transaction.
  void prepareCatalog(session, client.params, pid);
  return { client, status };
}
