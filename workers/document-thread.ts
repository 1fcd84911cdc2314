/**
 * The document parser's thread: the main thread posts one document (its
 * bytes, or a checked file path to read here), or a long text to cut with
 * TEXT_CHUNKS, and awaits the reply (ahead of a statement, or between a
 * documents pass and the next: src/documents/document-parser.ts) or, inside
 * a DuckDB function, waits on a shared flag; this thread parses it, posts
 * the pages (the chunks) or the error as data and wakes the main thread.
 * Started with a heap limit: a document that needs more memory ends this
 * thread, not the process.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type MessagePort, workerData } from 'node:worker_threads';
import { asDocumentError, DocumentError } from '../src/documents/document-error.js';
import { DOCUMENT_OPEN_FLAGS, documentTooLarge } from '../src/documents/document-files.js';
import type { AheadNotice, DocumentReply, DocumentRequest } from '../src/documents/document-protocol.js';
import { documentPages } from '../src/documents/parse-document.js';
import { textChunks } from '../src/documents/text-chunks.js';

const { port, aheadPort, flag } = workerData as {
  port: MessagePort;
  aheadPort: MessagePort;
  flag: SharedArrayBuffer;
};
const cell = new Int32Array(flag);

port.on('message', (req: DocumentRequest) => {
  void parse(req).then((reply) => {
    port.postMessage(reply);
    Atomics.store(cell, 0, 1);
    Atomics.notify(cell, 0);
  });
});
// Parses ahead of a statement: the main thread awaits these replies instead of blocking.
aheadPort.on('message', (req: DocumentRequest) => {
  aheadPort.postMessage({ id: req.id, started: true } satisfies AheadNotice);
  void parse(req, (hashed) => aheadPort.postMessage({ id: req.id, hashed } satisfies AheadNotice)).then(
    (reply) => aheadPort.postMessage(reply),
  );
});
setInterval(() => Atomics.add(cell, 1, 1), 100).unref();
Atomics.add(cell, 1, 1);

async function parse(req: DocumentRequest, onHash?: (sha256: string) => void): Promise<DocumentReply> {
  let sha256: string | undefined;
  try {
    if (req.chunks) {
      const { text, maxTokens, overlapTokens } = req.chunks;
      return { id: req.id, pages: textChunks(text, maxTokens, overlapTokens) };
    }
    const bytes = req.bytes ?? readChecked(req.path!, req.shown ?? req.path!, req.limits.maxBytes);
    // Hashed before the parse, which may fail: a file that fails is still keyed by its content.
    if (req.hash) {
      sha256 = createHash('sha256').update(bytes).digest('hex');
      onHash?.(sha256);
    }
    // An error's detail says what the first bytes look like; the engine names the file or the BLOB.
    return {
      id: req.id,
      pages: await documentPages(bytes, req.limits),
      ...(sha256 ? { sha256 } : {}),
    };
  } catch (err) {
    const e = asDocumentError(err);
    return {
      id: req.id,
      ...(sha256 ? { sha256 } : {}),
      error: e.data(),
    };
  }
}

/** The file, opened without following a link or waiting on a FIFO, still a regular file within the limit. */
function readChecked(path: string, shown: string, maxBytes: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, DOCUMENT_OPEN_FLAGS);
  } catch (err) {
    throw new DocumentError(
      'DOCUMENT_NOT_FOUND',
      `cannot read ${shown}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      { path: shown },
    );
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw new DocumentError('DOCUMENT_NOT_FOUND', `${shown} is not a regular file`, { path: shown });
    if (st.size > maxBytes) {
      throw documentTooLarge(`file ${shown}`, st.size, maxBytes, { path: shown });
    }
    const bytes = Buffer.alloc(st.size);
    let got = 0;
    while (got < bytes.length) {
      const n = readSync(fd, bytes, got, bytes.length - got, got);
      if (n === 0) break;
      got += n;
    }
    // The parsers take a plain Uint8Array view of what was read.
    return new Uint8Array(bytes.buffer, bytes.byteOffset, got);
  } finally {
    closeSync(fd);
  }
}
// A parse's outcome is its own promise's; a stray rejection (pdf.js's cancelled text read once made one)
// would by default end this thread, sometimes before the parse's reply is sent: 'the document parser stopped'.
process.on('unhandledRejection', () => undefined);
