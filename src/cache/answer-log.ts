/**
 * The answer log: an append-only file beside a database file (`<db>.answers`)
 * that holds the answers the result cache stored and the database has not
 * committed yet. Each store is one write(2) of JSON lines, made before the
 * answer is used; a kill -9 cannot undo a finished write (the data is in the
 * OS page cache), so a crash loses no answer the engine had in hand. At start
 * the cache replays the file into `rvbbit.cache`; after every commit of the
 * cache table it keeps only what is still uncommitted.
 *
 * Not synced to disk (no fsync): it survives the process dying, not the
 * machine losing power, as the database's own commits do here.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';

/** One stored answer: what a `rvbbit.cache` row holds (times in ms since the epoch; null = never expires). */
export interface LoggedAnswer {
  readonly key: string;
  readonly cascadeId: string;
  readonly value: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
}

/** The answer log's file for the database file `database`. */
export function answerLogPath(database: string): string {
  return `${database}.answers`;
}

/** One answer as a line of the file: a JSON array, the fields in LoggedAnswer's order. */
export function answerLine(a: LoggedAnswer): string {
  return `${JSON.stringify([a.key, a.cascadeId, a.value, a.createdAt, a.expiresAt])}\n`;
}

/**
 * The answers in the file at `path` (none if there is no file). A line that
 * does not parse (a write torn by the crash) is skipped.
 */
export function readAnswerLog(path: string): LoggedAnswer[] {
  if (!existsSync(path)) return [];
  const answers: LoggedAnswer[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    try {
      const [key, cascadeId, value, createdAt, expiresAt] = JSON.parse(line) as unknown[];
      if (typeof key !== 'string' || typeof value !== 'string' || typeof createdAt !== 'number') continue;
      answers.push({
        key,
        cascadeId: String(cascadeId),
        value,
        createdAt,
        expiresAt: typeof expiresAt === 'number' ? expiresAt : null,
      });
    } catch {
      // torn by the crash: that answer was never used
    }
  }
  return answers;
}

export class AnswerLog {
  private fd: number;

  /** Opens (creating it) the log at `path` for appending; what it held must have been replayed. */
  constructor(private readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  /** Appends `text` (whole lines) in one write. */
  append(text: string): void {
    if (text !== '') writeSync(this.fd, text);
  }

  /**
   * After a commit of the cache table: the file keeps only `uncommitted`
   * (answers stored and not yet in the table). Emptied in place when there are
   * none; else replaced by a new file with just those, renamed over it, so a
   * crash at any moment leaves one file or the other, never neither.
   */
  committed(uncommitted: string): void {
    if (uncommitted === '') {
      ftruncateSync(this.fd, 0);
      return;
    }
    const next = `${this.path}.next`;
    writeFileSync(next, uncommitted);
    renameSync(next, this.path);
    closeSync(this.fd);
    // Opened for appending: every write lands at the end, even after a truncation.
    this.fd = openSync(this.path, 'a');
  }

  /** Closes the file, and removes it when it holds nothing (every answer is in the database). */
  close(): void {
    const empty = fstatSync(this.fd).size === 0;
    closeSync(this.fd);
    if (empty) unlinkSync(this.path);
  }
}
