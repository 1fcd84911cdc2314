/**
 * PDFium's WebAssembly memory (src/documents/pdfium.ts) is bounded by the
 * engine, in bytes: it grows to its cap and no further, a refused grow ends
 * the read with PdfiumMemoryError and a fresh instance for the next, and an
 * instance that grew past half its cap is not kept after the document (its
 * memory never shrinks). Real PDFium, at small caps.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PdfiumMemoryError, pdfiumMemoryBytes, withPdfium } from '../../src/documents/pdfium.js';

const MiB = 1024 * 1024;
const CAP = 48 * MiB;

test('an allocation past the cap is refused: the memory stays within the cap, the read fails, the instance is not kept', async () => {
  let inside = 0;
  let pointer = -1;
  try {
    await withPdfium(CAP, (pdfium) => {
      pointer = pdfium.malloc(64 * MiB);
      inside = pdfium.memory.buffer.byteLength;
    });
    assert.unreachable('the allocation was not refused');
  } catch (err) {
    assert.instance(err, PdfiumMemoryError);
    assert.is((err as PdfiumMemoryError).capBytes, CAP);
  }
  assert.is(pointer, 0, 'malloc gave no memory');
  assert.ok(inside > 0 && inside <= CAP, `memory ${inside} bytes`);
  assert.is(pdfiumMemoryBytes(), 0, 'the refused instance is dropped');
  // The next read has a fresh instance.
  assert.is(await withPdfium(CAP, (pdfium) => pdfium.malloc(MiB) !== 0), true);
  assert.ok(pdfiumMemoryBytes() > 0, 'a small read keeps its instance');
});

test('an instance that grew past half its cap is dropped after the read; one that did not is kept', async () => {
  await withPdfium(CAP, (pdfium) => pdfium.free(pdfium.malloc(MiB)));
  const kept = pdfiumMemoryBytes();
  assert.ok(kept > 0 && kept <= CAP / 2, `${kept}`);
  let grown = 0;
  await withPdfium(CAP, (pdfium) => {
    pdfium.free(pdfium.malloc(30 * MiB));
    grown = pdfium.memory.buffer.byteLength;
  });
  assert.ok(grown > CAP / 2 && grown <= CAP, `grew to ${grown}`);
  assert.is(pdfiumMemoryBytes(), 0, 'dropped: its memory goes with it');
});

test.run();
