/**
 * REPL history in ~/.rvbbit_history (or $RVBBIT_HISTORY): one statement per
 * line, oldest first, at most `max` kept.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

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
    return lines.slice(-max).reverse();
  } catch {
    return [];
  }
}

export function appendHistory(file: string, entry: string, max = 1000): void {
  const line = entry.replace(/\s*\n\s*/g, ' ').trim();
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
