/**
 * A real LSP client for the tests and the bench: `rvbbit lsp --stdio` from
 * source as a child process, spoken to over its stdin/stdout with
 * vscode-languageserver-protocol, as an editor would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  type Diagnostic,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  MessageType,
  type ProtocolConnection,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  type ServerCapabilities,
  ShowMessageNotification,
  StreamMessageReader,
  StreamMessageWriter,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node';
import { CLI, ROOT } from '../cli/helpers.js';

export interface Published {
  readonly version: number | undefined;
  readonly diagnostics: Diagnostic[];
}

export class LspClient {
  private readonly waiters = new Map<string, { version: number; resolve: (p: Published) => void }[]>();
  /** How many times diagnostics were published, per document. */
  readonly publishCount = new Map<string, number>();
  /** The last diagnostics published per document. */
  readonly published = new Map<string, Published>();
  private versions = new Map<string, number>();
  stderr = '';
  /** Methods the server registered for (client/registerCapability). */
  readonly registrations: string[] = [];
  /** Called on every publication (set by nextPublication). */
  private onPublish: ((uri: string, p: Published) => void) | undefined;
  /** window/logMessage texts of type Error: a request handler that failed (the server caught it). */
  readonly errorLogs: string[] = [];
  /** window/showMessage texts, in order. */
  readonly messages: string[] = [];
  /** The server's answer to `initialize`. */
  capabilities: ServerCapabilities = {};

  private constructor(
    readonly child: ChildProcess,
    readonly connection: ProtocolConnection,
  ) {
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      const got = { version: p.version, diagnostics: p.diagnostics };
      this.published.set(p.uri, got);
      this.publishCount.set(p.uri, (this.publishCount.get(p.uri) ?? 0) + 1);
      this.onPublish?.(p.uri, got);
      const list = this.waiters.get(p.uri) ?? [];
      this.waiters.set(
        p.uri,
        list.filter((w) => {
          if (p.version === undefined || p.version < w.version) return true;
          w.resolve(got);
          return false;
        }),
      );
    });
    connection.onRequest(RegistrationRequest.type, (p) => {
      this.registrations.push(...p.registrations.map((r) => r.method));
    });
    connection.onNotification(LogMessageNotification.type, (m) => {
      if (m.type === MessageType.Error) this.errorLogs.push(m.message);
    });
    connection.onNotification(ShowMessageNotification.type, (m) => {
      this.messages.push(m.message);
    });
    child.stderr!.on('data', (b) => {
      this.stderr += b;
    });
  }

  /**
   * Starts the server with these extra arguments (`--cascades dir`, `--db file`) and
   * initializes it, in `workspace` if given; `cli` runs the source (default) or the built bin.
   */
  static async start(
    args: readonly string[] = [],
    workspace: string | null = null,
    cli: readonly string[] = CLI,
  ): Promise<LspClient> {
    const child = spawn(process.execPath, [...cli, 'lsp', '--stdio', ...args], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const connection = createProtocolConnection(
      new StreamMessageReader(child.stdout!),
      new StreamMessageWriter(child.stdin!),
    );
    connection.listen();
    const client = new LspClient(child, connection);
    const init = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: workspace === null ? null : pathToFileURL(workspace).href,
      capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } },
      workspaceFolders:
        workspace === null ? null : [{ uri: pathToFileURL(workspace).href, name: 'workspace' }],
    });
    client.capabilities = init.capabilities;
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  /** Opens a document and waits for its first diagnostics. */
  async open(uri: string, text: string): Promise<Published> {
    this.versions.set(uri, 1);
    const next = this.diagnosticsOf(uri, 1);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'rvbbit-sql', version: 1, text },
    });
    return next;
  }

  /** Sends changes (incremental ranges or whole text) as the next version; resolves with its diagnostics. */
  async change(uri: string, changes: TextDocumentContentChangeEvent[]): Promise<Published> {
    const version = (this.versions.get(uri) ?? 0) + 1;
    this.versions.set(uri, version);
    const next = this.diagnosticsOf(uri, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: changes,
    });
    return next;
  }

  /** The next diagnostics published for `uri`, whatever their version (a re-check after a cascade changed). */
  nextPublication(uri: string): Promise<Published> {
    return new Promise((resolve) => {
      this.onPublish = (u, p) => {
        if (u !== uri) return;
        this.onPublish = undefined;
        resolve(p);
      };
    });
  }

  private diagnosticsOf(uri: string, version: number): Promise<Published> {
    return new Promise((resolve) => {
      this.waiters.set(uri, [...(this.waiters.get(uri) ?? []), { version, resolve }]);
    });
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    try {
      await this.connection.sendRequest('shutdown');
      await this.connection.sendNotification('exit');
    } catch {}
    this.connection.dispose();
    this.child.stdin!.end();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (this.child.exitCode === null) this.child.kill();
  }
}
