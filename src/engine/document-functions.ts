/**
 * DOCUMENT_TEXT(x), DOCUMENT_PAGES(x) and TEXT_CHUNKS(text, max_tokens
 * [, overlap_tokens]): plain DuckDB scalar functions, registered once per
 * database as IMAGE() is (image-function.ts), so every session, the CLI and
 * a server's clients have them (docs/documents.md).
 *
 * x is a BLOB (`read_blob('contracts/*.pdf')`'s content) or a VARCHAR path
 * of a file inside one of the engine's data folders (`dataFolders`,
 * `--data-dir`; the same list IMAGE() reads). The parse runs on the document
 * thread (documents/document-parser.ts); errors carry DOCUMENT_* codes
 * (function-errors.ts brings the code through DuckDB). NULL gives NULL.
 *
 * Each call knows its connection (bound at planning from DuckDB's client
 * context): while a session runs a documents pass there
 * (engine/documents-pass.ts), the functions record what is not parsed yet
 * instead of parsing it in the call.
 */
import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  BIGINT,
  BLOB,
  DuckDBBlobVector,
  type DuckDBConnection,
  DuckDBScalarFunction,
  type DuckDBScalarFunctionInfo,
  type DuckDBScalarMainFunction,
  DuckDBVarCharVector,
  type DuckDBVector,
  LIST,
  listValue,
  VARCHAR,
} from '@duckdb/node-api';
import { RvbbitError } from '../../base/errors.js';
import { functionError } from '../db/function-errors.js';
import { type DataFolder, documentTooLarge } from '../documents/document-files.js';
import {
  DEFAULT_MAX_DOCUMENT_BYTES,
  DocumentParser,
  type DocumentParserOptions,
} from '../documents/document-parser.js';
import type { CallWork, DocumentPass } from '../documents/document-pass.js';

export type DocumentSettings = DocumentParserOptions;

/** The engine's options that set the document limits. */
export interface DocumentOptions {
  readonly maxDocumentBytes?: number;
  readonly maxDocumentInflateBytes?: number;
  readonly documentParseDeadlineMs?: number;
  readonly documentParserThreads?: number;
  readonly documentParserHeapMb?: number;
}

/** The engine's document settings from its options; ENGINE_OPTION when a limit is bad. */
export function documentSettings(folders: readonly DataFolder[], options: DocumentOptions): DocumentSettings {
  const max = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const positive = (name: keyof DocumentOptions, v: number | undefined, most = Number.MAX_SAFE_INTEGER) => {
    if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > most))
      throw new RvbbitError(
        'ENGINE_OPTION',
        `options.${name} must be a positive integer${most < Number.MAX_SAFE_INTEGER ? ` up to ${most}` : ''}`,
      );
  };
  positive('maxDocumentBytes', max);
  positive('maxDocumentInflateBytes', options.maxDocumentInflateBytes);
  positive('documentParseDeadlineMs', options.documentParseDeadlineMs);
  positive('documentParserThreads', options.documentParserThreads, 64);
  positive('documentParserHeapMb', options.documentParserHeapMb);
  return {
    folders,
    maxBytes: max,
    ...(options.maxDocumentInflateBytes !== undefined
      ? { maxInflateBytes: options.maxDocumentInflateBytes }
      : {}),
    ...(options.documentParseDeadlineMs !== undefined ? { deadlineMs: options.documentParseDeadlineMs } : {}),
    ...(options.documentParserThreads !== undefined ? { threads: options.documentParserThreads } : {}),
    ...(options.documentParserHeapMb !== undefined ? { heapMb: options.documentParserHeapMb } : {}),
  };
}

/** Each folder as given (resolved) and as its real path; ENGINE_OPTION when one is missing or not a folder. */
export function dataFolders(folders: readonly string[]): DataFolder[] {
  return folders.map((f) => {
    const given = resolve(f);
    let real: string;
    try {
      real = realpathSync(given);
    } catch {
      throw new RvbbitError('ENGINE_OPTION', `data folder not found: ${f}`);
    }
    if (!statSync(real).isDirectory())
      throw new RvbbitError('ENGINE_OPTION', `data folder is not a folder: ${f}`);
    return { given, real };
  });
}

const registered = new WeakMap<object, DocumentParser>();

interface ConnectionBound {
  readonly connectionId: number;
}

/** Where a call runs: its connection, the documents pass running there, if any, and what the call has cut. */
interface DocumentCall {
  readonly pass: DocumentPass | undefined;
  readonly connectionId: number | undefined;
  readonly work: CallWork;
}

