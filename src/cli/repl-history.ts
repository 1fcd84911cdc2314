/**
 * REPL history in ~/.rvbbit_history (or $RVBBIT_HISTORY): one statement per
 * line, oldest first, at most `max` kept. A statement typed over several
 * lines is one entry: in memory its newlines are kept (up-arrow brings back
 * the whole statement as typed), and in the file each newline is stored as
 * \x01, as psql does, so a `-- comment` line cannot swallow the next one.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Stands for a newline inside an entry of the history file. */
const NEWLINE_IN_FILE = '\x01';

export function historyFile(env = process.env): string {
  return env.RVBBIT_HISTORY ?? join(homedir(), '.rvbbit_history');
}

/** Entries newest first, as node:readline wants them. */
export function loadHistory(file: string, max = 1000): string[] {
  if (!existsSync(file)) return [];
  try {
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    return lines
      .slice(-max)
      .reverse()
      .map((l) => l.replaceAll(NEWLINE_IN_FILE, '\n'));
  } catch {
    return [];
  }
}

export function appendHistory(file: string, entry: string, max = 1000): void {
  const line = entry.trim().replace(/\r?\n/g, NEWLINE_IN_FILE);
  if (line === '') return;
  try {
    appendFileSync(file, `${line}\n`);
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    if (lines.length > max * 2) writeFileSync(file, `${lines.slice(-max).join('\n')}\n`);
  } catch {
    // History is a convenience; an unwritable file must not stop the REPL.
  }
}

/**
 * Keeps node:readline's in-memory history one entry per statement. Readline
 * adds every line as it is entered; this follows the same lines
 * (synchronously, on each 'line' event) and, when a statement of several
 * lines ends, replaces the entries its lines added with the statement itself.
 * Only for a terminal: readline keeps no history otherwise.
 */
export class StatementHistory {
  private lines: string[] = [];
  private added = 0;
  private head: string | undefined;

  constructor(
    /** The array given to createInterface as `history` (readline edits it in place). */
    private readonly history: string[],
    /** A line that, where a statement would start, is not SQL (a REPL command). */
    private readonly isCommand: (line: string) => boolean,
  ) {
    this.head = history[0];
  }

  /** Call on every 'line' event, before anything else changes the history. */
  onLine(line: string): void {
    // Readline's own rule (kAddHistory): non-blank and unlike the newest entry.
    const added = line.trim() !== '' && line !== this.head;
    if (this.lines.length === 0 && (line.trim() === '' || this.isCommand(line))) {
      this.head = this.history[0];
      return;
    }
    this.lines.push(line);
    if (added) this.added++;
    const statement = this.lines.join('\n');
    if (statement.trimEnd().endsWith(';')) {
      if (this.lines.length > 1) {
        this.history.splice(0, this.added);
        if (this.history[0] !== statement) this.history.unshift(statement);
      }
      this.reset();
    }
    this.head = this.history[0];
  }

  /** The statement being typed was abandoned (Ctrl-C): its lines stay as they were entered. */
  reset(): void {
    this.lines = [];
    this.added = 0;
  }
}
