/**
 * Documents' text fidelity and cost against the usual tools, on real
 * documents you gather (issue 69: PDFs and HTML from Debian's documentation
 * packages, DOCX made from HTML or Markdown with pandoc; the documents are not
 * committed). For each PDF, HTML and DOCX file in the folder given:
 *
 * - the reference text: poppler's `pdftotext` (PDF), `w3m -dump` (HTML),
 *   `pandoc -t plain` (DOCX);
 * - the engine's text: documentPages (documents/parse-document.ts), the
 *   parse DOCUMENT_TEXT runs on its parser thread, here in this process;
 * - word recall (reference words the engine gave) and precision (engine
 *   words the reference has), as multisets of words (runs of letters and
 *   digits, NFC on both sides, case kept, ligature characters as their
 *   letters on both sides: pdftotext keeps `coeﬃcient`'s ﬃ, the engine
 *   gives `coefficient`, one word);
 * - glyphs with no character are not compared: where the engine gives
 *   U+FFFD (a glyph the document gives no Unicode for, or one its font names
 *   only by a number: xy-pic's arrow pieces, documents/pdf-glyph-names.ts),
 *   the reference's words in the same place are left out of both counts
 *   (pdftotext writes such glyphs as their codes: `BB`, `LL`, `qqq`). The
 *   place: the two texts' word sequences aligned (Myers' diff, jsdiff's
 *   diffArrays, the engine's U+FFFD runs a token of their own); the
 *   reference's words in a changed stretch whose engine side holds a U+FFFD
 *   run. The column `not compared` counts them. Applies to every file alike;
 *   a file whose text has no U+FFFD is compared whole;
 * - control characters in the engine's text (C0 but \n and \t, DEL, C1);
 * - CPU seconds: the engine's (this process's user + system around the parse,
 *   after a warm-up parse that loads PDFium) against the tool's (its child's
 *   user + system from GNU time), PDFs compared with pdftotext.
 *
 * Heavy (tens of seconds of CPU): run it under the shared lock.
 *
 *   flock /work/notes/heavy.lock node --import tsx bench/documents-fidelity.bench.ts <folder> [--min 0.99]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { DEFAULT_MAX_INFLATE_BYTES } from '../src/documents/document-limits.js';
import { documentPages } from '../src/documents/parse-document.js';

const folder = process.argv[2];
if (folder === undefined || folder.startsWith('--')) {
  process.stderr.write('usage: node --import tsx bench/documents-fidelity.bench.ts <folder> [--min 0.99]\n');
  process.exit(2);
}
const minIndex = process.argv.indexOf('--min');
const MIN = minIndex > 0 ? Number(process.argv[minIndex + 1]) : 0.99;
const limits = { maxBytes: 512 * 1024 * 1024, maxInflateBytes: DEFAULT_MAX_INFLATE_BYTES };
const scratch = mkdtempSync(join(tmpdir(), 'rvbbit-fidelity-'));

/** The tool's text and its CPU seconds (user + system, from GNU time). */
function reference(file: string): { text: string; cpu: number } {
  const times = join(scratch, 'times');
  const out = join(scratch, 'out.txt');
  const ext = extname(file).toLowerCase();
  const command =
    ext === '.pdf'
      ? ['pdftotext', '-enc', 'UTF-8', file, out]
      : ext === '.docx'
        ? ['pandoc', '-f', 'docx', '-t', 'plain', '--wrap=none', '-o', out, file]
        : ['sh', '-c', 'w3m -dump -cols 10000 -T text/html -I UTF-8 -O UTF-8 "$0" > "$1"', file, out];
  execFileSync('/usr/bin/time', ['-o', times, '-f', '%U %S', ...command], { stdio: 'ignore' });
  const [user, system] = readFileSync(times, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { text: readFileSync(out, 'utf8'), cpu: user! + system! };
}

/** A word (a run of letters and digits), or a run of U+FFFD: a glyph with no character. */
const TOKEN = /[\p{L}\p{N}]+|\ufffd+/gu;
const NO_CHARACTER = '\ufffd';
/** ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ: NFKC makes each its letters; only these are folded (NFKC of the whole text would also fold ², ½, full-width letters). */
const LIGATURE = /[\ufb00-\ufb06]/g;
/** The text's words and its runs of U+FFFD (each one NO_CHARACTER), in order. */
function tokens(text: string): string[] {
  const letters = text.normalize('NFC').replace(LIGATURE, (l) => l.normalize('NFKC'));
  return [...letters.matchAll(TOKEN)].map(([t]) => (t.startsWith(NO_CHARACTER) ? NO_CHARACTER : t));
}
function words(tokens: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of tokens) if (w !== NO_CHARACTER) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

interface Change {
  readonly value: string[];
  readonly added?: boolean;
  readonly removed?: boolean;
}
/** jsdiff (a dev dependency; no types of its own in the installed 5.x): Myers' diff of two token arrays. */
const { diffArrays } = createRequire(import.meta.url)('diff') as {
  diffArrays(a: string[], b: string[], options: { timeout: number }): Change[] | undefined;
};
/** jsdiff gives up on an alignment after this long (then nothing is left out). */
const ALIGN_TIMEOUT_MS = 60_000;

/**
 * The reference's words in the places where the engine's text has a glyph
 * with no character (see the top): the removed words of each changed stretch
 * whose added side holds a U+FFFD run.
 */
function notCompared(ref: string[], ours: string[]): Map<string, number> {
  const left = new Map<string, number>();
  if (!ours.includes(NO_CHARACTER)) return left;
  const changes = diffArrays(ref, ours, { timeout: ALIGN_TIMEOUT_MS }) ?? [];
  for (let i = 0; i < changes.length; ) {
    if (!changes[i]!.added && !changes[i]!.removed) {
      i++;
      continue;
    }
    const removed: string[] = [];
    let glyphs = false;
    for (; i < changes.length && (changes[i]!.added || changes[i]!.removed); i++) {
      if (changes[i]!.removed) removed.push(...changes[i]!.value);
      else if (changes[i]!.value.includes(NO_CHARACTER)) glyphs = true;
    }
    if (glyphs) for (const w of removed) left.set(w, (left.get(w) ?? 0) + 1);
  }
  return left;
}
function without(counts: Map<string, number>, left: Map<string, number>): Map<string, number> {
  const out = new Map(counts);
  for (const [w, c] of left) out.set(w, out.get(w)! - c);
  return out;
}
function common(a: Map<string, number>, b: Map<string, number>): number {
  let n = 0;
  for (const [w, c] of a) n += Math.min(c, b.get(w) ?? 0);
  return n;
}
const total = (m: Map<string, number>) => [...m.values()].reduce((n, c) => n + c, 0);
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

const files = readdirSync(folder)
  .filter((f) => ['.pdf', '.html', '.htm', '.docx'].includes(extname(f).toLowerCase()))
  .sort();
// Warm-up: PDFium loaded (its WebAssembly compiled), the JIT warm, before any file is measured.
const firstPdf = files.find((f) => f.endsWith('.pdf'));
if (firstPdf) await documentPages(new Uint8Array(readFileSync(join(folder, firstPdf))), limits);

const rows: string[] = [];
let failures = 0;
const sums = { ours: 0, tool: 0, oursPdf: 0, toolPdf: 0, refWords: 0, ourWords: 0, matched: 0 };
process.stdout.write(
  `| file | words (ref) | not compared | recall | precision | control chars | CPU s (ours) | CPU s (tool) | ratio |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n`,
);
for (const name of files) {
  const path = join(folder, name);
  const bytes = new Uint8Array(readFileSync(path));
  const before = cpuNow();
  const text = (await documentPages(bytes, limits)).join('\n\n');
  const ours = cpuNow() - before;
  const ref = reference(path);
  const refTokens = tokens(ref.text);
  const ourTokens = tokens(text);
  const left = notCompared(refTokens, ourTokens);
  const refWords = without(words(refTokens), left);
  const ourWords = words(ourTokens);
  const matched = common(refWords, ourWords);
  const recall = matched / Math.max(1, total(refWords));
  const precision = matched / Math.max(1, total(ourWords));
  const controls = text.match(CONTROL)?.length ?? 0;
  const ok = recall >= MIN && precision >= MIN && controls === 0;
  if (!ok) failures++;
  sums.ours += ours;
  sums.tool += ref.cpu;
  if (name.endsWith('.pdf')) {
    sums.oursPdf += ours;
    sums.toolPdf += ref.cpu;
  }
  sums.refWords += total(refWords);
  sums.ourWords += total(ourWords);
  sums.matched += matched;
  const row = `| ${name}${ok ? '' : ' ✗'} | ${total(refWords)} | ${total(left)} | ${recall.toFixed(4)} | ${precision.toFixed(4)} | ${controls} | ${ours.toFixed(2)} | ${ref.cpu.toFixed(2)} | ${(ours / Math.max(0.01, ref.cpu)).toFixed(2)} |`;
  rows.push(row);
  process.stdout.write(`${row}\n`);
}
rmSync(scratch, { recursive: true, force: true });
process.stdout.write(
  `\n${files.length} files, ${failures} below ${MIN} or with control characters; words: recall ${(sums.matched / sums.refWords).toFixed(4)}, precision ${(sums.matched / sums.ourWords).toFixed(4)}\n` +
    `CPU: ours ${sums.ours.toFixed(1)} s, tools ${sums.tool.toFixed(1)} s; PDFs ours ${sums.oursPdf.toFixed(1)} s against pdftotext ${sums.toolPdf.toFixed(1)} s = ${(sums.oursPdf / Math.max(0.01, sums.toolPdf)).toFixed(2)}×\n`,
);
process.exitCode = failures === 0 ? 0 : 1;