/** Registers the three functions once per database (`db` identifies it); returns its parser (closed with the engine). */
export function registerDocumentFunctions(
  db: object,
  con: DuckDBConnection,
  settings: DocumentSettings,
): DocumentParser {
  const existing = registered.get(db);
  if (existing) return existing;
  const parser = new DocumentParser(settings);
  const pagesOf = (value: unknown, { pass, connectionId }: DocumentCall): string[] | null => {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string') return parser.pagesOfFile(value, pass, connectionId);
    const bytes = value instanceof Uint8Array ? value : (value as { bytes?: unknown }).bytes;
    if (!(bytes instanceof Uint8Array)) {
      throw new RvbbitError(
        'DOCUMENT_BAD_ARGUMENT',
        'expects a BLOB (a file read with read_blob) or a file path',
      );
    }
    return parser.pagesOfBytes(bytes, pass, connectionId);
  };
  const callOf = (info: DuckDBScalarFunctionInfo): DocumentCall => {
    const connectionId = (info.bindData as ConnectionBound | undefined)?.connectionId;
    return { pass: parser.passOn(connectionId), connectionId, work: { inlineSteps: 0 } };
  };
  for (const input of [BLOB, VARCHAR]) {
    register(con, 'document_text', [input], VARCHAR, 'DOCUMENT_TEXT', callOf, (args, call) => {
      const pages = pagesOf(args[0], call);
      return pages === null ? null : pages.join('\n\n');
    });
    register(con, 'document_pages', [input], LIST(VARCHAR), 'DOCUMENT_PAGES', callOf, (args, call) => {
      const pages = pagesOf(args[0], call);
      return pages === null ? null : listValue(pages);
    });
  }
  for (const withOverlap of [false, true]) {
    register(
      con,
      'text_chunks',
      withOverlap ? [VARCHAR, BIGINT, BIGINT] : [VARCHAR, BIGINT],
      LIST(VARCHAR),
      'TEXT_CHUNKS',
      callOf,
      (args, { pass, connectionId, work }) => {
        const [text, max, overlap] = args as [string | null, bigint | null, bigint | null | undefined];
        if (text === null || max === null || overlap === null) return null;
        const overlapTokens = overlap === undefined ? 0 : Number(overlap);
        const chunks = parser.chunksOf(text, Number(max), overlapTokens, pass, connectionId, work);
        return chunks === null ? null : listValue(chunks);
      },
      settings.maxBytes,
    );
  }
  registered.set(db, parser);
  return parser;
}

/**
 * A row's value; a BLOB as its bytes copied once (getItem copies twice), and
 * a short one (held inline in the vector, which DuckDB reuses) copied out,
 * since a documents pass keeps what it records past the call. A VARCHAR
 * longer than `maxStringBytes` is refused by the length DuckDB holds, before
 * it is copied: getItem copies it twice (bytes, then a JS string), and one
 * over V8's longest string (2^29 - 24 characters) failed as INTERNAL.
 */
function itemOf(vector: DuckDBVector, row: number, maxStringBytes: number | undefined): unknown {
  if (maxStringBytes !== undefined) {
    const bytes = varcharBytes(vector, row);
    if (bytes !== undefined && bytes > maxStringBytes)
      throw documentTooLarge('the text', bytes, maxStringBytes);
  }
  if (!(vector instanceof DuckDBBlobVector)) return vector.getItem(row);
  const bytes = vector.getItemBytes(row);
  return bytes === null ? null : bytes.length <= 12 ? new Uint8Array(bytes) : bytes;
}

/**
 * A VARCHAR's length in UTF-8 bytes as DuckDB holds it (a string_t starts
 * with its length), read without copying the string; undefined for NULL, or
 * when the vector is not laid out so (node-api's internals: then the text
 * is checked after its copy, as before).
 */
function varcharBytes(vector: DuckDBVector, row: number): number | undefined {
  if (!(vector instanceof DuckDBVarCharVector)) return undefined;
  const inside = vector as unknown as { dataView?: unknown; validity?: { itemValid?: unknown } };
  const { dataView, validity } = inside;
  if (!(dataView instanceof DataView) || typeof validity?.itemValid !== 'function') return undefined;
  if (!(validity.itemValid as (i: number) => boolean).call(validity, row)) return undefined;
  return dataView.getUint32(row * 16, true);
}

function register(
  con: DuckDBConnection,
  name: string,
  parameterTypes: Parameters<typeof DuckDBScalarFunction.create>[0]['parameterTypes'],
  returnType: Parameters<typeof DuckDBScalarFunction.create>[0]['returnType'],
  shown: string,
  callOf: (info: DuckDBScalarFunctionInfo) => DocumentCall,
  body: (args: unknown[], call: DocumentCall) => unknown,
  /** The first argument's longest VARCHAR (TEXT_CHUNKS' text), checked before it is copied. */
  maxTextBytes?: number,
): void {
  const mainFunction: DuckDBScalarMainFunction = (info, chunk, output) => {
    try {
      // One DuckDB call, one chunk of rows: what it may cut on the main thread starts anew.
      const call = callOf(info);
      const columns = (parameterTypes ?? []).map((_, i) => chunk.getColumnVector(i));
      for (let r = 0; r < chunk.rowCount; r++) {
        output.setItem(
          r,
          body(
            columns.map((c, i) => itemOf(c, r, i === 0 ? maxTextBytes : undefined)),
            call,
          ) as never,
        );
      }
      output.flush();
    } catch (err) {
      const e =
        err instanceof RvbbitError
          ? new RvbbitError(
              err.code,
              err.message.startsWith(`${shown}:`) ? err.message : `${shown}: ${err.message}`,
              { ...err.detail },
            )
          : new RvbbitError('INTERNAL', `${shown}: ${(err as Error)?.message ?? String(err)}`);
      info.setError(functionError(e));
    }
  };
  con.registerScalarFunction(
    DuckDBScalarFunction.create({
      name,
      returnType,
      parameterTypes,
      // NULLs reach the body, which answers NULL for them.
      specialHandling: true,
      // Which connection calls: the documents pass running there, if any, decides what a miss does.
      bindFunction: (bind) =>
        bind.setBindData({ connectionId: bind.clientContext.connectionId } satisfies ConnectionBound),
      mainFunction,
    }),
  );
}
