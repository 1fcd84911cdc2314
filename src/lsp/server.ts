/**
 * The language server: one connection over stdio, incremental document sync,
 * diagnostics once per burst of changes (debounced), and the requests of
 * completion.ts, hover.ts, definition.ts, semantic-tokens.ts and formatting.
 * Every handler catches: a bug answers "nothing" and is logged, the server
 * stays up.
 */
import {
  type Connection,
  createConnection,
  type InitializeResult,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { completeAt } from './completion.js';
import { definitionAt } from './definition.js';
import { diagnose } from './diagnostics.js';
import { formatEdits } from './formatting.js';
import { hoverAt } from './hover.js';
import { LspContext, type LspOptions } from './lsp-context.js';
import { LEGEND, semanticTokens } from './semantic-tokens.js';

const DEFAULT_DEBOUNCE_MS = 5;

export function startServer(options: LspOptions): Connection {
  const connection = createConnection(process.stdin, process.stdout);
  const documents = new TextDocuments(TextDocument);
  const ready = LspContext.create(options);
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
  const timers = new Map<string, NodeJS.Timeout>();

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
      const ctx = await ready;
      const doc = documents.get(uri);
      if (!doc) return;
      const diagnostics = diagnose(ctx, doc);
      if (ctx.loadError) {
        connection.window.showErrorMessage(`rvbbit: cascade catalog not loaded: ${ctx.loadError}`);
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
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  });

  connection.onInitialize(
    (): InitializeResult => ({
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: ["'", '(', ',', ' ', '/', '@', '.'] },
        hoverProvider: true,
        definitionProvider: true,
        documentFormattingProvider: true,
        semanticTokensProvider: { legend: LEGEND, full: true },
      },
      serverInfo: { name: 'rvbbit' },
    }),
  );

  const withDoc = <T>(
    what: string,
    uri: string,
    fallback: T,
    run: (ctx: LspContext, doc: TextDocument) => T | Promise<T>,
  ) =>
    guard(what, fallback, async () => {
      const doc = documents.get(uri);
      return doc ? run(await ready, doc) : fallback;
    });

  connection.onCompletion((p) =>
    withDoc('completion', p.textDocument.uri, [], (ctx, doc) =>
      completeAt(ctx, doc, doc.offsetAt(p.position)),
    ),
  );
  connection.onHover((p) =>
    withDoc('hover', p.textDocument.uri, null, (ctx, doc) => hoverAt(ctx, doc, doc.offsetAt(p.position))),
  );
  connection.onDefinition((p) =>
    withDoc('definition', p.textDocument.uri, null, (ctx, doc) =>
      definitionAt(ctx, doc.getText(), doc.offsetAt(p.position)),
    ),
  );
  connection.onDocumentFormatting((p) =>
    withDoc('formatting', p.textDocument.uri, [], (ctx, doc) => formatEdits(ctx, doc)),
  );
  connection.languages.semanticTokens.on((p) =>
    withDoc('semantic tokens', p.textDocument.uri, { data: [] }, (ctx, doc) => semanticTokens(ctx, doc)),
  );

  documents.listen(connection);
  connection.listen();
  return connection;
}
