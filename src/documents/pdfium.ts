/**
 * PDFium (Google's PDF library, BSD-3) as WebAssembly, from @hyzyla/pdfium:
 * one instance per parser thread, its memory capped. The package's own
 * classes are not used: they reach PDFium through a checking wrapper per
 * call and read the text page by page only; this calls the module's exports
 * straight (pdf-text.ts reads each page's text and, at each change of text
 * object, two characters' positions).
 *
 * Memory: a WebAssembly instance's memory grows and never shrinks, and lies
 * outside the V8 heap the thread's cap limits. So the instance may grow to
 * its cap and no further (its grow request refused: PDFium's allocation
 * fails, and the read ends with PdfiumMemoryError, which pdf-text.ts gives as
 * DOCUMENT_PARSE_LIMIT), and an instance that grew past half its cap, or
 * failed, is dropped after the document: the next one starts from a
 * fresh instance (the compiled module is kept: ~30 ms of CPU to instantiate,
 * against ~0.5 s to compile, once a thread; an instance starts at 18 MB, so a
 * cap under 37 MB gets a fresh one each document).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The exports pdf-text.ts calls: pointers and handles are numbers (wasm32). */
export interface PdfiumExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  malloc(bytes: number): number;
  free(ptr: number): void;
  FPDF_InitLibrary(): void;
  FPDF_LoadMemDocument(data: number, size: number, password: number): number;
  FPDF_GetLastError(): number;
  FPDF_GetPageCount(doc: number): number;
  FPDF_LoadPage(doc: number, index: number): number;
  FPDF_ClosePage(page: number): void;
  FPDF_CloseDocument(doc: number): void;
  FPDFText_LoadPage(page: number): number;
  FPDFText_ClosePage(textPage: number): void;
  FPDFText_CountChars(textPage: number): number;
  /** Writes UTF-16LE code units of chars [start, start + count) and a NUL; returns the units written, NUL included. */
  FPDFText_GetText(textPage: number, start: number, count: number, out: number): number;
  FPDFText_GetTextObject(textPage: number, index: number): number;
  FPDFText_IsGenerated(textPage: number, index: number): number;
  FPDFText_GetCharOrigin(textPage: number, index: number, x: number, y: number): number;
  FPDFText_GetLooseCharBox(textPage: number, index: number, rect: number): number;
  FPDFTextObj_GetFont(textObject: number): number;
  /** Writes the font's BaseFont name and a NUL if `length` holds them; returns the bytes it needs, NUL included. */
  FPDFFont_GetBaseFontName(font: number, buffer: number, length: number): number;
  /** The font's program, decoded: copied when `length` holds it; its size written at `size` (a size_t, 4 bytes). */
  FPDFFont_GetFontData(font: number, buffer: number, length: number, size: number): number;
}

/** FPDF_GetLastError's codes (fpdfview.h). */
export const FPDF_ERR_PASSWORD = 4;
export const FPDF_ERR_SECURITY = 5;

/**
 * After a document, an instance whose memory grew past this share of its cap
 * is dropped (the next document gets a fresh one): a thread keeps at most
 * half its PDFium cap between documents.
 */
const RETAINED_SHARE_OF_CAP = 0.5;

/** The memory cap when the thread has no heap cap of its own (the library in the caller's thread): the parser thread's default. */
export const DEFAULT_MEMORY_CAP_BYTES = 512 * 1024 * 1024;

export class PdfiumMemoryError extends Error {
  constructor(readonly capBytes: number) {
    super(`PDFium's memory would grow past its cap of ${capBytes} bytes`);
  }
}

interface Instance {
  readonly exports: PdfiumExports;
  readonly capBytes: number;
  /** Set when a grow was refused: PDFium may be in any state after that, so the instance is not reused. */
  refused: boolean;
}

/**
 * The part of the platform's WebAssembly this uses, typed here: the project's
 * type check has no DOM library, where TypeScript declares it.
 */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}
const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

let compiled: object | undefined;
let current: Instance | undefined;

type VendorModule = (options: Record<string, unknown>) => Promise<unknown>;

/** A fresh PDFium instance whose memory may grow to `capBytes`, no further. */
async function instantiate(capBytes: number): Promise<Instance> {
  const require = createRequire(import.meta.url);
  compiled ??= new wasm.Module(readFileSync(require.resolve('@hyzyla/pdfium/pdfium.wasm')));
  const module = compiled;
  const { PDFiumModule } = (await import('@hyzyla/pdfium')) as unknown as { PDFiumModule: VendorModule };
  const instance: { exports?: PdfiumExports; capBytes: number; refused: boolean } = {
    capBytes,
    refused: false,
  };
  await PDFiumModule({
    // The glue's messages (a refused grow, PDFium's abort) would go to the process's stdout and stderr.
    print: () => undefined,
    printErr: () => undefined,
    instantiateWasm(
      imports: { env: Record<string, unknown> },
      done: (instance: { readonly exports: object }) => void,
    ): object {
      // Every growth of the heap goes through this import (emscripten's sbrk): refused past the cap.
      const grow = imports.env.emscripten_resize_heap as (requested: number) => number | boolean;
      imports.env.emscripten_resize_heap = (requested: number) => {
        if (requested >>> 0 > capBytes) {
          instance.refused = true;
          return 0;
        }
        return grow(requested);
      };
      const created = new wasm.Instance(module, imports);
      done(created);
      return created.exports;
    },
  }).then((module) => {
    instance.exports = (module as { wasmExports: PdfiumExports }).wasmExports;
  });
  instance.exports!.FPDF_InitLibrary();
  return instance as Instance;
}

/**
 * Runs `read` with this thread's PDFium; afterwards, an instance that was
 * refused memory, failed inside (a trap, an abort) or grew past
 * half its cap is dropped. A refused grow is reported as
 * PdfiumMemoryError whatever PDFium did next.
 */
export async function withPdfium<T>(
  capBytes: number,
  read: (pdfium: PdfiumExports) => T | Promise<T>,
): Promise<T> {
  if (current !== undefined && current.capBytes !== capBytes) current = undefined;
  current ??= await instantiate(capBytes);
  const instance = current;
  let healthy = false;
  try {
    const result = await read(instance.exports);
    healthy = !instance.refused;
    if (instance.refused) throw new PdfiumMemoryError(capBytes);
    return result;
  } catch (err) {
    if (instance.refused) throw new PdfiumMemoryError(capBytes);
    throw err;
  } finally {
    const grown = instance.exports.memory.buffer.byteLength > RETAINED_SHARE_OF_CAP * instance.capBytes;
    if (!healthy || grown) {
      if (current === instance) current = undefined;
    }
  }
}

/** The memory of this thread's instance, in bytes (0 when there is none): for tests. */
export function pdfiumMemoryBytes(): number {
  return current?.exports.memory.buffer.byteLength ?? 0;
}
