/**
 * The language server: one connection over stdio, incremental document sync,
 * diagnostics once per burst of changes (debounced), and the requests of
 * completion.ts, hover.ts, definition.ts, semantic-tokens.ts and formatting.
 * Every handler catches: a bug answers "nothing" and is logged, the server
 * stays up.
 */
import { fileURLToPath } from 'node:url';
import {
  type Connection,
  createConnection,
  DidChangeWatchedFilesNotification,
  type InitializeParams,
  type InitializeResult,
  MessageType,
  ShowMessageNotification,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { LspContext, LspOptions } from './lsp-context.js';
import { LEGEND } from './semantic-legend.js';

type Features = typeof import('./features.js');

const DEFAULT_DEBOUNCE_MS = 5;

export function startServer(options: LspOptions): Connection {
  const connection = createConnection(process.stdin, process.stdout);
  const documents = new TextDocuments(TextDocument);
  // The parser and the catalog load once `initialize` has named the workspace folder
  // (so its answer is not held up by them); requests wait for them.
  let setWorkspace: (dir: string | undefined) => void = () => {};
  const workspace = new Promise<string | undefined>((resolve) => {
    setWorkspace = resolve;
  });
  const ready = workspace.then(async (dir) => {
    const f = await import('./features.js');
    const ctx = await f.LspContext.create(options, dir);
    await ctx.syncDbFunctions();
    return { f, ctx };
  });
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const timers = new Map<string, NodeJS.Timeout>();
  const analyses = new Map<string, InstanceType<Features['ChunkedAnalysis']>>();

  const guard = <T>(what: string, fallback: T, run: () => T | Promise<T>): Promise<T> =>
    Promise.resolve()
      .then(run)
      .catch((err: unknown) => {
        connection.console.error(`rvbbit lsp: ${what} failed: ${(err as Error)?.stack ?? String(err)}`);
        return fallback;
      });

  const publish = (uri: string) => {
    timers.delete(uri);
    void guard('diagnostics', undefined, async () => {
      const { f, ctx } = await ready;
      await ctx.syncDbFunctions();
      const doc = documents.get(uri);
      if (!doc) return;
      const analysis = analyses.get(uri) ?? new f.ChunkedAnalysis();
      analyses.set(uri, analysis);
      const diagnostics = f.diagnose(ctx, doc, analysis);
      if (ctx.loadError) {
        // A notification, not window/showMessageRequest: nothing waits for the user.
        void connection.sendNotification(ShowMessageNotification.type, {
          type: MessageType.Error,
          message: `rvbbit: ${ctx.loadError}`,
        });
        ctx.loadError = undefined;
      }
      await connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
    });
  };
  documents.onDidChangeContent(({ document }) => {
    clearTimeout(timers.get(document.uri));
    timers.set(document.uri, setTimeout(publish, debounceMs, document.uri));
  });
  documents.onDidClose(({ document }) => {
    clearTimeout(timers.get(document.uri));
    timers.delete(document.uri);
    analyses.delete(document.uri);
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  });

  let watchFiles = false;
  connection.onInitialize((params): InitializeResult => {
    setWorkspace(workspaceDir(params));
    watchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: ["'", '(', ',', '/', '@', '.'] },
        hoverProvider: true,
        definitionProvider: true,
        documentFormattingProvider: true,
        semanticTokensProvider: { legend: LEGEND, full: true },
      },
      serverInfo: { name: 'rvbbit' },
    };
  });

  const withDoc = <T>(
    what: string,
    uri: string,
    fallback: T,
    run: (f: Features, ctx: LspContext, doc: TextDocument) => T | Promise<T>,
  ) =>
    guard(what, fallback, async () => {
      const { f, ctx } = await ready;
      await ctx.syncDbFunctions();
      const doc = documents.get(uri);
      return doc ? run(f, ctx, doc) : fallback;
    });

  connection.onCompletion((p) =>
    withDoc('completion', p.textDocument.uri, [], (f, ctx, doc) =>
      f.completeAt(ctx, doc, doc.offsetAt(p.position)),
    ),
  );
  connection.onHover((p) =>
    withDoc('hover', p.textDocument.uri, null, (f, ctx, doc) =>
      f.hoverAt(ctx, doc, doc.offsetAt(p.position)),
    ),
  );
  connection.onDefinition((p) =>
    withDoc('definition', p.textDocument.uri, null, (f, ctx, doc) =>
      f.definitionAt(ctx, doc.getText(), doc.offsetAt(p.position)),
    ),
  );
  connection.onDocumentFormatting((p) =>
    withDoc('formatting', p.textDocument.uri, [], (f, ctx, doc) => f.formatEdits(ctx, doc)),
  );
  connection.languages.semanticTokens.on((p) =>
    withDoc('semantic tokens', p.textDocument.uri, { data: [] }, (f, ctx, doc) => f.semanticTokens(ctx, doc)),
  );

  // A cascade saved, added or removed may add an operator word or a path: read the
  // catalog again and re-check every open document.
  connection.onInitialized(() => {
    if (!watchFiles) return;
    void guard('file watching', undefined, () =>
      connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [{ globPattern: '**/*.{yaml,yml}' }],
      }),
    );
  });
  connection.onDidChangeWatchedFiles(() =>
    guard('reload', undefined, async () => {
      (await ready).ctx.reload();
      for (const doc of documents.all()) publish(doc.uri);
    }),
  );

  documents.listen(connection);
  connection.listen();
  return connection;
}

/** The first workspace folder (or the root) `initialize` names, when it is a local folder. */
function workspaceDir(params: InitializeParams): string | undefined {
  const uri = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
  try {
    return uri?.startsWith('file:') ? fileURLToPath(uri) : (params.rootPath ?? undefined);
  } catch {
    return undefined;
  }
}
